/** The subscribers table (and its stream), the stage's keys (by their SSM parameters' names) and its secret. */
import { config } from "./config";
import { keyParameter, TABLE, TABLE_STREAM } from "./wiring";

export const table = new sst.aws.Dynamo("Subscribers", {
  fields: TABLE.fields,
  primaryIndex: TABLE.primaryIndex,
  globalIndexes: TABLE.globalIndexes,
  ttl: TABLE.ttl,
  // Every change, old and new, for the readers' events (infra/events.ts).
  stream: TABLE_STREAM.view,
  deletionProtection: config.production,
  transform: {
    // Point-in-time recovery: 35 days of restores.
    table: (args) => {
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});

/**
 * The stage's keys live in SSM SecureString parameters that the operator writes (`npm run keys`,
 * docs/deploying.md): the link carries their names only, and each function that reads one may
 * call ssm:GetParameter on that one (infra/wiring.ts).
 */
export const keyParameters = {
  tokenKeys: keyParameter($app.stage, "token-keys"),
  idKey: keyParameter($app.stage, "id-key"),
};
export const keys = new sst.Linkable("Keys", { properties: keyParameters });
/** The physical postal address every email must carry (CAN-SPAM). */
export const postalAddress = new sst.Secret("PostalAddress");
