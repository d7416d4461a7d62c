/**
 * A small seeded PRNG (mulberry32). Separate streams per purpose keep, for example, fault sampling from shifting
 * the task ids of a seeded run.
 */
import { randomInt } from 'node:crypto';

/** Deterministic random numbers for ids, hashes, text and fault sampling. */
export class SeededRandom {
  private state: number;

  /** @param seed any integer; @default a random one */
  constructor(seed: number = randomInt(0, 2 ** 31)) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  hex(chars: number): string {
    let out = '';
    for (let i = 0; i < chars; i++) out += this.int(16).toString(16);
    return out;
  }

  /** A v4-shaped UUID, as MidJourney job ids look. */
  uuid(): string {
    const variant = (8 + this.int(4)).toString(16);
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }

  /** Derives an independent stream for another purpose. */
  fork(salt: number): SeededRandom {
    return new SeededRandom((this.int(2 ** 31) ^ Math.imul(salt, 0x9e3779b1)) >>> 0);
  }
}
