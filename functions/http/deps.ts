/** The core's dependencies for the Lambdas, built once per container from config and the runtime adapters. */

import { randomSignupId, systemClock } from "../adapters/system.js";
import { scheduleOf, settings } from "../config.js";
import type { Schedule } from "../core/schedule.js";
import type { SubscriptionDeps } from "../core/subscriptions.js";
import type { ContentBundle } from "../core/types.js";
import { bundle } from "../generated/content.js";
import { addressHashes, tokenSigner } from "../runtime/keys.js";
import { log } from "../runtime/log.js";
import { sesMailer } from "../runtime/mailer.js";
import { outboxQueue } from "../runtime/outbox.js";
import { limits, subscriberStore } from "../runtime/store.js";

export interface AppDeps extends SubscriptionDeps {
  content: ContentBundle;
  /** The stage's delivery schedule (the /manage page shows and moves it). */
  schedule: Schedule;
}

let deps: AppDeps | undefined;

export function appDeps(): AppDeps {
  if (!deps) {
    const { baseUrl, postalAddress, unsubscribeMailto } = settings();
    deps = {
      subscribers: subscriberStore(),
      limits: limits(),
      mailer: sesMailer(),
      clock: systemClock,
      signer: tokenSigner(),
      hashes: addressHashes(),
      emails: bundle.emails,
      content: bundle,
      site: { baseUrl, postalAddress, unsubscribeMailto },
      log: log(),
      outbox: outboxQueue(),
      newSignupId: randomSignupId,
      schedule: scheduleOf(settings()),
    };
  }
  return deps;
}
