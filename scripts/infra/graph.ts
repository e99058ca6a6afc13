/**
 * Evaluates the real sst.config.ts, with SST's own components from .sst/platform, under Pulumi's
 * runtime mocks, and prints every resource it registers as JSON: what `sst deploy` would create.
 *
 * Usage: npm run infra:graph -- --stage <stage> [--alert-email <address>] [--sender-domain <domain>]
 *        [--sender-email <address>] [--dmarc-reports <address>] [--dns manual|route53]
 *        [--certificate-arn <arn>] [--inbound on|off] [--clicks off] [--outputs]
 *
 * The flags stand for the TIPS_* variables a deploy reads (docs/deploying.md); the shell's own
 * TIPS_* variables are ignored, so a preview shows exactly what its flags say.
 *
 * It builds the program as SST's CLI does (esbuild, `$app`/`$cli`/`$dev` defined, the platform's
 * shim injected, the providers imported into every file) and answers the CLI calls SST's
 * components make (infra/graph/rpc.ts). Nothing reaches AWS.
 */
import { parseArgs } from "node:util";
import { evaluateGraph } from "./graph/index.js";

const { values } = parseArgs({
  options: {
    stage: { type: "string" },
    "alert-email": { type: "string" },
    "sender-domain": { type: "string" },
    "sender-email": { type: "string" },
    "dmarc-reports": { type: "string" },
    dns: { type: "string" },
    "certificate-arn": { type: "string" },
    inbound: { type: "string" },
    clicks: { type: "string" },
    outputs: { type: "boolean", default: false },
  },
});

if (!values.stage) {
  console.error(
    "Usage: npm run infra:graph -- --stage <stage> [--alert-email <address>] [--sender-domain <domain>]\n" +
      "       [--sender-email <address>] [--dmarc-reports <address>] [--dns manual|route53]\n" +
      "       [--certificate-arn <arn>] [--inbound on|off] [--clicks off] [--outputs]",
  );
  process.exit(2);
}

try {
  const graph = await evaluateGraph({
    stage: values.stage,
    alertEmail: values["alert-email"],
    senderDomain: values["sender-domain"],
    senderEmail: values["sender-email"],
    dmarcReports: values["dmarc-reports"],
    dns: values.dns,
    certificateArn: values["certificate-arn"],
    inbound: values.inbound,
    clicks: values.clicks,
  });
  process.stdout.write(`${JSON.stringify(values.outputs ? graph : graph.resources, null, 2)}\n`);
  process.exit(0);
} catch (error) {
  console.error(`infra:graph: ${(error as Error).message}`);
  process.exit(1);
}
