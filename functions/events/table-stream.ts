/** The table's stream → the readers' events on the EventBridge bus (./table-stream-records.ts). */
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { systemClock } from "../adapters/system.js";
import { eventBus } from "../runtime/events.js";
import { log } from "../runtime/log.js";
import { handleTableStream } from "./table-stream-records.js";

export const handler = (event: DynamoDBStreamEvent, context?: Context) =>
  handleTableStream({ bus: eventBus(), clock: systemClock, log: log() }, event, context);
