/**
 * Leaving by email, on stages whose region SES receives mail in (infra/stages.ts): the MX record
 * of the inbound domain, a receipt rule for the List-Unsubscribe mailto address that invokes the
 * unsubscribe-by-mail function, and its rule set made the active one (an account has one active
 * rule set per region, so only the stage that offers the mailto creates one). Elsewhere nothing
 * here is created and the emails offer no mailto.
 */

import { account, config, region } from "./config";
import type { DnsRecord } from "./email";
import { errorsAlarm, functionArgs } from "./functions";

/** The MX record the inbound domain needs (written by SST's zone, or printed for manual DNS). */
export const inboundRecord: DnsRecord | undefined =
  config.unsubscribeMailto && config.inboundDomain
    ? {
        type: "MX",
        name: config.inboundDomain,
        value: `10 inbound-smtp.${config.region}.amazonaws.com`,
      }
    : undefined;

export const unsubscribeMail = config.unsubscribeMailto
  ? new sst.aws.Function("UnsubscribeMail", functionArgs("unsubscribeMail"))
  : undefined;

if (unsubscribeMail && config.unsubscribeMailto && inboundRecord) {
  const ruleSetName = `strength-tips-${$app.stage}-inbound`;
  const ruleName = "unsubscribe";
  const ruleSet = new aws.ses.ReceiptRuleSet("InboundRuleSet", { ruleSetName });
  // SES may invoke the function for this rule of this account only.
  const permission = new aws.lambda.Permission("UnsubscribeMailFromSes", {
    action: "lambda:InvokeFunction",
    function: unsubscribeMail.name,
    principal: "ses.amazonaws.com",
    sourceAccount: account.accountId,
    sourceArn: $interpolate`arn:aws:ses:${region.region}:${account.accountId}:receipt-rule-set/${ruleSetName}:receipt-rule/${ruleName}`,
  });
  new aws.ses.ReceiptRule(
    "UnsubscribeRule",
    {
      ruleSetName: ruleSet.ruleSetName,
      name: ruleName,
      recipients: [config.unsubscribeMailto],
      enabled: true,
      // SES's spam and virus verdicts and its SPF, DKIM and DMARC checks reach the function.
      scanEnabled: true,
      tlsPolicy: "Optional",
      lambdaActions: [{ functionArn: unsubscribeMail.arn, invocationType: "Event", position: 1 }],
    },
    { dependsOn: [permission] },
  );
  new aws.ses.ActiveReceiptRuleSet("InboundRuleSetActive", { ruleSetName: ruleSet.ruleSetName });
  errorsAlarm(
    "UnsubscribeMailErrorsAlarm",
    unsubscribeMail.nodes.function.name,
    "An unsubscribe by mail failed (Lambda retries it twice): see the function's logs.",
    300,
  );
  if (config.dns === "route53" && config.zone) {
    new aws.route53.Record("InboundMx", {
      zoneId: aws.route53.getZoneOutput({ name: config.zone }).zoneId,
      name: inboundRecord.name,
      type: "MX",
      ttl: 300,
      records: [inboundRecord.value],
    });
  }
}
