/** The subscribers table and the stage's secrets. */
import { config } from "./config";
import { TABLE } from "./wiring";

export const table = new sst.aws.Dynamo("Subscribers", {
  fields: TABLE.fields,
  primaryIndex: TABLE.primaryIndex,
  globalIndexes: TABLE.globalIndexes,
  ttl: TABLE.ttl,
  deletionProtection: config.production,
  transform: {
    // Point-in-time recovery: 35 days of restores.
    table: (args) => {
      args.pointInTimeRecovery = { enabled: true };
    },
  },
});

/**
 * `kid:secret[,kid:secret…]`, the first signs:
 * `npx sst secret set TokenKeys "k1:$(openssl rand -hex 32)" --stage production`.
 */
export const tokenKeys = new sst.Secret("TokenKeys");
/** The physical postal address every email must carry (CAN-SPAM). */
export const postalAddress = new sst.Secret("PostalAddress");
