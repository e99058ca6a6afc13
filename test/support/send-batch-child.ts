/**
 * The send-batch Lambda handler in a process of its own, for the crash test
 * (test/integration/weekly.test.ts kills it mid-batch). The environment comes from the parent;
 * the one SQS record's body is the first argument.
 */
import type { SQSEvent } from "aws-lambda";
import { handler } from "../../functions/events/send-batch.js";

const body = process.argv[2] ?? "";
const result = await handler({ Records: [{ messageId: "m1", body }] } as unknown as SQSEvent);
process.stdout.write(`${JSON.stringify(result)}\n`);
