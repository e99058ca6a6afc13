/**
 * One simulated run: the real core (planner, send worker, sender, pacing, eligibility, schedule,
 * subscriptions, preferences, rights, feedback) on the in-memory store, a simulated SQS queue,
 * sender containers and one SES account, every one on the scheduler's clock and the seed's
 * random source, with the world's readers acting at random moments. Returns what every
 * invariant counted, and the trace.
 */

import { MemoryStore } from "../../functions/adapters/memory-store.js";
import { SEND_RESERVE_MS } from "../../functions/adapters/ses-mailer.js";
import { deliverConfirmation } from "../../functions/core/confirmations.js";
import { BatchUnfinishedError } from "../../functions/core/errors.js";
import { applyFeedback } from "../../functions/core/feedback.js";
import {
  ACCOUNT_SCHEDULE,
  accountMailer,
  type Pacer,
  sharedPacer,
} from "../../functions/core/pacing.js";
import { plan, type SendBatch } from "../../functions/core/planner.js";
import type {
  ClaimRequest,
  Log,
  Queue,
  Subscribers,
  UnitsRequest,
} from "../../functions/core/ports.js";
import { applyPreferences } from "../../functions/core/preferences.js";
import { eraseReader } from "../../functions/core/rights.js";
import {
  DEFAULT_SCHEDULE,
  DEFAULT_SLOT,
  deliveryInstant,
  localWeek,
  parseSlot,
} from "../../functions/core/schedule.js";
import { createSendWorker, sendBatchSchema } from "../../functions/core/send-queue.js";
import { tipIndex } from "../../functions/core/sender.js";
import { series } from "../../functions/core/sequence.js";
import { confirm, unsubscribeReader } from "../../functions/core/subscriptions.js";
import { confirmSubject, createSigner } from "../../functions/core/tokens.js";
import type {
  CompiledTemplate,
  CompiledTip,
  Subscriber,
  SystemEmails,
} from "../../functions/core/types.js";
import * as z from "../../functions/core/zod.js";
import { FUNCTIONS, SEND_QUEUE, SETTINGS } from "../../infra/wiring.js";
import { Checks, type Invariant, LEAVE_WINDOW_MS, Trace, type Violation } from "./checks.js";
import { containerSleep, type FaultLevel, faulty, PROFILES } from "./faults.js";
import { Rng } from "./random.js";
import { Scheduler } from "./scheduler.js";
import { type Accepted, type Caller, SimSes } from "./ses.js";
import { type Message, SimSqs } from "./sqs.js";
import { hashes, parseZones, type ReaderModel, World, zonePicker } from "./world.js";

export const BUGS = [
  "skip-claim",
  "resend-after-timeout",
  "ignore-pause",
  "pacer-per-container",
  // Each sender takes its share of the weekly send's part of the quota as if the others' did not
  // exist, split over the senders that may run: a lone sender leaves three quarters of it unused
  // until a later delivery, and readers wait hours with quota left.
  "quota-per-sender",
] as const;
export type Bug = (typeof BUGS)[number];

export interface SimOptions {
  readers: number;
  weeks: number;
  seed: number;
  faults: FaultLevel;
  zones: string;
  /** MaxSendRate, emails per second. */
  rate: number;
  /** The account's daily quota (default: three emails a reader, at least 50,000). */
  quota?: number;
  /** Sender containers at once (senderConcurrency). */
  containers: number;
  bug?: Bug;
  /** One tip holds a placeholder the sender cannot fill. */
  poisonTip?: boolean;
  /** Recipients per queued batch (the stage's batchSize). */
  batchSize?: number;
  /** Every trace line as it happens. */
  echo?: (line: string) => void;
  /** Count events without keeping them: no digest, no events before a violation (replay for those). */
  lean?: boolean;
}

/** The command that runs exactly this seed again. */
export function replayCommand(o: SimOptions): string {
  const parts = [
    `--seed ${o.seed}`,
    `--readers ${o.readers}`,
    `--weeks ${o.weeks}`,
    `--faults ${o.faults}`,
    `--zones ${o.zones}`,
    `--rate ${o.rate}`,
    ...(o.quota ? [`--quota ${o.quota}`] : []),
    `--containers ${o.containers}`,
    ...(o.bug ? [`--inject-bug ${o.bug}`] : []),
    ...(o.poisonTip ? ["--poison-tip"] : []),
    ...(o.batchSize ? [`--batch-size ${o.batchSize}`] : []),
  ];
  return `npm run sim -- ${parts.join(" ")}`;
}

export const DEFAULTS: SimOptions = {
  readers: 2_000,
  weeks: 6,
  seed: 1,
  faults: "light",
  zones: "real",
  rate: 14,
  containers: 4,
};

/** How long after their slot a reader's tip may take, by fault level (SES stops aside). */
export const ON_TIME_HOURS: Record<FaultLevel, number> = { none: 2, light: 4, heavy: 12 };

export interface SimResult {
  options: SimOptions;
  violations: Violation[];
  checked: Record<Invariant, number>;
  broken: Record<Invariant, number>;
  skipped: Map<Invariant, string>;
  digest: string;
  events: number;
  counts: Record<string, number>;
  /** Lowest busy-hour utilization, and how many hours were busy. */
  utilization?: { value: number; hours: number };
  plannerLongestMs: number;
  leadingTo: (violation: Violation) => string[];
}

