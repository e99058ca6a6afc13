/**
 * The one HTTP Lambda behind API Gateway (routes in router.ts). The local stack
 * (scripts/start.ts) serves this same handler.
 */
import { appDeps } from "./deps.js";
import { createApi } from "./router.js";

export const handler = createApi(appDeps);
