/** The send queue (the SendQueue link) for the planner: SQS, or its in-process twin locally. */
import { queueUrl } from "../config.js";
import type { SendBatch } from "../core/planner.js";
import type { Queue } from "../core/ports.js";
import { queueAt } from "./queue.js";

export const sendQueue = (): Queue<SendBatch> => queueAt<SendBatch>(queueUrl());
