/**
 * What differs between stages. Before the first deploy set DOMAIN (or TIPS_DOMAIN) and the
 * production alert address (ALERT_EMAIL, or TIPS_ALERT_EMAIL): sst.config.ts refuses a stage that
 * still sends from a placeholder, and production without someone to alert.
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
  /** The DMARC record of a domain sender, its aggregate reports (rua) to `dmarcReports`. */
  dmarc: string;
  /** Who receives the domain's DMARC aggregate reports. */
  dmarcReports?: string;
  /** Custom domain of the HTTP API (the public site); unset: the execute-api URL. */
  siteDomain?: string;
  /**
   * Who writes the DNS records (SES verification, DMARC, the API's certificate and alias):
   * "route53": SST, in the Route 53 hosted zone of the domain; "manual": you, from the records
   * the deploy prints and keeps as the `dnsRecords` output (docs/deploying.md).
   */
  dns: "route53" | "manual";
  /**
   * ACM certificate for siteDomain when dns is "manual" (TIPS_CERTIFICATE_ARN): issued in the
   * stage's region for exactly that name; the deploy refuses a site domain without one.
   */
  certificateArn?: string;
  /**
   * The List-Unsubscribe mailto: address, set only where SES receives its mail and hands it to
   * the unsubscribe-by-mail function (infra/inbound.ts): `unsubscribe@inbound.<domain>`. Unset
   * (personal stages, regions without SES receiving, staging unless TIPS_INBOUND=on): the emails
   * offer the one-click https link alone, which is what Gmail and Yahoo use.
   */
  unsubscribeMailto?: string;
  /** The domain SES receives the mailto's mail on (its MX record), when unsubscribeMailto is set. */
  inboundDomain?: string;
  /** The Route 53 hosted zone that holds the stage's records (named stages, dns "route53"). */
  zone?: string;
  /**
   * Where readers' replies go (Reply-To of every email): a mailbox someone reads. The brand's
   * sender name (content/newsletter.yml) is put in front of it.
   */
  replyTo?: string;
  /**
   * The IANA zone of readers who chose none (their Monday 07:00 is taken there); unset: UTC
   * (functions/config.ts). Validated at cold start.
   */
  defaultTimeZone?: string;
  /**
   * Who gets the operator alerts (every alarm: dead letters, a stopped or failing send, API
   * errors, the reputation breaker) by email. AWS emails a confirmation link to it after the
   * first deploy. Production refuses to deploy without one.
   */
  alertEmail?: string;
  /**
   * False: the tips' links go straight to their targets and no click is counted (TIPS_CLICKS=off);
   * unset: they go through the site's click redirect (functions/core/clicks.ts).
   */
  trackClicks?: false;
  /** Keep the table (and its data) if the stage is removed, and protect it from deletion. */
  production: boolean;
}

export const PRODUCTION_STAGE = "production";

/**
 * The regions where SES receives email (AWS: "Amazon Simple Email Service endpoints and quotas",
 * email receiving endpoints). Add a region here when AWS adds receiving to it.
 */
export const RECEIVING_REGIONS: readonly string[] = ["us-east-1", "us-west-2", "eu-west-1"];

/** The domain production and staging send from and serve under. */
const DOMAIN = "example.com";
/** Who gets production's alerts; required before production deploys. */
const ALERT_EMAIL: string | undefined = undefined;

type Env = Record<string, string | undefined>;

function dmarcRecord(reports: string | undefined): string {
  return `v=DMARC1; p=quarantine; adkim=r; aspf=r;${reports ? ` rua=mailto:${reports};` : ""}`;
}

