// What `serve` logs about its verdicts, written for the operator reading the log rather than for a debugger:
// the full set of verdicts only at debug; at info one line per real change of verdict; a source that goes away
// (the Docker API during a daemon restart) is one warning with counts and one info line when it is back, never a
// line per control it made undecidable.
//
// A change is logged once it has held for `settleMs`, and not while the daemon is away (up to `holdMaxMs`):
// a daemon restart removes its socket and containerd's for a moment, and those flaps are not news. What is
// logged is the net change against the last logged verdict: pass -> error -> pass logs nothing,
// pass -> error -> fail logs one line, from pass to fail. /metrics shows every evaluation at once regardless.
import type { Status } from '../../controls/types.js';
import type { Evaluation } from '../../evaluation/types.js';
import type { SourceName } from '../../facts/types.js';
import type { Logger } from '../../log.js';

/** The prefix evaluate() gives a control whose required source failed. */
const SOURCE_UNAVAILABLE = 'source unavailable (';

/** Sources whose loss means the daemon itself is away (stopped, restarting). */
const DAEMON_SOURCES: readonly SourceName[] = ['docker_api', 'dockerd_cmdline'];

/** The sources a control's `error` reason names as unavailable (none for an error of the control itself). */
export function sourcesBlamed(reason: string): string[] {
  if (!reason.startsWith(SOURCE_UNAVAILABLE)) return [];
  return reason
    .slice(SOURCE_UNAVAILABLE.length)
    .split('; ')
    .map((part) => /^([a-z_]+):/.exec(part)?.[1])
    .filter((s): s is string => s !== undefined);
}

export interface VerdictLogOptions {
  /** A verdict must hold this long before its change is logged. Default 2 s. */
  readonly settleMs?: number;
  /** Changes wait at most this long for a daemon that went away. Default 60 s. */
  readonly holdMaxMs?: number;
  readonly now?: () => number;
}

interface Pending {
  readonly to: Status;
  readonly since: number;
  readonly severity: string;
  readonly reason: string;
  readonly trigger: string;
}

