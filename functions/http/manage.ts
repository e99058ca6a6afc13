/**
 * GET /manage?token= shows the reader's settings and changes nothing; POST /manage (form: token,
 * action and its field) applies one change: pause (weeks 1–12), resume, timezone, name or
 * unsubscribe. Bad input is a 400 page that says what is expected (the router maps the errors).
 */
import { applyPreferences, parseManageForm, showPreferences } from "../core/preferences.js";
import type { AppDeps } from "./deps.js";
import { managePage } from "./manage-page.js";
import { bodyText, type Event, formBody, query } from "./request.js";
import { html, type Result } from "./respond.js";

const NOTICE = {
  pause: "Paused.",
  resume: "Your tips are back on.",
  timezone: "Time zone saved.",
  name: "Name saved.",
  unsubscribe: "You're unsubscribed.",
} as const;

export async function getManage(event: Event, deps: AppDeps): Promise<Result> {
  const token = query(event, "token") ?? "";
  return html(200, managePage(token, await showPreferences(deps, token)));
}

export async function postManage(event: Event, deps: AppDeps): Promise<Result> {
  const form = formBody(bodyText(event));
  const change = parseManageForm(form);
  const settings = await applyPreferences(deps, form.token, change);
  return html(200, managePage(form.token ?? "", settings, NOTICE[change.action]));
}