const HOUR = 3_600_000;
/**
 * How long SES must have sent again after a stop, within the reader's week, for that week's tip
 * to be owed (the on-time invariant): the next hourly pass, and an hour to send what it plans.
 */
const RESUMED_IN_TIME = 2 * HOUR;
const DAY = 24 * HOUR;
/** Production's numbers (infra/wiring.ts): the stale window is the send queue's visibility. */
const STALE_CLAIM_SECONDS = SETTINGS.staleClaimSeconds;
const SENDER_TIMEOUT_MS = FUNCTIONS.sendBatch.timeoutSeconds * 1000;
const PLANNER_TIMEOUT_MS = FUNCTIONS.weekly.timeoutSeconds * 1000;
const MAX_RECEIVES = SEND_QUEUE.maxReceiveCount;
/** A Sunday 12:00 UTC: the week ahead starts on both sides of the date line inside the run. */
const START = Date.parse("2026-11-29T12:00:00.000Z");

const STORE_METHODS = [
  "get",
  "listActive",
  "listDue",
  "reschedule",
  "claim",
  "markSent",
  "markFailed",
  "releaseClaim",
  "hit",
  "take",
  "giveBack",
  "reserveMailboxSlot",
  "releaseMailboxSlot",
  "declineMailbox",
  "holdUnits",
] as const;

const template = (name: string, extra = ""): CompiledTemplate => ({
  subject: `${name}`,
  preheader: name,
  html: `<p>Hi {{first_name}}</p><p>${name}</p>${extra}<a href="{{manage_url}}">manage</a><a href="{{unsubscribe_url}}">unsubscribe</a><p>{{postal_address}}</p>`,
  text: `Hi {{first_name}}\n${name}\n${extra}{{unsubscribe_url}}\n{{postal_address}}`,
});

/** Under --poison-tip, the tip at this place in the series (the fifth) cannot be filled. */
const POISONED_AT = 4;
const POISONED_SLUG = `tip-${POISONED_AT + 1}`;

function simTips(poison: boolean): CompiledTip[] {
  return Array.from({ length: 8 }, (_, i) => {
    const slug = `tip-${i + 1}`;
    // The poisoned tip asks for a value only confirmation emails have.
    const extra =
      poison && i === POISONED_AT
        ? '<a href="{{confirm_url}}">x</a>'
        : '<a href="{{view_url}}">view</a>';
    return {
      ...template(`Tip {{tip_number}}: ${slug}`, extra),
      slug,
      order: (i + 1) * 10,
      title: slug,
      tags: [],
      hash: "0".repeat(64),
    };
  });
}

const EMAILS: SystemEmails = {
  confirm: template("Confirm", '<a href="{{confirm_url}}">confirm</a>'),
  welcome: template("Welcome"),
  already: template("Already subscribed"),
  goodbye: template("Goodbye"),
  finished: template("That was every tip"),
};

/** A structured log kept in memory: the ERROR lines are what the invariants read. */
function memoryLog(trace: Trace, now: () => number) {
  const errors: Array<{ message: string; data: string }> = [];
  const log: Log = {
    info: () => {},
    warn: () => {},
    error: (message, data) => {
      const text = JSON.stringify(data, (_k, v) =>
        v instanceof Error ? `${v.name}: ${v.message}` : v,
      );
      if (errors.length < 10_000) errors.push({ message, data: text });
      trace.record(now(), undefined, `ERROR ${message} ${text.slice(0, 200)}`);
    },
  };
  return { log, errors };
}

