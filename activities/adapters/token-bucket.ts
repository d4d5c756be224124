/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most `burst`. Used by the adapters to
 * stay within an agency's request rate, and by the simulator to enforce it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = Math.max(1, ratePerSecond),
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be positive: ${ratePerSecond}`);
    this.tokens = this.burst;
    this.last = this.now();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  /** Takes a token if one is there; else says how many milliseconds until one is. */
  tryTake(): { ok: true } | { ok: false; waitMs: number } {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000) };
  }

  /** Waits for a token. Callers queue in order: each reserves its token before sleeping. */
  async take(): Promise<void> {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
