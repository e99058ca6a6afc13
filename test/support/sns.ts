/**
 * SNS notifications signed as SNS signs them, with a locally made key and certificate
 * (test/fixtures/sns), and a certificate fetcher that serves that certificate at an SNS URL.
 */
import { createSign } from "node:crypto";
import { readFileSync } from "node:fs";
import type { CertificateFetcher, SnsNotification } from "../../functions/events/sns-signature.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/sns/${name}`, import.meta.url), "utf8");

export const SIGNING_KEY = fixture("signing-key.pem");
export const OTHER_KEY = fixture("other-key.pem");
export const CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem";

/** Serves the test certificate at CERT_URL, counting fetches. */
export function testFetcher(): CertificateFetcher & { fetched: string[] } {
  const fetched: string[] = [];
  const fetcher = async (url: string) => {
    fetched.push(url);
    if (url !== CERT_URL) throw new Error(`no certificate at ${url}`);
    return fixture("signing-cert.pem");
  };
  return Object.assign(fetcher, { fetched });
}

function canonical(n: Omit<SnsNotification, "Signature" | "SignatureVersion" | "SigningCertURL">) {
  return [
    ["Message", n.Message],
    ["MessageId", n.MessageId],
    ["Subject", n.Subject],
    ["Timestamp", n.Timestamp],
    ["TopicArn", n.TopicArn],
    ["Type", n.Type],
  ]
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}\n${v}\n`)
    .join("");
}

export interface SignOptions {
  version?: "1" | "2";
  key?: string;
  certUrl?: string;
}

/** The notification's JSON with a signature over its fields. */
export function signed(
  fields: { TopicArn: string; Message: string; MessageId?: string; Subject?: string },
  options: SignOptions = {},
): SnsNotification & { UnsubscribeURL: string } {
  const version = options.version ?? "1";
  const base = {
    Type: "Notification",
    MessageId: fields.MessageId ?? "7b3e1f0a-0000-5e6f-8a9b-000000000000",
    TopicArn: fields.TopicArn,
    ...(fields.Subject !== undefined ? { Subject: fields.Subject } : {}),
    Message: fields.Message,
    Timestamp: "2026-03-02T09:00:06.000Z",
  };
  const sign = createSign(version === "1" ? "RSA-SHA1" : "RSA-SHA256");
  sign.update(canonical(base), "utf8");
  return {
    ...base,
    SignatureVersion: version,
    Signature: sign.sign(options.key ?? SIGNING_KEY, "base64"),
    SigningCertURL: options.certUrl ?? CERT_URL,
    UnsubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
  };
}
