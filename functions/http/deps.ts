/** The core's dependencies for the Lambdas, built once per container from config and the runtime adapters. */

import { randomSignupId, systemClock } from "../adapters/system.js";
import { scheduleOf, settings } from "../config.js";
import type { Clicks } from "../core/ports.js";
import type { Schedule } from "../core/schedule.js";
import type { SubscriptionDeps } from "../core/subscriptions.js";
import type { CompiledTip, ContentBundle } from "../core/types.js";
import { bundle } from "../generated/content.js";
import { addressHashes, tokenSigner } from "../runtime/keys.js";
import { log } from "../runtime/log.js";
import { sesMailer } from "../runtime/mailer.js";
import { outboxQueue } from "../runtime/outbox.js";
import { clicks, limits, subscriberStore } from "../runtime/store.js";

export interface AppDeps extends SubscriptionDeps {
  content: ContentBundle;
  /** The stage's delivery schedule (the /manage page shows and moves it). */
  schedule: Schedule;
  /** The tips by slug (absent: from `content`): the redirect leads only to a link its tip has. */
  tipsBySlug?: ReadonlyMap<string, CompiledTip>;
  /** Where human clicks are counted; absent: nowhere. */
  clicks?: Clicks;
  /** The stage's switch (Settings trackClicks; absent: on): off, the redirect counts nothing. */
  trackClicks?: boolean;
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
      tipsBySlug: new Map(bundle.tips.map((tip) => [tip.slug, tip])),
      clicks: clicks(),
      trackClicks: settings().trackClicks,
    };
  }
  return deps;
}