export class VerdictLog {
  /** The verdict last logged (or seen at start) per control: what changes are measured against. */
  private readonly stable = new Map<string, Status>();
  private readonly pending = new Map<string, Pending>();
  /** Status of each control in the last evaluation (for the debug lines). */
  private readonly last = new Map<string, Status>();
  /** Since when each currently unavailable source has been down (ms). */
  private readonly downSince = new Map<SourceName, number>();
  private first = true;
  /** Sources lost but not yet announced (they may be back before settleMs), and since when. */
  private readonly lossPending = new Map<SourceName, number>();
  /** Sources whose loss was announced: their return will be too. */
  private readonly warned = new Set<SourceName>();
  /** Announced sources back while the API is still away, with how long they were down. */
  private readonly backPending = new Map<SourceName, number>();
  private readonly settleMs: number;
  private readonly holdMaxMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    opts: VerdictLogOptions = {},
  ) {
    this.settleMs = opts.settleMs ?? 2_000;
    this.holdMaxMs = opts.holdMaxMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Logs what `evaluation` changed; the first one is dumped at debug and its unavailable sources warned. */
  record(evaluation: Evaluation, trigger: string): void {
    const now = this.now();
    const lost: SourceName[] = [];
    const back: { source: SourceName; downMs: number }[] = [];
    for (const [name, s] of Object.entries(evaluation.sources) as [SourceName, { up: boolean }][]) {
      const since = this.downSince.get(name);
      if (!s.up && since === undefined) {
        this.downSince.set(name, now);
        lost.push(name);
      } else if (s.up && since !== undefined) {
        this.downSince.delete(name);
        back.push({ source: name, downMs: now - since });
      }
    }
    let decidedAgain = 0;
    let undecidedNow = 0;
    for (const r of evaluation.results) {
      const prev = this.last.get(r.id);
      if (this.first)
        this.logger.debug('control verdict', { control: r.id, status: r.status, reason: r.reason });
      else if (prev !== r.status)
        this.logger.debug('control verdict', {
          control: r.id,
          from: prev,
          to: r.status,
          reason: r.reason,
          trigger,
        });
      this.last.set(r.id, r.status);
      if (prev === 'error' && r.status !== 'error') decidedAgain++;
      if (prev !== 'error' && r.status === 'error') undecidedNow++;
      if (this.first) {
        this.stable.set(r.id, r.status);
        continue;
      }
      // Undecidable because a source is down: summarised with the source, never a line per control.
      const blamedOnSource = r.status === 'error' && sourcesBlamed(r.reason).length > 0;
      if (blamedOnSource || r.status === this.stable.get(r.id)) {
        this.pending.delete(r.id);
        continue;
      }
      const p = this.pending.get(r.id);
      if (p?.to !== r.status) {
        this.pending.set(r.id, { to: r.status, since: now, severity: r.severity, reason: r.reason, trigger });
      }
    }
    // The Docker API lost is said at once (at start too). Another source lost waits until it has stayed away for
    // settleMs (dockerd's process and socket vanish for a moment in a restart), or joins the API's warning.
    for (const name of lost) this.lossPending.set(name, now);
    const apiLost = lost.includes('docker_api');
    if ((apiLost || this.first) && this.lossPending.size > 0) {
      const sources = [...this.lossPending.keys()];
      this.lossPending.clear();
      for (const name of sources) this.warned.add(name);
      this.logger.warn(apiLost ? 'Docker API unreachable' : 'sources unavailable', {
        sources: sources.join(','),
        err: evaluation.sources[apiLost ? 'docker_api' : sources[0]!].error ?? '',
        controls_undecided: evaluation.summary.error,
        ...(this.first ? {} : { controls_changed_to_error: undecidedNow, trigger }),
      });
    }
    for (const b of back) {
      if (this.lossPending.delete(b.source)) continue;
      if (this.warned.delete(b.source)) this.backPending.set(b.source, b.downMs);
    }
    // A source back while the API is still away is said with the API, in one line.
    if (this.backPending.size > 0 && !this.downSince.has('docker_api')) {
      const api = this.backPending.has('docker_api');
      this.logger.info(api ? 'Docker API reachable again' : 'sources available again', {
        sources: [...this.backPending.keys()].join(','),
        down_seconds: Math.round(Math.max(...this.backPending.values()) / 100) / 10,
        controls_decided_again: decidedAgain,
        controls_undecided: evaluation.summary.error,
        failing: evaluation.summary.fail,
        trigger,
      });
      this.backPending.clear();
    }
    this.first = false;
    this.flush();
  }

  /** Logs the pending changes that have settled; call it now and then (start() does, on a timer). */
  flush(): void {
    const now = this.now();
    const settled = [...this.lossPending].filter(([, since]) => now - since >= this.settleMs).map(([n]) => n);
    if (settled.length > 0) {
      for (const name of settled) {
        this.lossPending.delete(name);
        this.warned.add(name);
      }
      this.logger.warn('sources unavailable', { sources: settled.join(',') });
    }
    const daemonAwaySince = Math.min(
      ...DAEMON_SOURCES.map((s) => this.downSince.get(s) ?? Number.POSITIVE_INFINITY),
    );
    if (daemonAwaySince !== Number.POSITIVE_INFINITY && now - daemonAwaySince < this.holdMaxMs) return;
    for (const [id, p] of this.pending) {
      if (now - p.since < this.settleMs) continue;
      const from = this.stable.get(id) ?? 'none';
      this.logger.info('verdict changed', {
        control: id,
        from,
        to: p.to,
        severity: p.severity,
        ...(p.to === 'error' ? { reason: p.reason } : {}),
        trigger: p.trigger,
      });
      this.stable.set(id, p.to);
      this.pending.delete(id);
    }
  }

  /** Flushes settled changes every half settle time until close(). */
  start(): this {
    this.timer ??= setInterval(() => this.flush(), Math.max(100, this.settleMs / 2));
    this.timer.unref();
    return this;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
