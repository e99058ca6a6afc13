/**
 * GET /manage?token= shows the reader's settings and changes nothing; POST /manage (a form or
 * JSON: token, action and its field) applies one change: pause (weeks 1–12), resume, timezone,
 * name or unsubscribe; or one of the reader's rights: export (their data as a JSON download),
 * erase (a page that asks), erase-confirmed, signout (every link signed out, a new one given).
 * Bad input is a 400 page that says what is expected (the router maps the errors).
 */

import { BadRequestError } from "../core/errors.js";
import {
  applyPreferences,
  applyRights,
  type ManageAction,
  parseManageForm,
  type RightsAction,
  showPreferences,
} from "../core/preferences.js";
import { brand } from "../generated/brand.js";
import type { AppDeps } from "./deps.js";
import { managePage } from "./manage-page.js";
import { manageHelpPage } from "./pages.js";
import { type Event, formOrJsonBody, query } from "./request.js";
import { html, json, type Result, redirect } from "./respond.js";
import { confirmErasePage, erasedPage } from "./rights-pages.js";

const NOTICE = {
  pause: "Paused.",
  resume: "Your tips are back on.",
  timezone: "Time zone saved.",
  when: "Saved: your next tip comes at the new day and time.",
  name: "Name saved.",
  unsubscribe: "You're unsubscribed.",
} as const;

const PAUSED_NOTICE = "Saved: after your pause, your tips come at the new day and time.";

/** The tips there are, so the page can tell a reader who has had them all. */
const withTips = (deps: AppDeps) => ({ ...deps, tips: deps.content.tips });

const RIGHTS = new Set<string>(["export", "erase", "erase-confirmed", "signout"]);

/** Said on the page a sign-out leads to (GET /manage?token=…&signed-out=1). */
const SIGNED_OUT =
  "Every link we sent you is signed out. This page has a new address (bookmark it if you like), and your next email brings new links. An old unsubscribe link still unsubscribes, and does nothing else.";

export async function getManage(event: Event, deps: AppDeps): Promise<Result> {
  const token = query(event, "token") ?? "";
  if (token === "") return html(200, manageHelpPage());
  const notice = query(event, "signed-out") === "1" ? SIGNED_OUT : undefined;
  return html(200, managePage(token, await showPreferences(withTips(deps), token), notice));
}

/** The body's fields as text (a JSON number, such as weeks, as its digits); 415 for other types. */
function fields(event: Event): Record<string, string | undefined> {
  const body = formOrJsonBody(event);
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => {
      if (typeof value === "string") return [key, value];
      if (typeof value === "number") return [key, String(value)];
      if (value === null || value === undefined) return [key, undefined];
      // A list, an object or true is not "left blank": it would reset the field to the default.
      throw new BadRequestError(`${key.slice(0, 40)} must be text or a number.`, "invalid_field");
    }),
  );
}

export async function postManage(event: Event, deps: AppDeps): Promise<Result> {
  const form = fields(event);
  let change: ReturnType<typeof parseManageForm>;
  try {
    change = parseManageForm(form, deps.schedule.slot);
  } catch (error) {
    if (!(error instanceof BadRequestError) || !form.token) throw error;
    // A value the page refuses (a name, a zone): the page again, saying why, nothing changed.
    const settings = await showPreferences(withTips(deps), form.token);
    return html(400, managePage(form.token, settings, `Not saved: ${error.message}`));
  }
  if (RIGHTS.has(change.action)) return rights(deps, form.token, change as RightsAction);
  const action = change as ManageAction;
  const settings = await applyPreferences(withTips(deps), form.token, action);
  // While paused, a new day, hour or zone applies from the pause's end, which the page shows.
  const notice =
    settings.pausedUntil !== undefined && (action.action === "when" || action.action === "timezone")
      ? PAUSED_NOTICE
      : NOTICE[action.action];
  return html(200, managePage(form.token ?? "", settings, notice));
}

async function rights(deps: AppDeps, token: string | undefined, change: RightsAction) {
  const titles = new Map(deps.content.tips.map((tip) => [tip.slug, tip.title]));
  const outcome = await applyRights({ ...deps, titles }, token, change);
  switch (outcome.kind) {
    case "data":
      return json(200, outcome.data, {
        "content-disposition": `attachment; filename="${dataFileName(brand.name)}"`,
      });
    case "confirm-erase":
      return html(200, confirmErasePage(token ?? "", outcome.email));
    case "erased":
      return html(200, erasedPage());
    case "signed-out":
      // To the page at its new address: one the reader can reload and bookmark.
      return redirect(
        303,
        `${deps.site.baseUrl}/manage?token=${encodeURIComponent(outcome.token)}&signed-out=1`,
        { "referrer-policy": "no-referrer" },
      );
  }
}

/**
 * The export's file name: the newsletter's name as a slug, "weekly-strength-tips-for-runners-my-
 * data.json" (letters and digits of any script kept, accents dropped).
 */
export function dataFileName(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${slug || "newsletter"}-my-data.json`;
}
