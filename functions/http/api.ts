/**
 * The one HTTP Lambda behind API Gateway (routes in router.ts). The local stack
 * (scripts/start.ts) serves this same handler.
 */
import { tokenKeys } from "../config.js";
import { appDeps } from "./deps.js";
import { createApi } from "./router.js";

// A bad TokenKeys keyring (duplicate key ids, short secrets) fails the cold start with its
// reason, instead of the first request that needs a token.
tokenKeys();

export const handler = createApi(appDeps);
