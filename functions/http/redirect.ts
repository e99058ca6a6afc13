/**
 * GET|HEAD /r/{token}: the click redirect of a tip's link (core/clicks.ts). 302 to the link the
 * token names in that tip, with no Referer sent on and nothing cached; a forged or tampered
 * token is a 400 page, a tip or link that does not exist a 404 page; neither redirects.
 */
import { followClick } from "../core/clicks.js";
import type { AppDeps } from "./deps.js";
import { type Event, userAgent } from "./request.js";
import { type Result, redirect } from "./respond.js";

export async function getRedirect(event: Event, deps: AppDeps, token: string): Promise<Result> {
  const { location } = await followClick(
    {
      signer: deps.signer,
      clock: deps.clock,
      tips: deps.tipsBySlug ?? new Map(deps.content.tips.map((tip) => [tip.slug, tip])),
      counting: deps.trackClicks ?? true,
      ...(deps.clicks ? { clicks: deps.clicks } : {}),
      ...(deps.log ? { log: deps.log } : {}),
    },
    token,
    {
      method: (event.requestContext?.http?.method ?? "GET").toUpperCase(),
      userAgent: userAgent(event),
    },
  );
  return redirect(302, location, { "referrer-policy": "no-referrer", "x-robots-tag": "noindex" });
}
