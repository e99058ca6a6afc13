/** The simulation's one source of randomness: a seeded xoroshiro128+ (pure-rand), forkable. */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

export class Rng {
  private readonly gen: ReturnType<typeof xoroshiro128plus>;

  constructor(readonly seed: number) {
    this.gen = xoroshiro128plus(seed);
    // The generator's first outputs from a small seed are poorly mixed.
    for (let i = 0; i < 8; i += 1) uniformFloat64(this.gen);
  }

  /** In [0, 1). */
  readonly next = (): number => uniformFloat64(this.gen);

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** In [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** An independent stream, so that one part's draws never shift another's. */
  fork(label: number): Rng {
    return new Rng((Math.imul(this.seed ^ 0x9e3779b9, 0x85ebca6b) + label * 0x27d4eb2f) | 0);
  }
}
