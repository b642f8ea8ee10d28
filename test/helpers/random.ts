/** A small seeded generator (xorshift32): the same seed gives the same test data. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (span <= 0x1_0000_0000) return lo + (this.u32() % span);
    return lo + Math.floor((this.u32() * 0x1_0000_0000 + this.u32()) % span);
  }

  /** True with probability 1/n. */
  oneIn(n: number): boolean {
    return this.u32() % n === 0;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) out.writeUInt32LE(this.u32(), i);
    for (; i < length; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}
