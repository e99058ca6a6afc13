/** GET / — the signup page. */
import type { AppDeps } from "./deps.js";
import { signupPage } from "./pages.js";
import type { Event } from "./request.js";
import { html, type Result } from "./respond.js";

export async function getHome(_event: Event, deps: AppDeps): Promise<Result> {
  return html(200, signupPage(undefined, deps.site.baseUrl, deps.schedule));
}
