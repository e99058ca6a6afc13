/**
 * What differs between stages. Edit the placeholders (example.com) before the first deploy:
 * sst.config.ts refuses to deploy a stage whose sender is still a placeholder.
 *
 * A plain module with no SST globals and no imports (sst.config.ts loads it with a dynamic import).
 */

export interface StageConfig {
  /** AWS region of every resource; SES production access is granted per region. */
  region: string;
  /**
   * The SES sending identity: a domain (verified with Easy DKIM, SPF through SES's MAIL FROM,
   * and a DMARC record) or, for a personal stage, one email address you verify by clicking.
   */
  sender: string;
  /** DMARC policy record for a domain sender. */
  dmarc: string;
  /** Custom domain of the HTTP API (the public site); unset: the execute-api URL. */
  siteDomain?: string;
  /**
   * Who writes the DNS records (SES verification, DMARC, the API's certificate and alias):
   * "route53": SST, in the Route 53 hosted zone of the domain; "manual": you, from the records
   * SST prints (the API custom domain then needs `certificateArn`).
   */
  dns: "route53" | "manual";
  /** ACM certificate for siteDomain when dns is "manual". */
  certificateArn?: string;
  /**
   * The address of the List-Unsubscribe mailto: (on by default: some mailbox providers offer
   * their unsubscribe button only with one). Mail to it must reach someone, or an inbound rule,
   * who unsubscribes the sender; one-click HTTPS is what Gmail and Yahoo use.
   */
  unsubscribeMailto?: string;
  /** Where readers' replies go (Reply-To of every email): a mailbox someone reads. */
  replyTo?: string;
  /**
   * The IANA zone of readers who chose none (their Monday 07:00 is taken there); unset: UTC
   * (functions/config.ts). Validated at cold start.
   */
  defaultTimeZone?: string;
  /**
   * Who gets the operator alerts (reputation breaker, dead letters) by email, through the Alerts
   * SNS topic. AWS emails a confirmation link to it after the first deploy.
   */
  alertEmail?: string;
  /** Keep the table (and its data) if the stage is removed, and protect it from deletion. */
  production: boolean;
}

export const PRODUCTION_STAGE = "production";

const DMARC = "v=DMARC1; p=quarantine; adkim=r; aspf=r;";

const STAGES: Record<string, StageConfig> = {
  production: {
    region: "us-east-1",
    sender: "example.com",
    dmarc: DMARC,
    siteDomain: "tips.example.com",
    dns: "route53",
    unsubscribeMailto: "unsubscribe@example.com",
    replyTo: "Weekly Strength Tips <coach@example.com>",
    production: true,
  },
  /** A full copy to send a test issue to yourself before production. */
  staging: {
    region: "us-east-1",
    sender: "staging.example.com",
    dmarc: DMARC,
    siteDomain: "tips-staging.example.com",
    dns: "route53",
    unsubscribeMailto: "unsubscribe@staging.example.com",
    replyTo: "Weekly Strength Tips <coach@staging.example.com>",
    production: false,
  },
};

/**
 * The configuration of a stage. Any other stage name (a personal stage, the offline `typecheck`
 * stage) sends from the single address in TIPS_SENDER_EMAIL and uses the execute-api URL.
 */
export function stageConfig(
  stage: string,
  env: Record<string, string | undefined> = {},
): StageConfig {
  const known = STAGES[stage];
  if (known) return known;
  return {
    region: env.AWS_REGION ?? "us-east-1",
    sender: env.TIPS_SENDER_EMAIL ?? "you@example.com",
    dmarc: DMARC,
    dns: "manual",
    // A personal stage sends from one verified address: unsubscribe requests and replies go to it.
    unsubscribeMailto: env.TIPS_UNSUBSCRIBE_EMAIL ?? env.TIPS_SENDER_EMAIL ?? "you@example.com",
    replyTo: env.TIPS_REPLY_TO ?? env.TIPS_SENDER_EMAIL ?? "you@example.com",
    ...(env.TIPS_ALERT_EMAIL ? { alertEmail: env.TIPS_ALERT_EMAIL } : {}),
    production: false,
  };
}

/** True while the sender is still one of the placeholders above. */
export function isPlaceholder(config: StageConfig): boolean {
  return /(^|[.@])example\.com$/.test(config.sender);
}
