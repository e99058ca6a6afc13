/**
 * Named errors. Handlers map them to status codes (see functions/http/respond.ts);
 * anything else is a 500 with a generic body, and the detail goes to the log only.
 */

export abstract class AppError extends Error {
  abstract readonly status: number;
  /** Stable, machine-readable code for JSON bodies. */
  abstract readonly code: string;
}

export class BadRequestError extends AppError {
  override name = "BadRequestError";
  readonly status = 400;
  constructor(
    message: string,
    readonly code = "bad_request",
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends AppError {
  override name = "PayloadTooLargeError";
  readonly status = 413;
  readonly code = "payload_too_large";
}

export class UnsupportedMediaTypeError extends AppError {
  override name = "UnsupportedMediaTypeError";
  readonly status = 415;
  readonly code = "unsupported_media_type";
}

export class TooManyRequestsError extends AppError {
  override name = "TooManyRequestsError";
  readonly status = 429;
  readonly code = "too_many_requests";
}

/** A state-changing request sent by a page of another site (Origin / Sec-Fetch-Site). */
export class CrossSiteRequestError extends AppError {
  override name = "CrossSiteRequestError";
  readonly status = 403;
  readonly code = "cross_site_request";
}

export class NotFoundError extends AppError {
  override name = "NotFoundError";
  readonly status = 404;
  readonly code = "not_found";
}

export class MethodNotAllowedError extends AppError {
  override name = "MethodNotAllowedError";
  readonly status = 405;
  readonly code = "method_not_allowed";
}

/** A token that is malformed, tampered with, expired, for another purpose or signed by an unknown key. */
export class InvalidTokenError extends AppError {
  override name = "InvalidTokenError";
  readonly status = 400;
  readonly code = "invalid_token";
}

/* ---- Mailer errors: the mailer adapter classifies SES failures into these. ---- */

/** Throttled: back off and retry, nothing is lost. */
export class MailThrottledError extends Error {
  override name = "MailThrottledError";
}

/**
 * A network or server failure (connection refused or reset, 5xx): SES did not take the email. Retried like throttling, within the same budget of calls and pacer slots.
 */
export class MailTransientError extends Error {
  override name = "MailTransientError";
}

/**
 * The call went out and no answer came (a timeout): SES may have taken the email. Never called
 * again, since a second call could send it twice; the sender records it as sent.
 */
export class MailUnansweredError extends Error {
  override name = "MailUnansweredError";
}

/** This one recipient or message was refused: record it and go on. */
export class MailRejectedError extends Error {
  override name = "MailRejectedError";
}

/**
 * Why sending as a whole cannot go on: the account's sending is paused, the configuration set's
 * sending is paused (the reputation breaker), the account is suspended, SES says the daily quota
 * is spent, or SES refuses the sender itself (the From identity is not verified, the configuration
 * set does not exist): an answer that would be the same for every reader.
 */
export type StopReason =
  | "paused"
  | "configuration-set-paused"
  | "suspended"
  | "daily-quota"
  | "sender-refused"
  /** The function may not send as it tried (IAM, or the SES sandbox's unverified recipient). */
  | "access-denied"
  /** SES rejects the message itself (a header, its content, its size), not its recipient. */
  | "message-rejected"
  /** A tip cannot be made into an email: a placeholder the sender cannot fill. */
  | "bad-content";

/**
 * The stops the hourly planner waits out: SES's status (Mailer.status and the daily quota), while
 * which it plans nobody, and a tip that cannot be filled, whose readers it holds until a deploy
 * mends it; then it plans whoever is still due. A queued batch halted by one of these is let go on
 * its last delivery instead of dead-lettered: its unsent readers stay due.
 */
const WAITED_OUT: ReadonlySet<string> = new Set<StopReason>([
  "paused",
  "configuration-set-paused",
  "suspended",
  "daily-quota",
  "bad-content",
]);

/** Whether the hourly planner waits `reason` out and then plans the readers it left. */
export const plannerWaitsOut = (reason: string): boolean => WAITED_OUT.has(reason);

/** Sending as a whole cannot go on: stop the run at once, and say so loudly. */
export class MailStoppedError extends Error {
  override name = "MailStoppedError";
  constructor(
    message: string,
    readonly reason: StopReason,
  ) {
    super(message);
  }
}

/** A queued send batch left someone for a later delivery: the queue should deliver it again. */
export class BatchUnfinishedError extends Error {
  override name = "BatchUnfinishedError";
}
