/**
 * The real clock, timers and randomness, which the core only ever receives as ports
 * (core/ports.ts Clock, Sleep, Random): handlers and scripts pass these, tests pass fakes.
 */
import { randomBytes } from "node:crypto";
import type { Clock, Random, Sleep } from "../core/ports.js";

export const systemClock: Clock = { now: () => new Date() };

export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.max(0, ms));
  });

export const systemRandom: Random = Math.random;

/** A signup's id (its generation): 64 random bits, hex. */
export const randomSignupId = (): string => randomBytes(8).toString("hex");
