/**
 * GET /confirm?token= shows a button and changes nothing (mail scanners prefetch links);
 * POST /confirm (form field token) activates and sends the welcome email once.
 * Errors are mapped to pages by the router.
 */
import { checkConfirmLink, confirm } from "../core/subscriptions.js";
import type { AppDeps } from "./deps.js";
import { confirmedPage, confirmPromptPage } from "./pages.js";
import { type Event, query, sourceIp } from "./request.js";
import { html, type Result } from "./respond.js";
import { tokenOf } from "./token.js";

export async function getConfirm(event: Event, deps: AppDeps): Promise<Result> {
  const token = query(event, "token") ?? "";
  await checkConfirmLink(deps, token); // a bad or retired link gets the error page, no button
  return html(200, confirmPromptPage(token));
}

export async function postConfirm(event: Event, deps: AppDeps): Promise<Result> {
  await confirm(deps, tokenOf(event, query(event, "token")), sourceIp(event));
  return html(200, confirmedPage());
}
