/**
 * Fault profiles (none, light, heavy) and the one generic wrapper that puts latency and failures
 * on any port: every method named waits a latency, may fail before it applies (a throttle), may
 * fail after it applied (the answer lost), and never returns once its container is dead (a crash
 * at that await). Ports changed or added in functions/core ride along: nothing here names them.
 */
import type { Sleep } from "../../functions/core/ports.js";
import type { Rng } from "./random.js";
import { never } from "./scheduler.js";

export type FaultLevel = "none" | "light" | "heavy";

export interface FaultProfile {
  store: { latencyMs: [number, number]; failBefore: number; failAfter: number };
  ses: {
    /** The request's way to SES, before SES counts the call (the network: within one region). */
    arrivalMs: [number, number];
    /** SES's answer, after the call arrived. */
    latencyMs: [number, number];
    throttle: number;
    serverError: number;
    /** SES took the email, the answer never came (the client times out after 20 s). */
    timeoutAfterAccept: number;
    /** Readers whose address SES rejects. */
    badAddress: number;
    /** Account pauses per simulated week, and how long each lasts. */
    pausesPerWeek: number;
    pauseHours: [number, number];
  };
  sqs: { duplicate: number; delayMs: [number, number] };
  /** Per invocation: the container dies at a random await within its first minutes. */
  crash: number;
  /** A duplicated or retried schedule event (the same hour planned twice). */
  plannerDuplicate: number;
  feedback: { bounce: number; complaint: number; duplicate: number };
  /** A reader stored with a zone the code cannot use. */
  poisonedReader: boolean;
}

const quiet: FaultProfile = {
  store: { latencyMs: [3, 12], failBefore: 0, failAfter: 0 },
  ses: {
    arrivalMs: [5, 20],
    latencyMs: [20, 60],
    throttle: 0,
    serverError: 0,
    timeoutAfterAccept: 0,
    badAddress: 0,
    pausesPerWeek: 0,
    pauseHours: [1, 1],
  },
  sqs: { duplicate: 0, delayMs: [5, 50] },
  crash: 0,
  plannerDuplicate: 0,
  feedback: { bounce: 0.003, complaint: 0.001, duplicate: 0.3 },
  poisonedReader: false,
};

export const PROFILES: Record<FaultLevel, FaultProfile> = {
  none: quiet,
  light: {
    store: { latencyMs: [3, 25], failBefore: 0.0005, failAfter: 0.0003 },
    ses: {
      arrivalMs: [5, 25],
      latencyMs: [20, 120],
      throttle: 0.01,
      serverError: 0.003,
      timeoutAfterAccept: 0.001,
      badAddress: 0.003,
      pausesPerWeek: 0.15,
      pauseHours: [1, 12],
    },
    sqs: { duplicate: 0.02, delayMs: [5, 2_000] },
    crash: 0.02,
    plannerDuplicate: 0.05,
    feedback: { bounce: 0.01, complaint: 0.003, duplicate: 0.3 },
    poisonedReader: true,
  },
  heavy: {
    store: { latencyMs: [3, 120], failBefore: 0.005, failAfter: 0.003 },
    ses: {
      arrivalMs: [5, 25],
      latencyMs: [20, 400],
      throttle: 0.08,
      serverError: 0.02,
      timeoutAfterAccept: 0.005,
      badAddress: 0.01,
      pausesPerWeek: 0.5,
      pauseHours: [1, 30],
    },
    sqs: { duplicate: 0.1, delayMs: [5, 30_000] },
    crash: 0.1,
    plannerDuplicate: 0.2,
    feedback: { bounce: 0.03, complaint: 0.01, duplicate: 0.5 },
    poisonedReader: true,
  },
};

/** A failure the simulation injected into a port call. */
export class InjectedFault extends Error {
  override name = "InjectedFault";
}

export interface FaultEnv {
  sleep: Sleep;
  rng: Rng;
  /** False once the container this port belongs to has died: its calls never return. */
  alive: () => boolean;
  latencyMs: [number, number];
  failBefore: number;
  failAfter: number;
}

/** `target` with every method in `methods` given latency, failures and the container's death. */
export function faulty<T extends object>(target: T, methods: readonly string[], env: FaultEnv): T {
  const wrapped: Record<string, unknown> = {};
  for (const key of methods) {
    const method = (target as Record<string, unknown>)[key];
    if (typeof method !== "function") continue;
    wrapped[key] = async (...args: unknown[]) => {
      await env.sleep(env.rng.between(env.latencyMs[0], env.latencyMs[1]));
      if (!env.alive()) return never();
      if (env.rng.chance(env.failBefore)) throw new InjectedFault(`${key}: throttled`);
      const result = await (method as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      if (!env.alive()) return never();
      if (env.rng.chance(env.failAfter)) {
        throw new InjectedFault(`${key}: failure reported after the write applied`);
      }
      return result;
    };
  }
  return new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key === "string" && key in wrapped) return wrapped[key];
      const value = Reflect.get(object, key, receiver);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

/** A sleep that never wakes a dead container. */
export function containerSleep(sleep: Sleep, alive: () => boolean): Sleep {
  return async (ms) => {
    await sleep(ms);
    if (!alive()) await never();
  };
}
