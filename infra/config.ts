/**
 * The stage being deployed: its settings (infra/stages.ts) and the checks that refuse a deploy
 * that could not work. Loaded first by sst.config.ts.
 */
import { execSync } from "node:child_process";
import { readBrand } from "../compiler/brand";
import { deployRefusal, stageConfig } from "./stages";

export const config = stageConfig($app.stage, process.env);

const refusal = deployRefusal($app.stage, config);
if (refusal) throw new Error(refusal);

/** Whether the sender is a domain (Easy DKIM, MAIL FROM, DMARC) rather than one address. */
export const sendsFromDomain = !config.sender.includes("@");

/** The newsletter's name and sender name (content/newsletter.yml). */
export const brand = readBrand(process.cwd());

export const account = aws.getCallerIdentityOutput({});
export const region = aws.getRegionOutput({});

// Compile the committed tips into functions/generated/content.ts before SST bundles the Lambdas,
// so every deploy ships exactly what is in git, and draw the site's images (infra/assets.ts).
execSync("npm run build", { stdio: "inherit" });
