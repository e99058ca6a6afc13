/**
 * The structured JSON logger (Powertools) for every Lambda, built on first use. Every line goes
 * through core/redact.ts on its way out: an address or a link token inside any value (an SES
 * error's text, an error's message or stack) is replaced before it is written.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { aws } from "../config.js";
import { redact } from "../core/redact.js";

let logger: Logger | undefined;

export function log(): Logger {
  logger ??= new Logger({
    serviceName: "strength-tips",
    logLevel: aws().LOG_LEVEL,
    jsonReplacerFn: (_key, value) => (typeof value === "string" ? redact(value) : value),
  });
  return logger;
}
