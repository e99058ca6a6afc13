/**
 * GET /view/{slug}?token=<unsubscribe token> — a tip in the browser (the email's "view in browser"
 * link). With a valid token the page carries the reader's own unsubscribe link, otherwise the
 * generic unsubscribe page. The name is never shown: the URL may be shared.
 */

import { NotFoundError } from "../core/errors.js";
import { FIRST_NAME_FALLBACK, fill } from "../core/fill.js";
import { unsubscribeUrl, viewUrl } from "../core/links.js";
import type { AppDeps } from "./deps.js";
import { type Event, query } from "./request.js";
import { html, type Result } from "./respond.js";

export async function getView(event: Event, deps: AppDeps, slug: string): Promise<Result> {
  const tip = deps.content.tips.find((candidate) => candidate.slug === slug);
  if (!tip) throw new NotFoundError("There is no tip at this address.");
  const valid = validUnsubscribeToken(deps, query(event, "token"));
  const { baseUrl, postalAddress } = deps.site;
  const page = fill(
    tip.html,
    {
      first_name: FIRST_NAME_FALLBACK,
      unsubscribe_url: valid ? unsubscribeUrl(baseUrl, valid) : `${baseUrl}/unsubscribe`,
      view_url: viewUrl(baseUrl, tip.slug, valid),
      postal_address: postalAddress,
    },
    "html",
  );
  return html(200, page, { imgSrc: "https: data:" });
}

/** The token when it is a valid unsubscribe token; a bad one just means the generic page. */
function validUnsubscribeToken(deps: AppDeps, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    deps.signer.verify(token, "unsubscribe");
    return token;
  } catch {
    return undefined;
  }
}
