/** GET / — the signup page. */
import { signupPage } from "./pages.js";
import { html, type Result } from "./respond.js";

export async function getHome(): Promise<Result> {
  return html(200, signupPage());
}
