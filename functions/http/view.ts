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
import { fromError, html, type Result } from "./respond.js";

export async function getView(event: Event, deps: AppDeps, slug: string): Promise<Result> {
  try {
    const tip = deps.content.tips.find((candidate) => candidate.slug === slug);
    if (!tip) throw new NotFoundError("There is no tip at this address.");
    const token = query(event, "token");
    let valid: string | undefined;
    try {
      if (token !== undefined) deps.signer.verify(token, "unsubscribe");
      valid = token;
    } catch {
      valid = undefined;
    }
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
  } catch (error) {
    return fromError(error, "html", { route: "GET /view" });
  }
}
