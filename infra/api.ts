/**
 * The HTTP API (one function serves every route, infra/functions.ts) and the Settings link.
 *
 * Per-route throttling lives in the stage's route settings, and API Gateway refuses a stage whose
 * settings name a route that does not exist yet. SST creates the stage with the API, before any
 * route, so the stage waits for the routes: `throttledRoutes` is resolved with them.
 */
import { brand, config } from "./config";
import { confirmationSet, type DnsRecord, email } from "./email";
import { postalAddress } from "./storage";
import { API, API_THROTTLING, fromAddress, ROUTE_THROTTLING, SETTINGS } from "./wiring";

let routesCreated: (routes: $util.Input<$util.Resource>[]) => void = () => {};
const routesReady = new Promise<$util.Input<$util.Resource>[]>((resolve) => {
  routesCreated = resolve;
});

/** Call once every throttled route exists: the stage then deploys after them. */
export function throttledRoutes(routes: $util.Input<$util.Resource>[]) {
  routesCreated(routes);
}

export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: API.cors,
  ...(config.siteDomain
    ? {
        domain: {
          name: config.siteDomain,
          ...(config.dns === "route53"
            ? { dns: sst.aws.dns() }
            : { dns: false as const, cert: config.certificateArn }),
        },
      }
    : {}),
  transform: {
    api: (args) => {
      // With a custom domain, the execute-api URL would be a second, HSTS-less way in.
      if (config.siteDomain && API.disableExecuteApiEndpointWithDomain) {
        args.disableExecuteApiEndpoint = true;
      }
    },
    stage: (args, opts) => {
      args.defaultRouteSettings = {
        throttlingBurstLimit: API_THROTTLING.burstLimit,
        throttlingRateLimit: API_THROTTLING.rateLimit,
      };
      // Each route its own bucket: a signup flood never starves one-click unsubscribes.
      args.routeSettings = Object.entries(ROUTE_THROTTLING).map(([routeKey, limit]) => ({
        routeKey,
        throttlingBurstLimit: limit.burstLimit,
        throttlingRateLimit: limit.rateLimit,
      }));
      opts.dependsOn = routesReady;
    },
  },
});

export const baseUrl = config.siteDomain ? `https://${config.siteDomain}` : api.url;

/** The site domain's record when DNS is written by hand: its name at API Gateway's. */
export const siteRecord: $util.Output<DnsRecord> | undefined =
  config.siteDomain && config.dns === "manual"
    ? api.nodes.domainName.domainNameConfiguration.targetDomainName.apply((target) => ({
        type: "CNAME" as const,
        name: config.siteDomain as string,
        value: target,
      }))
    : undefined;

export const settings = new sst.Linkable("Settings", {
  properties: {
    baseUrl,
    fromAddress: fromAddress(brand.sender, config.sender),
    postalAddress: postalAddress.value,
    configurationSet: email.configSet,
    confirmationSet: confirmationSet.configurationSetName,
    ...(config.unsubscribeMailto ? { unsubscribeMailto: config.unsubscribeMailto } : {}),
    ...(config.defaultTimeZone ? { defaultTimeZone: config.defaultTimeZone } : {}),
    ...(config.replyTo ? { replyTo: `${brand.sender} <${config.replyTo}>` } : {}),
    ...(config.trackClicks === false ? { trackClicks: false } : {}),
    ...SETTINGS,
  },
});
