// The toolkit's `rate_limit`: a token bucket with golang.org/x/time/rate's semantics.

/** golang.org/x/time/rate's Limiter: `burst` tokens, one more every interval, starting full. */
export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(
    readonly intervalMs: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }
  allow(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
