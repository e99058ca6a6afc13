/**
 * Server-rendered HTML pages: no JavaScript, one inline stylesheet (allowed by the CSP), labels on
 * every field. Every dynamic value goes through escapeHtml.
 */
import { escapeHtml } from "../core/fill.js";
import { CONSENT, MAX_FIRST_NAME_LENGTH } from "../core/subscriptions.js";

export const SITE_NAME = "Weekly Strength Tips for Runners";

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}
body{margin:0;padding:2rem 1rem}
main,footer{max-width:34rem;margin:0 auto}
h1{font-size:1.6rem;line-height:1.25}
label{display:block;font-weight:600;margin-top:1rem}
input[type=email],input[type=text]{display:block;width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;margin-top:.25rem;border:1px solid #767676;border-radius:4px}
button{margin-top:1.25rem;padding:.7rem 1.4rem;font-size:1rem;font-weight:600;border:0;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.optional{font-weight:400}
.consent{font-size:.9rem}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
footer{margin-top:3rem;font-size:.85rem;opacity:.8;border-top:1px solid #8886;padding-top:1rem}
`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${SITE_NAME}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
<footer><p><a href="/">${SITE_NAME}</a></p></footer>
</body>
</html>
`;
}

export function signupPage(): string {
  return layout(
    "Sign up",
    `<h1>${SITE_NAME}</h1>
<p>One short strength-training exercise a week, chosen for runners: stronger hips, knees and ankles, fewer injuries.</p>
<form method="post" action="/subscribe">
<label for="email">Email address</label>
<input id="email" name="email" type="email" required autocomplete="email" maxlength="254" inputmode="email">
<label for="firstName">First name <span class="optional">(optional)</span></label>
<input id="firstName" name="firstName" type="text" autocomplete="given-name" maxlength="${MAX_FIRST_NAME_LENGTH}">
<div class="hp" aria-hidden="true">
<label for="website">Leave this field empty</label>
<input id="website" name="website" type="text" tabindex="-1" autocomplete="off">
</div>
<p class="consent" id="consent">${escapeHtml(CONSENT.text)}</p>
<input type="hidden" name="consentVersion" value="${escapeHtml(CONSENT.version)}">
<button type="submit" aria-describedby="consent">Subscribe</button>
</form>
<p>We'll email you a link to confirm first. Nothing is sent until you click it.</p>`,
  );
}

export function checkInboxPage(): string {
  return layout(
    "Check your inbox",
    `<h1>Check your inbox</h1>
<p>If that address can receive email, a confirmation link is on its way. Click it to start getting a tip each week.</p>
<p>Nothing there? Look in your spam folder. The link works for 7 days.</p>`,
  );
}

export function confirmPromptPage(token: string): string {
  return layout(
    "Confirm your subscription",
    `<h1>Confirm your subscription</h1>
<p>One more step: press the button to start getting a strength tip each week.</p>
<form method="post" action="/confirm">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">Confirm my subscription</button>
</form>`,
  );
}

export function confirmedPage(): string {
  return layout(
    "You're in",
    `<h1>You're in</h1>
<p>Your subscription is confirmed. Your first tip arrives with the next weekly send, and a welcome email is on its way now.</p>`,
  );
}

export function unsubscribePromptPage(token: string): string {
  return layout(
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>Press the button and you won't get any more tips from us.</p>
<form method="post" action="/unsubscribe?token=${encodeURIComponent(token)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

/** GET /unsubscribe without a token: how to leave (the web view links here without a token). */
export function unsubscribeHelpPage(): string {
  return layout(
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>To stop getting tips, use the “Unsubscribe” link at the bottom of any email from us. It works with one click, and it never expires.</p>`,
  );
}

export function unsubscribedPage(): string {
  return layout(
    "You're unsubscribed",
    `<h1>You're unsubscribed</h1>
<p>You won't get any more tips. Changed your mind? You can <a href="/">sign up again</a> at any time.</p>`,
  );
}

export function errorPage(status: number, message: string): string {
  const title =
    status === 404 ? "Page not found" : status >= 500 ? "Something went wrong" : "That didn't work";
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p><a href="/">Back to the signup page</a></p>`,
  );
}