export async function simulate(options: SimOptions): Promise<SimResult> {
  const profile = PROFILES[options.faults];
  const quota = options.quota ?? Math.max(50_000, 3 * options.readers);
  const root = new Rng(options.seed);
  const worldRng = root.fork(1);
  const faultRng = root.fork(2);
  const sesRng = root.fork(3);
  const sqsRng = root.fork(4);
  const senderRng = root.fork(5);
  const sim = new Scheduler(START);
  const end = START + options.weeks * 7 * DAY + DAY;
  const trace = new Trace(!options.lean, options.readers <= 200_000, options.echo);
  const checks = new Checks(trace);
  const world = new World();
  const store = new MemoryStore(16);
  const { log, errors } = memoryLog(trace, () => sim.now);
  const schedule = DEFAULT_SCHEDULE;
  const signer = createSigner(
    [{ kid: "sim", secret: "simulation-signing-secret-0123456789abcdef" }],
    sim.clock,
  );
  /** The senders' links: a token that names its purpose and reader (the links are not under test here, and HMACs per email would dominate the run). */
  const linkSigner = { issue: (purpose: string, subject: string) => `${purpose}.${subject}` };
  const links = { baseUrl: "https://tips.example.com", postalAddress: "1 Track Lane, Springfield" };
  const tips = series(simTips(options.poisonTip ?? false), EMAILS.finished);
  const byTip = tipIndex(tips);
  const batchSize = options.batchSize ?? 100;
  const counts = {
    emails: 0,
    tipEmails: 0,
    otherEmails: 0,
    windowDuplicates: 0,
    plannerPasses: 0,
    plannerFailures: 0,
    invocations: 0,
    crashes: 0,
    timeouts: 0,
    deadLetters: 0,
    deadLettersReported: 0,
    signups: 0,
    unsubscribes: 0,
    pauses: 0,
    zoneChanges: 0,
    erasures: 0,
    bounces: 0,
    complaints: 0,
    sesPauses: 0,
    sesCalls: 0,
    busiestSecond: 0,
    readersAtEnd: 0,
    /** Reader-weeks due the poisoned tip: held by design, left out of the on-time check. */
    heldWeeks: 0,
    timers: 0,
  };
  const pickZone = zonePicker(parseZones(options.zones), worldRng);
  const badAddresses = new Set<string>();
  /** Which caller's container is dead. */
  const deadCallers = new Set<string>();

  /* ----------------------------------------------------------------- readers */
  const started = new Date(START);
  const consent = {
    at: new Date(START - 30 * DAY).toISOString(),
    ip: "192.0.2.1",
    userAgent: "sim",
    source: "sim",
    textVersion: "v1",
  };
  const addReader = async (i: number, zone: string, poisoned = false) => {
    const email = `r${i}@list.example`;
    const id = hashes.subscriberId(email);
    const slot =
      !poisoned && worldRng.chance(0.2)
        ? `${1 + worldRng.int(7)}-${String(worldRng.int(24)).padStart(2, "0")}`
        : undefined;
    const initial = worldRng.int(tips.length - 1);
    const confirmedAt = START - 14 * DAY;
    const subscriber: Subscriber = {
      id,
      email,
      status: "active",
      createdAt: consent.at,
      updatedAt: consent.at,
      consent,
      confirmedAt: new Date(confirmedAt).toISOString(),
      sentTips: tips.slice(0, initial).map((t) => t.slug),
      timeZone: zone,
      ...(slot ? { deliverySlot: slot } : {}),
    };
    if (!poisoned) {
      if (initial > 0) subscriber.lastWeekSent = localWeek(new Date(START - 7 * DAY), zone);
      subscriber.dueAt = deliveryInstant(
        localWeek(started, zone),
        zone,
        parseSlot(slot) ?? DEFAULT_SLOT,
      ).toISOString();
    }
    await store.create(subscriber);
    const bad = !poisoned && worldRng.chance(profile.ses.badAddress);
    if (bad) badAddresses.add(email);
    world.add({
      id,
      email,
      zone,
      ...(slot ? { slot } : {}),
      confirmedAt,
      initialTips: initial,
      pauses: [],
      badAddress: bad,
      poisoned,
      received: [],
    });
  };
  for (let i = 0; i < options.readers; i += 1) await addReader(i, pickZone());
  let poisoned: ReaderModel | undefined;
  if (profile.poisonedReader) {
    await addReader(options.readers, "Mars/Olympus", true);
    poisoned = world.byEmail.get(`r${options.readers}@list.example`);
  }
  let nextReader = options.readers + 1;

  /* ------------------------------------------------------------------- SES */
  const onAccepted = (accepted: Accepted) => {
    counts.emails += 1;
    const model = world.byEmail.get(accepted.email.to);
    const tags = accepted.email.tags ?? {};
    if (!accepted.key || !model) {
      counts.otherEmails += 1;
      if (model) feedbackFor(model, accepted);
      return;
    }
    counts.tipEmails += 1;
    const tip = tags.tip as string;
    const week = tags.week as string;
    const claimAt = model.lastClaimAt;
    trace.record(
      accepted.at,
      model.id,
      `ses accepted ${tip} for ${week} (${accepted.caller}, claimed ${claimAt ? new Date(claimAt).toISOString() : "never"})`,
    );
    const earlier = model.received.find((r) => r.tip === tip || r.week === week);
    if (earlier) {
      // The documented window: SES took the first copy, and its sender died before the record.
      const copies = model.received.filter((r) => r.week === earlier.week && r.tip === earlier.tip);
      const first = copies[copies.length - 1]?.caller;
      const window =
        first !== undefined &&
        !copies.some((r) => r.recorded) &&
        deadCallers.has(first) &&
        first !== accepted.caller;
      if (window) counts.windowDuplicates += 1;
      else {
        checks.check(
          "tip-once",
          earlier.tip !== tip,
          accepted.at,
          model.id,
          () =>
            `${tip} sent again (first ${earlier.at ? new Date(earlier.at).toISOString() : "?"} for ${earlier.week})`,
        );
        checks.check(
          "week-once",
          earlier.week !== week,
          accepted.at,
          model.id,
          () => `a second tip (${tip}) in local week ${week}, after ${earlier.tip}`,
        );
      }
    } else {
      checks.check("tip-once", true, accepted.at, model.id, () => "");
      checks.check("week-once", true, accepted.at, model.id, () => "");
    }
    const at = accepted.at;
    checks.check(
      "after-leaving",
      model.leftAt === undefined || at <= model.leftAt + LEAVE_WINDOW_MS,
      at,
      model.id,
      () =>
        `accepted ${new Date(at).toISOString()}, after leaving at ${new Date(model.leftAt as number).toISOString()}`,
    );
    const pause = model.pauses.find((p) => p.from + LEAVE_WINDOW_MS < at && at < p.to);
    checks.check(
      "during-pause",
      pause === undefined,
      at,
      model.id,
      () =>
        `accepted ${new Date(at).toISOString()} during a pause acknowledged ${new Date(pause?.from ?? 0).toISOString()}`,
    );
    model.received.push({ tip, week, at: accepted.at, claimAt, caller: accepted.caller });
    feedbackFor(model, accepted);
  };
  const ses = new SimSes(sim, sesRng, checks, trace, {
    maxSendRate: options.rate,
    quota,
    profile: profile.ses,
    resendAfterTimeout: options.bug === "resend-after-timeout",
    badAddresses,
    onAccepted,
    readerOf: (address) => world.byEmail.get(address)?.id,
  });
  for (let week = 0; week < options.weeks; week += 1) {
    if (!worldRng.chance(profile.ses.pausesPerWeek)) continue;
    const from = START + week * 7 * DAY + worldRng.between(0, 7 * DAY);
    const to = from + worldRng.between(profile.ses.pauseHours[0], profile.ses.pauseHours[1]) * HOUR;
    ses.pause(from, to);
    counts.sesPauses += 1;
    sim.at(from, () =>
      trace.record(
        sim.now,
        undefined,
        `ses: the account is paused until ${new Date(to).toISOString()}`,
      ),
    );
  }

  /* ------------------------------------------------------------- feedback */
  const feedbackFor = (model: ReaderModel, accepted: Accepted) => {
    const kinds: Array<["Bounce" | "Complaint", number, number, number]> = [
      ["Bounce", profile.feedback.bounce, 60_000, 2 * DAY],
      ["Complaint", profile.feedback.complaint, HOUR, 5 * DAY],
    ];
    for (const [type, p, min, max] of kinds) {
      if (!worldRng.chance(p)) continue;
      const copies = worldRng.chance(profile.feedback.duplicate) ? 2 : 1;
      for (let c = 0; c < copies; c += 1) {
        sim.after(worldRng.between(min, max), () => void applyOne(model, type, accepted));
      }
    }
  };
  const applyOne = async (model: ReaderModel, type: "Bounce" | "Complaint", accepted: Accepted) => {
    const to = accepted.email.to;
    const outcome = await applyFeedback(
      { store, clock: sim.clock, hashes },
      {
        type,
        messageId: accepted.messageId,
        ...(type === "Bounce" ? { bounceType: "Permanent" as const } : {}),
        recipients: [to],
        destination: [to],
      },
    );
    counts[type === "Bounce" ? "bounces" : "complaints"] += 1;
    if (outcome.recipients.some((r) => r.changed)) model.leftAt ??= sim.now;
    trace.record(sim.now, model.id, `${type} applied (${outcome.action})`);
    const after = await store.get(model.id);
    checks.check(
      "feedback-applied",
      after === undefined || after.status === "bounced" || after.status === "complained",
      sim.now,
      model.id,
      () => `${type} applied, but the reader is ${after?.status}`,
    );
  };

  /* ------------------------------------------------------ the world's store */
  /** What the pages of the API write through; under ignore-pause a pause is lost on its way. */
  let lastPause: Date | undefined;
  const worldStore: Subscribers = new Proxy(store, {
    get(target, key, receiver) {
      if (key === "updatePreferences") {
        return async (id: string, changes: Parameters<Subscribers["updatePreferences"]>[1]) => {
          lastPause = changes.pausedUntil ?? undefined;
          if (options.bug === "ignore-pause" && changes.pausedUntil) {
            const { pausedUntil: _p, dueAt: _d, ...rest } = changes;
            return target.updatePreferences(id, rest);
          }
          return target.updatePreferences(id, changes);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  /** Each API request and outbox delivery is its own caller (its own invocation). */
  const pathPacer = () =>
    sharedPacer({
      limit: options.rate,
      clock: sim.clock,
      sleep: sim.sleep,
      reserve: (count, spacingMs) =>
        store.reserveSlots(ACCOUNT_SCHEDULE, sim.clock.now(), count, spacingMs),
    });
  const pacers = { api: pathPacer(), outbox: pathPacer() };
  const oneOff = (name: "api" | "outbox") => {
    const mailer = ses.mailer({ name, sleep: sim.sleep });
    return accountMailer(mailer, {
      quota: async () => (await mailer.status()).quota,
      fallbackRate: options.rate,
      pacerFor: () => pacers[name],
      clock: sim.clock,
    });
  };
  const subscriptionDeps = {
    subscribers: worldStore,
    limits: store,
    hashes,
    clock: sim.clock,
    outbox: { sendAll: async () => {} } as Queue<never>,
    newSignupId: () => Array.from({ length: 16 }, () => worldRng.int(16).toString(16)).join(""),
    get mailer() {
      return oneOff("api");
    },
    signer,
    emails: EMAILS,
    site: links,
    schedule,
    log,
  };
  const manage = (id: string) => signer.issue("manage", id);
  const randomReader = (): ReaderModel | undefined => {
    const id = world.ids[worldRng.int(world.ids.length)];
    return id === undefined ? undefined : world.readers.get(id);
  };

  const worldEvent = async (kind: string) => {
    const model = kind === "signup" ? undefined : randomReader();
    if (kind !== "signup" && (!model || model.poisoned)) return;
    const now = sim.now;
    try {
      switch (kind) {
        case "unsubscribe": {
          const m = model as ReaderModel;
          const reader = await worldStore.get(m.id);
          if (reader && (await unsubscribeReader(subscriptionDeps, reader)) === "unsubscribed") {
            // Acknowledged now: the reader sees "You're unsubscribed".
            m.leftAt ??= sim.now;
            counts.unsubscribes += 1;
            trace.record(now, m.id, "unsubscribed");
          }
          break;
        }
        case "erasure": {
          const m = model as ReaderModel;
          await eraseReader({ subscribers: worldStore, clock: sim.clock }, m.id);
          m.leftAt ??= sim.now;
          counts.erasures += 1;
          trace.record(now, m.id, "erased");
          break;
        }
        case "pause": {
          const m = model as ReaderModel;
          lastPause = undefined;
          await applyPreferences(subscriptionDeps, manage(m.id), {
            action: "pause",
            weeks: 1 + worldRng.int(3),
          });
          if (lastPause) {
            // A new pause replaces the one running: that one ends now, wherever it was to end.
            for (const p of m.pauses) if (p.from <= now && now < p.to) p.to = now;
            // Acknowledged once the page answers.
            m.pauses.push({ from: sim.now, to: (lastPause as Date).getTime() });
            world.unsteady(m, now);
            counts.pauses += 1;
            trace.record(now, m.id, `paused until ${(lastPause as Date).toISOString()}`);
          }
          break;
        }
        case "zone": {
          const m = model as ReaderModel;
          const zone = pickZone();
          lastPause = undefined;
          await applyPreferences(subscriptionDeps, manage(m.id), {
            action: "timezone",
            timeZone: zone,
          });
          // A pause running moves to the new zone's slot of its last week (core/preferences.ts).
          if (lastPause) {
            const end = (lastPause as Date).getTime();
            for (const p of m.pauses) if (p.from <= now && now < p.to) p.to = end;
            trace.record(now, m.id, `pause moved to end ${(lastPause as Date).toISOString()}`);
          }
          // The model keeps the zone it checks weeks in: the on-time check ends at this change.
          world.unsteady(m, now);
          counts.zoneChanges += 1;
          trace.record(now, m.id, `moved to ${zone}`);
          break;
        }
        case "signup":
          await signup();
          break;
      }
    } catch (error) {
      trace.record(now, model?.id, `${kind} refused: ${(error as Error).message}`);
    }
  };

  const signup = async () => {
    const i = nextReader++;
    const email = `r${i}@list.example`;
    const zone = pickZone();
    // Each signup from a network of its own, as a list's readers come (one network's day of
    // unconfirmed confirmations would otherwise hold a large list's signups back).
    const ip = `10.${(i >> 8) & 255}.${i & 255}.1`;
    const request = {
      signupId: subscriptionDeps.newSignupId(),
      email,
      timeZone: zone,
      consent: { ...consent, ip, at: new Date(sim.now).toISOString() },
    };
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      try {
        const outcome = await deliverConfirmation(
          { ...subscriptionDeps, mailer: oneOff("outbox"), confirmationsPerHour: 1_000 },
          request,
        );
        if (outcome !== "sent" && outcome !== "already-sent") {
          trace.record(sim.now, hashes.subscriberId(email), `signup dropped: ${outcome}`);
          return;
        }
        break;
      } catch {
        await sim.sleep(60_000 * attempt);
      }
    }
    counts.signups += 1;
    const id = hashes.subscriberId(email);
    trace.record(sim.now, id, `signed up in ${zone}`);
    if (!worldRng.chance(0.85)) return;
    await sim.sleep(worldRng.between(60_000, 2 * DAY));
    const token = signer.issue("confirm", confirmSubject(id, request.signupId));
    try {
      await confirm(subscriptionDeps, token, "192.0.2.7");
    } catch (error) {
      trace.record(sim.now, id, `confirm refused: ${(error as Error).message}`);
      return;
    }
    const bad = worldRng.chance(profile.ses.badAddress);
    if (bad) badAddresses.add(email);
    world.add({
      id,
      email,
      zone,
      confirmedAt: sim.now,
      initialTips: 0,
      pauses: [],
      badAddress: bad,
      poisoned: false,
      received: [],
    });
    trace.record(sim.now, id, "confirmed");
  };

  const perWeek: Array<[string, number]> = [
    ["unsubscribe", 0.004],
    ["pause", 0.008],
    ["zone", 0.004],
    ["erasure", 0.001],
    ["signup", 0.01],
  ];
  for (let week = 0; week < options.weeks; week += 1) {
    for (const [kind, share] of perWeek) {
      const n = Math.round(options.readers * share);
      for (let k = 0; k < n; k += 1) {
        sim.at(START + week * 7 * DAY + worldRng.between(0, 7 * DAY), () => void worldEvent(kind));
      }
    }
  }

  /* --------------------------------------------------------------- ledger */
  /** The store as a sender's container sees it: the recorder, the planted bug, then the faults. */
  const recordingStore = Object.assign(Object.create(store) as MemoryStore, {
    claim: async (id: string, request: ClaimRequest) => {
      let result = await store.claim(id, request);
      if (options.bug === "skip-claim" && result !== "inactive" && result !== "paused") {
        result = "claimed";
      }
      const model = world.readers.get(id);
      if (result === "claimed" && model) {
        model.lastClaimAt = sim.now;
        trace.record(sim.now, id, `claimed ${request.tip} for ${request.week} (${request.runId})`);
      }
      return result;
    },
    markSent: async (...args: Parameters<MemoryStore["markSent"]>) => {
      await store.markSent(...args);
      for (const r of world.readers.get(args[0])?.received ?? []) {
        if (r.week === args[1] && r.tip === args[2]) r.recorded = true;
      }
      trace.record(sim.now, args[0], `recorded ${args[2]} for ${args[1]}`);
    },
    releaseClaim: async (id: string, week: string, runId: string) => {
      trace.record(sim.now, id, `releaseClaim ${week} (${runId})`);
      await store.releaseClaim(id, week, runId);
    },
    markFailed: async (id: string, week: string, runId: string, error: string, now: Date) => {
      trace.record(sim.now, id, `markFailed ${week} (${runId})`);
      await store.markFailed(id, week, runId, error, now);
    },
  });
  /** The planted bug quota-per-sender: units given from a sender's share, nobody else's counted. */
  const perSender = (limits: MemoryStore): MemoryStore =>
    Object.assign(Object.create(limits) as MemoryStore, {
      holdUnits: async (_key: string, _holder: string, units: UnitsRequest) =>
        Math.max(
          0,
          Math.min(units.want, Math.floor(units.available / options.containers) - units.holding),
        ),
    });
  const storeFor = (alive: () => boolean, sleep: typeof sim.sleep) =>
    faulty(recordingStore, STORE_METHODS, {
      sleep,
      rng: faultRng,
      alive,
      ...profile.store,
      latencyMs: profile.store.latencyMs,
    });

  /* ------------------------------------------------------------------ SQS */
  const sqs = new SimSqs<SendBatch>(sim, sqsRng, trace, {
    visibilityMs: STALE_CLAIM_SECONDS * 1000,
    maxReceives: MAX_RECEIVES,
    profile: profile.sqs,
  });
  const reported = new Set<string>();
  sqs.onDeadLetter = (message) => {
    counts.deadLetters += 1;
    // The SendDlqAlarm: the operator hears of every dead letter.
    reported.add(message.id);
    counts.deadLettersReported += 1;
  };

  /* ----------------------------------------------------- sender containers */
  interface Container {
    id: number;
    alive: boolean;
    pacerFor: (limit: number) => Pacer;
  }
  const idle: Container[] = [];
  let running = 0;
  let containerCount = 0;
  let invocationCount = 0;
  const newContainer = (): Container => {
    const container: Container = {
      id: ++containerCount,
      alive: true,
      pacerFor: () => {
        throw new Error("unset");
      },
    };
    const alive = () => container.alive;
    const sleep = containerSleep(sim.sleep, alive);
    // The container's pacer takes its slots from the account's one schedule in the table; under
    // pacer-per-container each container keeps a schedule of its own, as if alone on the account.
    const schedule = options.bug === "pacer-per-container" ? new MemoryStore(1) : recordingStore;
    const limits = faulty(schedule, ["reserveSlots"], {
      sleep,
      rng: faultRng,
      alive,
      ...profile.store,
    });
    let pacer: Pacer | undefined;
    container.pacerFor = (limit) => {
      if (pacer?.limit !== limit) {
        pacer = sharedPacer({
          limit,
          clock: sim.clock,
          sleep,
          reserve: (count, spacingMs) =>
            limits.reserveSlots(ACCOUNT_SCHEDULE, sim.clock.now(), count, spacingMs),
        });
      }
      return pacer;
    };
    return container;
  };
  const kill = (container: Container, why: "crash" | "timeout", caller: string) => {
    if (!container.alive) return;
    container.alive = false;
    deadCallers.add(caller);
    counts[why === "crash" ? "crashes" : "timeouts"] += 1;
    trace.record(
      sim.now,
      undefined,
      `container ${container.id} ${why === "crash" ? "crashed" : "timed out"} (${caller})`,
    );
    running -= 1;
    poll();
  };
  const invoke = (messages: Message<SendBatch>[]) => {
    const container = idle.pop() ?? newContainer();
    running += 1;
    invocationCount += 1;
    counts.invocations += 1;
    const callerName = `c${container.id}#${invocationCount}`;
    const receipts = messages.map((message) => message.receipt);
    const startedAt = sim.now;
    let done = false;
    if (senderRng.chance(profile.crash)) {
      // At any await of the invocation: most take seconds, a few minutes.
      sim.after(senderRng.between(0, senderRng.chance(0.8) ? 20_000 : 300_000), () => {
        if (!done) kill(container, "crash", callerName);
      });
    }
    sim.after(SENDER_TIMEOUT_MS, () => {
      if (!done) kill(container, "timeout", callerName);
    });
    const alive = () => container.alive;
    const sleep = containerSleep(sim.sleep, alive);
    const caller: Caller = { name: callerName, sleep };
    const ports = storeFor(alive, sleep);
    const handle = async () => {
      const worker = await createSendWorker({
        ledger: ports,
        subscribers: ports,
        limits: options.bug === "quota-per-sender" ? perSender(ports) : ports,
        mailer: ses.mailer(caller),
        signer: linkSigner,
        clock: sim.clock,
        sleep,
        random: senderRng.next,
        tips: byTip,
        links,
        settings: {
          maxSendRate: options.rate,
          max24HourSend: quota,
          staleClaimSeconds: STALE_CLAIM_SECONDS,
        },
        schedule,
        workers: options.containers,
        pacerFor: container.pacerFor,
        log,
        // The invocation's time limit less the reserve, as the send-batch Lambda hands it over.
        stopBy: new Date(startedAt + SENDER_TIMEOUT_MS - SEND_RESERVE_MS),
        requeue: faulty(sqs as Queue<SendBatch>, ["sendAll"], {
          sleep,
          rng: faultRng,
          alive,
          ...profile.store,
        }),
      });
      // Every record at once, as Powertools' processPartialResponse with processInParallel.
      return Promise.all(
        messages.map(async (message) => {
          const parsed = z.safeParse(sendBatchSchema, message.body);
          if (!parsed.success) {
            log.error("send batch malformed", { messageId: message.id });
            return true;
          }
          try {
            // Its last delivery: SQS would move it to the dead-letter queue next.
            const last = message.receives >= MAX_RECEIVES;
            await worker.send(parsed.data as SendBatch, message.id, last);
            return true;
          } catch (error) {
            if (!(error instanceof BatchUnfinishedError))
              log.error("send batch failed", { messageId: message.id, error: error as Error });
            return false;
          }
        }),
      );
    };
    void handle().then(
      (finished) => {
        if (!container.alive) return;
        done = true;
        // Lambda deletes the records the handler did not report failed, once it has returned.
        messages.forEach((message, i) => {
          if (finished[i]) sqs.delete(message, receipts[i] as number);
        });
        running -= 1;
        idle.push(container);
        poll();
      },
      (error: unknown) => {
        if (!container.alive) return;
        done = true;
        log.error("send invocation failed", { error: error as Error });
        running -= 1;
        idle.push(container);
        poll();
      },
    );
  };
  const poll = () => {
    while (running < options.containers && sqs.visible > 0) {
      // One receive: up to the event source's batch size of the messages visible now.
      const messages: Message<SendBatch>[] = [];
      while (messages.length < SEND_QUEUE.batchSize) {
        const message = sqs.receive();
        if (!message) break;
        messages.push(message);
      }
      if (messages.length === 0) break;
      invoke(messages);
    }
  };
  sqs.onVisible = poll;

  /* ------------------------------------------------ busy-hour utilization */
  /**
   * Seconds of a busy hour in which the senders had work they could do: a batch on the queue, or
   * one running, while SES was not paused.
   */
  const workSeconds = new Set<number>();
  const sample = (hour: number) => {
    const tick = () => {
      const second = Math.floor(sim.now / 1000) - 1;
      if ((sqs.visible > 0 || running > 0) && !ses.pausedAt(second * 1000)) workSeconds.add(second);
      if (sim.now < hour + HOUR) sim.after(1000, tick);
    };
    sim.after(1000, tick);
  };

  /* -------------------------------------------------------------- planner */
  const passes: Array<{ at: number; planned: number; ms: number }> = [];
  const planner = async (hour: number, duplicate: boolean, attempt = 1): Promise<void> => {
    const container = { alive: true };
    const alive = () => container.alive;
    const sleep = containerSleep(sim.sleep, alive);
    const started = sim.now;
    let finished = false;
    // Lambda retries a failed asynchronous invocation (an error, a crash, a timeout) twice, a
    // minute and then two apart.
    const retry = () => {
      if (attempt <= 2)
        sim.after(attempt * 60_000, () => void planner(hour, duplicate, attempt + 1));
    };
    if (faultRng.chance(profile.crash)) {
      sim.after(faultRng.between(0, 30_000), () => {
        if (finished) return;
        finished = true;
        container.alive = false;
        counts.crashes += 1;
        trace.record(sim.now, undefined, `planner of ${new Date(hour).toISOString()} crashed`);
        retry();
      });
    }
    sim.after(PLANNER_TIMEOUT_MS, () => {
      if (finished) return;
      finished = true;
      container.alive = false;
      retry();
    });
    const queue = faulty(sqs as Queue<SendBatch>, ["sendAll"], {
      sleep,
      rng: faultRng,
      alive,
      ...profile.store,
    });
    counts.plannerPasses += 1;
    try {
      const report = await plan({
        ledger: storeFor(alive, sleep),
        queue,
        sending: ses.mailer({ name: "planner", sleep }),
        tips,
        runId: `cron-${new Date(hour).toISOString()}`,
        now: new Date(hour),
        schedule,
        batchSize,
        staleClaimSeconds: STALE_CLAIM_SECONDS,
        log,
      });
      if (finished) return; // crashed or timed out meanwhile: retried already
      finished = true;
      if (report.quotaCapped) ses.quotaHeld(sim.now);
      if (!duplicate) passes.push({ at: hour, planned: report.planned, ms: sim.now - started });
      if (!duplicate && attempt === 1 && report.planned > options.rate * 60) sample(hour);
      if (report.planned > 0)
        trace.record(
          sim.now,
          undefined,
          `planner ${new Date(hour).toISOString()}: ${report.planned} planned in ${report.batches} batches`,
        );
    } catch (error) {
      if (finished) return;
      finished = true;
      counts.plannerFailures += 1;
      log.error("planner failed", { hour: new Date(hour).toISOString(), error: error as Error });
      retry();
    }
  };
  for (let hour = Math.ceil(START / HOUR) * HOUR; hour < end; hour += HOUR) {
    sim.at(hour, () => void planner(hour, false));
    if (faultRng.chance(profile.plannerDuplicate)) {
      sim.at(hour + faultRng.between(1_000, 120_000), () => void planner(hour, true));
    }
  }

  /* ------------------------------------------------------------------ run */
  await sim.run(end);

  /* -------------------------------------------------- checks at the end */
  const bound = ON_TIME_HOURS[options.faults] * HOUR;
  if (options.poisonTip) {
    const stops = errors.filter(
      (e) => e.message === "sending stopped" && e.data.includes("bad-content"),
    );
    checks.check(
      "bad-content",
      stops.length > 0,
      end,
      undefined,
      () => "no loud stop for the tip the sender cannot fill",
    );
    const sent = [...world.readers.values()].filter((m) =>
      m.received.some((r) => r.tip === POISONED_SLUG),
    );
    checks.check(
      "bad-content",
      sent.length === 0,
      end,
      sent[0]?.id,
      () => "the tip the sender cannot fill went out",
    );
    // Held by the planner, its readers are never queued: no dead letter comes of it.
    const lettered = sqs.deadLetters.find(({ message }) =>
      message.body.recipients.some((r) => r.tip === POISONED_SLUG),
    );
    checks.check(
      "bad-content",
      lettered === undefined,
      end,
      lettered?.message.body.recipients[0]?.id,
      () => `dead letter ${lettered?.message.id} holds the poisoned tip's readers`,
    );
  } else checks.skipped.set("bad-content", "no poisoned tip in this run (--poison-tip)");
  for (const model of world.readers.values()) onTime(model);
  if (poisoned) {
    const named = errors.some((e) => e.data.includes(poisoned.id));
    checks.check("bad-record", named && poisoned.received.length === 0, end, poisoned.id, () =>
      named
        ? "the unusable reader was sent a tip"
        : "no ERROR names the reader whose zone the code cannot use",
    );
  } else checks.skipped.set("bad-record", "no poisoned reader at this fault level");
  for (const { message } of sqs.deadLetters) {
    checks.check(
      "dlq-reported",
      reported.has(message.id),
      end,
      undefined,
      () => `dead letter ${message.id} never reported`,
    );
  }

  /** Whether the reader's next tip at `at` is the poisoned one (duplicates counted once). */
  function heldAt(model: ReaderModel, at: number): boolean {
    const had = new Set(model.received.filter((r) => r.at < at).map((r) => r.tip));
    return model.initialTips + had.size === POISONED_AT;
  }

  function onTime(model: ReaderModel) {
    if (model.badAddress || model.poisoned) return;
    const zone = model.zone;
    const slot = parseSlot(model.slot) ?? DEFAULT_SLOT;
    const until = Math.min(end, model.unsteadyFrom ?? end, model.leftAt ?? end);
    // Weeks are named from mid-week instants (a Thursday 00:00 UTC is mid-week everywhere).
    const weekAt = (k: number) => localWeek(new Date(START + 3.5 * DAY + k * 7 * DAY), zone);
    for (let k = -1; k <= options.weeks; k += 1) {
      const current = weekAt(k);
      const due = deliveryInstant(current, zone, slot).getTime();
      const weekEnd = deliveryInstant(weekAt(k + 1), zone, { weekday: 1, hour: 0 }).getTime();
      if (due < START || due < model.confirmedAt) continue;
      if (due + bound > until) break;
      const before = model.initialTips + model.received.filter((r) => r.at < due).length;
      if (before >= tips.length) continue;
      // Due the poisoned tip (their next distinct tip): held by design until a deploy mends it.
      if (options.poisonTip && heldAt(model, due)) {
        counts.heldWeeks += 1;
        continue;
      }
      const got = model.received.find((r) => r.week === current);
      let deadline = due + bound;
      if (ses.stoppedDuring(due, due + bound) !== undefined) {
        // SES stopped between the slot and its usual bound: the tip may wait until SES has sent
        // again for RESUMED_IN_TIME, and the usual bound from then; it is owed only if that
        // stretch began within the reader's week (the planner plans no week that has ended).
        const resumed = ses.resumedAfter(due, RESUMED_IN_TIME);
        if (resumed + RESUMED_IN_TIME > weekEnd) continue;
        deadline = Math.max(deadline, resumed + bound);
        if (deadline > until) continue;
      }
      checks.check("on-time", got !== undefined && got.at <= deadline, deadline, model.id, () =>
        got
          ? `week ${current}'s tip came ${((got.at - due) / HOUR).toFixed(1)} h after the slot`
          : `no tip for week ${current} (slot ${new Date(due).toISOString()}, ${zone})`,
      );
    }
  }

  /* ------------------------------------------------------ scale figures */
  // A busy hour: its pass planned more than a minute at MaxSendRate. In its seconds where the
  // senders had work (a batch waiting on the queue or being sent, SES not paused), until 98 % of
  // what it planned has gone: sent ÷ (MaxSendRate × those seconds). A batch a crash holds back
  // for the visibility timeout is not work anyone could do meanwhile.
  let utilization: SimResult["utilization"];
  for (const pass of passes) {
    if (pass.planned <= options.rate * 60) continue;
    let sent = 0;
    let busy = 0;
    let inWork = 0;
    const stop = Math.floor(Math.min(end, pass.at + HOUR) / 1000);
    for (
      let second = Math.floor(pass.at / 1000);
      second < stop && sent < 0.98 * pass.planned;
      second += 1
    ) {
      const n = ses.tipsBySecond.get(second) ?? 0;
      sent += n;
      if (workSeconds.has(second)) {
        busy += 1;
        inWork += n;
      }
    }
    if (busy === 0) continue;
    const value = inWork / (options.rate * busy);
    utilization = {
      value: Math.min(value, utilization?.value ?? Number.POSITIVE_INFINITY),
      hours: (utilization?.hours ?? 0) + 1,
    };
  }
  counts.timers = sim.fired;
  counts.sesCalls = ses.calls;
  counts.busiestSecond = ses.busiestSecond;
  counts.readersAtEnd = world.readers.size;
  return {
    options,
    violations: checks.violations,
    checked: checks.checked,
    broken: checks.broken,
    skipped: checks.skipped,
    digest: trace.hash(),
    events: trace.events,
    counts,
    ...(utilization ? { utilization } : {}),
    plannerLongestMs: passes.reduce((max, p) => Math.max(max, p.ms), 0),
    // Bound, not a closure: a closure here would keep the whole run (store, world) alive with it.
    leadingTo: trace.leadingTo.bind(trace),
  };
}
