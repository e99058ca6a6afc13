/**
 * The one HTTP Lambda behind API Gateway (routes in router.ts). The local stack
 * (scripts/start.ts) serves this same handler.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { loadKeys } from "../runtime/keys.js";
import { appDeps } from "./deps.js";
import { createApi } from "./router.js";

const KEYS = { tokens: true, id: true } as const;

// The keys are read at cold start: a missing or weak key fails it with the reason, instead of
// the first request that needs one.
await loadKeys(KEYS);

const api = createApi(appDeps);

export const handler = async (event: APIGatewayProxyEventV2) => {
  await loadKeys(KEYS); // from Powertools' cache; from SSM again once it is 5 minutes old
  return api(event);
};
