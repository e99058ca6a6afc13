/**
 * `npm run send -- --test <address> [--tip <slug>]`: one tip, now, to one address, as a reader
 * gets it, its subject marked as a test; nothing is recorded in the send ledger. Against the
 * local stack, or a deployed stage through `npx sst shell --stage <stage> -- npm run send …`.
 */
import type { ContentBundle } from "../functions/core/types.js";

export interface TestSendOptions {
  to: string;
  /** A tip's slug, or the series' end; default: the first tip. */
  tip?: string;
  /** Send even to an address that is unsubscribed, erased, bounced or complained. */
  force?: boolean;
}

export interface TestSendResult {
  /** As `npm run send` exits (scripts/send.ts EXIT). */
  code: 0 | 1 | 2 | 3 | 5 | 6;
  message: string;
}

export async function sendTestEmail(
  content: ContentBundle,
  options: TestSendOptions,
): Promise<TestSendResult> {
  const { normalizeEmail } = await import("../functions/core/email.js");
  const { series } = await import("../functions/core/sequence.js");
  const { composeEmail } = await import("../functions/core/sender.js");
  const { MailRejectedError, MailStoppedError } = await import("../functions/core/errors.js");
  const { TemplateFillError } = await import("../functions/core/fill.js");
  const { settings } = await import("../functions/config.js");
  const { sesMailer } = await import("../functions/runtime/mailer.js");
  const { addressHashes, loadKeys, tokenSigner } = await import("../functions/runtime/keys.js");

  const to = normalizeEmail(options.to);
  if (!to)
    return { code: 2, message: `--test needs an email address, not ${JSON.stringify(options.to)}` };
  const sequence = series(content.tips, content.emails.finished);
  const index = options.tip ? sequence.findIndex((t) => t.slug === options.tip) : 0;
  const tip = sequence[index];
  if (!tip) {
    return {
      code: 2,
      message: `--tip must be one of the built tips: ${sequence.map((t) => t.slug).join(", ")}. A tip added since is built by \`npm run build\` (and served once \`npm start\` is restarted).`,
    };
  }
  const config = settings();
  await loadKeys({ tokens: true, id: true });
  const { roster } = await import("../functions/runtime/store.js");
  const { testSendRefusal } = await import("../functions/core/test-send.js");
  const id = addressHashes().subscriberId(to);
  const refusal = testSendRefusal((await roster().lookup([id])).get(id)?.status);
  if (refusal && !options.force) {
    return {
      code: 6,
      message: `npm run send: refused: ${to} ${refusal}. Nothing was sent; add --force to send the test anyway (only with its owner's say-so).`,
    };
  }
  // Links are the address's own: a reader who is subscribed can try them on their own record.
  let email: ReturnType<typeof composeEmail>;
  try {
    email = composeEmail(
      {
        id,
        email: to,
        tip: tip.slug,
        number: Math.min(index + 1, content.tips.length),
      },
      tip,
      "test",
      tokenSigner(),
      // A test send records nothing: its links go straight to their targets, uncounted.
      { ...config, trackClicks: false },
    );
  } catch (error) {
    if (!(error instanceof TemplateFillError)) throw error;
    return { code: 5, message: `"${tip.slug}" cannot be filled: ${error.message}` };
  }
  try {
    const { messageId } = await sesMailer().send({
      ...email,
      subject: `[Test] ${email.subject}`,
      tags: { kind: "test", tip: tip.slug },
    });
    return { code: 0, message: `sent "${tip.slug}" to ${to} (SES message ${messageId})` };
  } catch (error) {
    const sandboxed =
      (error instanceof MailStoppedError && error.reason === "access-denied") ||
      (error instanceof MailRejectedError && /not verified/i.test(error.message));
    if (sandboxed) {
      return {
        code: 3,
        message: `SES refused: ${(error as Error).message}\nWhile the account is in the SES sandbox, ${to} must be a verified identity first (SES console → Identities → Create identity → Email address).`,
      };
    }
    if (error instanceof MailStoppedError && error.reason === "message-rejected") {
      return { code: 5, message: `SES rejects the message itself: ${error.message}` };
    }
    if (error instanceof MailStoppedError) {
      return { code: 3, message: `SES refused (${error.reason}): ${error.message}` };
    }
    return { code: 1, message: `the test send failed: ${(error as Error).message}` };
  }
}