/** production and staging: a domain of their own (TIPS_DOMAIN overrides DOMAIN above). */
function namedStage(stage: string, env: Env): StageConfig | undefined {
  if (stage !== PRODUCTION_STAGE && stage !== "staging") return undefined;
  const production = stage === PRODUCTION_STAGE;
  const apex = env.TIPS_DOMAIN ?? DOMAIN;
  const domain = production ? apex : `staging.${apex}`;
  const dmarcReports = env.TIPS_DMARC_REPORTS ?? `dmarc-reports@${apex}`;
  const alertEmail = env.TIPS_ALERT_EMAIL ?? (production ? ALERT_EMAIL : undefined);
  const region = "us-east-1";
  // An account has one active receipt rule set per region: production takes it; staging only
  // when told (TIPS_INBOUND=on, e.g. in an account of its own).
  const inbound =
    RECEIVING_REGIONS.includes(region) &&
    (production ? env.TIPS_INBOUND !== "off" : env.TIPS_INBOUND === "on");
  return {
    region,
    sender: domain,
    dmarc: dmarcRecord(dmarcReports),
    dmarcReports,
    siteDomain: production ? `tips.${apex}` : `tips-staging.${apex}`,
    dns: env.TIPS_DNS === "manual" ? "manual" : "route53",
    ...(env.TIPS_CERTIFICATE_ARN ? { certificateArn: env.TIPS_CERTIFICATE_ARN } : {}),
    ...(inbound
      ? { unsubscribeMailto: `unsubscribe@inbound.${domain}`, inboundDomain: `inbound.${domain}` }
      : {}),
    zone: apex,
    replyTo: `coach@${domain}`,
    ...(alertEmail ? { alertEmail } : {}),
    production,
  };
}

/**
 * The configuration of a stage. Any other stage name (a personal stage, the offline `typecheck`
 * stage) sends from TIPS_SENDER: one verified address, or a domain whose records you add by hand
 * (dns "manual"); it uses the execute-api URL.
 */
export function stageConfig(stage: string, env: Env = {}): StageConfig {
  const clicks = env.TIPS_CLICKS === "off" ? { trackClicks: false as const } : {};
  const named = namedStage(stage, env);
  if (named) return { ...named, ...clicks };
  const sender = env.TIPS_SENDER ?? env.TIPS_SENDER_EMAIL ?? "you@example.com";
  const address = sender.includes("@") ? sender : `tips@${sender}`;
  const dmarcReports = env.TIPS_DMARC_REPORTS ?? (sender.includes("@") ? undefined : address);
  return {
    region: env.AWS_REGION ?? "us-east-1",
    sender,
    dmarc: dmarcRecord(dmarcReports),
    ...(dmarcReports ? { dmarcReports } : {}),
    dns: "manual",
    // A personal stage receives no mail: its emails offer the one-click link alone.
    replyTo: env.TIPS_REPLY_TO ?? address,
    ...(env.TIPS_ALERT_EMAIL ? { alertEmail: env.TIPS_ALERT_EMAIL } : {}),
    ...clicks,
    production: false,
  };
}

/** Why the stage cannot deploy as configured, or undefined when it can. */
export function deployRefusal(stage: string, config: StageConfig): string | undefined {
  const placeholder = /(^|[.@])example\.com$/;
  if (placeholder.test(config.sender) || placeholder.test(config.siteDomain ?? "")) {
    return (
      `Stage "${stage}" still sends from the placeholder ${config.sender}: set DOMAIN in ` +
      "infra/stages.ts (or TIPS_DOMAIN) for production and staging, or TIPS_SENDER for a " +
      "personal stage, before deploying (`npm run infra:graph` takes --sender-domain)."
    );
  }
  if (config.siteDomain && config.dns === "manual" && !config.certificateArn) {
    return (
      `Stage "${stage}" serves ${config.siteDomain} with DNS records written by hand ` +
      `(TIPS_DNS=manual), so API Gateway needs a certificate for it: request one in ACM in ` +
      `${config.region} for ${config.siteDomain}, validate it, and set TIPS_CERTIFICATE_ARN to ` +
      "its ARN (docs/deploying.md)."
    );
  }
  if (config.production && !config.alertEmail) {
    return (
      `Stage "${stage}" has no alert address, so its alarms would reach nobody: set ALERT_EMAIL ` +
      "in infra/stages.ts (or TIPS_ALERT_EMAIL) before deploying."
    );
  }
  return undefined;
}
