/** The structured JSON logger (Powertools) for every Lambda, built on first use. */
import { Logger } from "@aws-lambda-powertools/logger";
import { aws } from "../config.js";

let logger: Logger | undefined;

export function log(): Logger {
  logger ??= new Logger({ serviceName: "strength-tips", logLevel: aws().LOG_LEVEL });
  return logger;
}
