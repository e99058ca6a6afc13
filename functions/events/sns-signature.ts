/**
 * Verifies an SNS notification's signature, as AWS documents it: the certificate must come from
 * an SNS host over HTTPS, and its key must have signed the notification's canonical string
 * (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA). Certificates are cached per URL.
 */
import { createVerify, X509Certificate } from "node:crypto";

export interface SnsNotification {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string | null | undefined;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
}

/** Fetches a PEM certificate; only ever called with a URL that passed `isSnsCertificateUrl`. */
export type CertificateFetcher = (url: string) => Promise<string>;

/** https://sns.<region>.amazonaws.com[.cn]/….pem, nothing else. */
export function isSnsCertificateUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === "https:" &&
    url.port === "" &&
    url.username === "" &&
    url.password === "" &&
    /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(url.hostname) &&
    url.pathname.endsWith(".pem")
  );
}

/** The string SNS signs for a Notification. */
function canonical(n: SnsNotification): string {
  const fields: [string, string | null | undefined][] = [
    ["Message", n.Message],
    ["MessageId", n.MessageId],
    ["Subject", n.Subject],
    ["Timestamp", n.Timestamp],
    ["TopicArn", n.TopicArn],
    ["Type", n.Type],
  ];
  return fields
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}\n${value}\n`)
    .join("");
}

const ALGORITHMS: Record<string, string> = { "1": "RSA-SHA1", "2": "RSA-SHA256" };

export const fetchCertificate: CertificateFetcher = async (url) => {
  const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`SNS certificate: HTTP ${response.status}`);
  return response.text();
};

export class SnsSignatureVerifier {
  private readonly certificates = new Map<string, Promise<X509Certificate>>();

  constructor(private readonly fetcher: CertificateFetcher = fetchCertificate) {}

  /** Why the notification is not authentic, or undefined when it is. */
  async problem(n: SnsNotification): Promise<string | undefined> {
    const algorithm = ALGORITHMS[n.SignatureVersion];
    if (!algorithm) return `unknown SignatureVersion ${JSON.stringify(n.SignatureVersion)}`;
    if (!isSnsCertificateUrl(n.SigningCertURL)) return "certificate URL is not an SNS host";
    let certificate: X509Certificate;
    try {
      certificate = await this.certificate(n.SigningCertURL);
    } catch (error) {
      // A fetch that failed is retried with the record; it is not a forgery.
      throw new Error(`cannot fetch the SNS certificate: ${(error as Error).message}`);
    }
    const verify = createVerify(algorithm);
    verify.update(canonical(n), "utf8");
    let valid = false;
    try {
      valid = verify.verify(certificate.publicKey, n.Signature, "base64");
    } catch {
      valid = false;
    }
    return valid ? undefined : "signature does not match";
  }

  private certificate(url: string): Promise<X509Certificate> {
    let cached = this.certificates.get(url);
    if (!cached) {
      cached = this.fetcher(url).then((pem) => new X509Certificate(pem));
      cached.catch(() => this.certificates.delete(url));
      this.certificates.set(url, cached);
    }
    return cached;
  }
}
