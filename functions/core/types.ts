/**
 * Domain types shared by the core, the adapters and the build.
 * Nothing here touches AWS, the environment or the file system.
 */

export const SUBSCRIBER_STATUSES = [
  "pending",
  "active",
  "unsubscribed",
  "bounced",
  "complained",
] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/**
 * What the subscriber agreed to, and when: kept for as long as the subscriber's record
 * (core/retention.ts says how long that is once they leave).
 */
export interface Consent {
  /** ISO-8601 UTC time of the signup request. */
  at: string;
  ip: string;
  userAgent: string;
  /** Where the signup came from, e.g. "signup-page". */
  source: string;
  /** Version of the consent wording shown on the signup page. */
  textVersion: string;
}

/** The send engine's per-recipient claim for one ISO week (see functions/core/weekly.ts). */
export interface Claim {
  /** ISO week, e.g. "2026-W48". */
  week: string;
  state: "pending" | "sent" | "failed";
  /** Slug of the tip being sent. */
  tip: string;
  /** ISO time the claim was taken (pending) or last changed. */
  at: string;
  /** Identifies the run that holds the claim. */
  runId: string;
  messageId?: string;
  error?: string;
}

/** One tip email sent: which tip, for which week, when SES took it. */
export interface SentRecord {
  tip: string;
  week: string;
  /** ISO time. */
  at: string;
}

export interface Subscriber {
  /** Stable id derived from the email address: a keyed hash (core/email.ts KeyedHashes). */
  id: string;
  /** Normalized address: trimmed, domain lowercased. */
  email: string;
  firstName?: string;
  status: SubscriberStatus;
  createdAt: string;
  updatedAt: string;
  /** The consent of the latest signup (also the last entry of consentHistory). */
  consent: Consent;
  /** Every signup's consent, oldest first: appended, never overwritten. */
  consentHistory?: Consent[];
  /**
   * The id of the signup whose confirm link is good (issue 9): a later signup replaces it and an
   * unsubscribe removes it, so older confirm links stop working.
   */
  generation?: string;
  /** The generation whose confirmation email went out (a redelivered signup sends nothing). */
  confirmSentFor?: string;
  confirmedAt?: string;
  confirmIp?: string;
  /** Last time a confirmation email was sent. */
  confirmEmailSentAt?: string;
  unsubscribedAt?: string;
  /** Slugs of every tip this subscriber has received. */
  sentTips: string[];
  /** Every tip email sent, with its week and time, oldest first (what "download my data" lists). */
  sentLog?: SentRecord[];
  /**
   * Unix seconds: manage links issued before it no longer work, and unsubscribe links only
   * unsubscribe. Set when the record is made and by "sign out every link". (No link issued
   * before the record was made works: an erased namesake's links never do.)
   */
  linksNotBefore?: number;
  /**
   * Unix seconds at which DynamoDB's TTL deletes the record (core/retention.ts): set while the
   * record is pending, unsubscribed, bounced or complained; never on an active reader.
   */
  expiresAt?: number;
  /** ISO week of the last tip sent, in the reader's own time zone. */
  lastWeekSent?: string;
  /** IANA time zone the reader's week and delivery hour are taken in (absent: the stage default). */
  timeZone?: string;
  /**
   * The reader's own delivery day and hour in their zone, "1-07" (ISO weekday 1 = Monday …
   * 7 = Sunday, then the hour 00–23; core/schedule.ts); absent: the stage's (Monday 07:00).
   */
  deliverySlot?: string;
  /**
   * ISO instant from which the reader is next due (their next delivery slot); absent: due now. The
   * active index sorts by it, so an hourly planner reads only the readers who are due.
   */
  dueAt?: string;
  /** ISO instant a pause (from /manage) ends: no delivery before it. */
  pausedUntil?: string;
  claim?: Claim;
  /**
   * The send revision: every write to claim, sentTips or lastWeekSent adds one (absent = 0). A
   * claim conditioned on the revision the planner saw needs no second read.
   */
  rev?: number;
  /** ISO week of the last tip SES reported delivered (a repeated report counts once). */
  deliveredWeek?: string;
  /** ISO week ("2026-W50") of the reader's last counted click on a tip's link; nothing more. */
  lastClickWeek?: string;
}

/** What the send engine reads of a subscriber (the planner's index pages carry only this). */
export const READER_FIELDS = [
  "id",
  "email",
  "firstName",
  "status",
  "confirmedAt",
  "sentTips",
  "lastWeekSent",
  "timeZone",
  "deliverySlot",
  "dueAt",
  "pausedUntil",
  "claim",
  "rev",
] as const satisfies readonly (keyof Subscriber)[];

export type Reader = Pick<Subscriber, (typeof READER_FIELDS)[number]>;

/** A compiled email with `{{placeholders}}` still to be filled per recipient (see core/fill.ts). */
export interface CompiledTemplate {
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

export interface CompiledTip extends CompiledTemplate {
  slug: string;
  order: number;
  title: string;
  tags: readonly string[];
  /** sha256 of the source file, hex. */
  hash: string;
}

export interface SystemEmails {
  /** Double opt-in: carries {{confirm_url}}. */
  confirm: CompiledTemplate;
  /** Sent once after confirming. */
  welcome: CompiledTemplate;
  /** To a reader already on the list whose address was signed up again: nothing to confirm. */
  already: CompiledTemplate;
  /** Confirms an unsubscribe (sent once, never again afterwards). */
  goodbye: CompiledTemplate;
  /** Sent once, at the slot after a reader's last tip (core/sequence.ts SERIES_END). */
  finished: CompiledTemplate;
}

/**
 * A tip as the public archive shows it (GET /tips, /tips/{slug}, /feed.xml): its metadata and the
 * HTML of its body without the email's inline styles (the page's stylesheet styles it).
 */
export interface ArchiveTip {
  slug: string;
  order: number;
  title: string;
  summary: string;
  tags: readonly string[];
  /** YYYY-MM-DD; a tip dated after today is held back from the archive and the feed. */
  publishedAt?: string;
  /** Minutes to read, at 230 words a minute. */
  readingMinutes: number;
  /** The body's HTML (no title): rendered Markdown, escaped, no inline styles. */
  html: string;
}

/** What `npm run build` generates into functions/generated/content.ts. */
export interface ContentBundle {
  /** Sorted by `order`, ascending. */
  tips: readonly CompiledTip[];
  emails: SystemEmails;
  /** Every tip for the public archive, sorted by `order`; filtered by date when served. */
  archive: readonly ArchiveTip[];
}
