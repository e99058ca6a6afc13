/**
 * GET /unsubscribe?token= shows a one-button form; POST /unsubscribe?token= unsubscribes, and the
 * page it answers with is the only confirmation (no email follows). The POST is also the RFC 8058
 * one-click target (body List-Unsubscribe=One-Click): 200, never a redirect, and 200 again when
 * repeated. Any content type is accepted there, as mailbox providers differ.
 * Errors are mapped to pages by the router.
 */
import { readerOfLink, unsubscribe } from "../core/subscriptions.js";
import type { AppDeps } from "./deps.js";
import { unsubscribedPage, unsubscribeHelpPage, unsubscribePromptPage } from "./pages.js";
import { bodyText, type Event, formBody, isFormPost, query } from "./request.js";
import { html, type Result } from "./respond.js";

export async function getUnsubscribe(event: Event, deps: AppDeps): Promise<Result> {
  const token = query(event, "token");
  if (token === undefined) return html(200, unsubscribeHelpPage());
  await readerOfLink(deps, token, "unsubscribe"); // a bad or signed-out link: the error page
  return html(200, unsubscribePromptPage(token));
}

export async function postUnsubscribe(event: Event, deps: AppDeps): Promise<Result> {
  const text = bodyText(event); // size-capped even when the token is in the query
  const token = query(event, "token") ?? (isFormPost(event) ? formBody(text).token : undefined);
  await unsubscribe(deps, token);
  return html(200, unsubscribedPage());
}
