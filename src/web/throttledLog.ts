// Log lines caused by unauthenticated clients (failed TLS handshakes, refused connections, throttled logins),
// at a bounded rate: at most one line per window, the events in between counted on the next line.
import type { Logger } from '../log.js';

/** One kind of event logged at most once per window; the line after a busy window says how many were not. */
export class ThrottledLog {
  private timer: NodeJS.Timeout | undefined;
  private suppressed = 0;
  private readonly reasons = new Map<string, number>();
  private last: Record<string, unknown> = {};

  constructor(
    private readonly logger: Logger,
    private readonly level: 'info' | 'warn',
    private readonly msg: string,
    /** 0 logs every event. */
    private readonly windowMs: number,
  ) {}

  note(reason: string, fields: Record<string, unknown> = {}): void {
    if (this.windowMs <= 0) {
      this.logger[this.level](this.msg, { reason, ...fields });
      return;
    }
    if (!this.timer) {
      this.logger[this.level](this.msg, { reason, ...fields });
      this.open();
      return;
    }
    this.suppressed++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    this.last = { reason, ...fields };
  }

  /** Says how many events the current window held, if any, and stops. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.summary();
  }

  private open(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // The summary line is the next window's one line.
      if (this.summary()) this.open();
    }, this.windowMs);
    this.timer.unref();
  }

  private summary(): boolean {
    if (this.suppressed === 0) return false;
    const last = Object.fromEntries(Object.entries(this.last).map(([k, v]) => [`last_${k}`, v]));
    this.logger[this.level](this.msg, {
      suppressed: this.suppressed,
      reasons: [...this.reasons].map(([r, n]) => `${r}=${n}`).join(','),
      window: `${this.windowMs / 1000}s`,
      ...last,
    });
    this.suppressed = 0;
    this.reasons.clear();
    this.last = {};
    return true;
  }
}
