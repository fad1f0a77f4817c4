// Keeps the evaluation current: daemon.json watch, Docker events (with reconnect and back-off), a cheap stat poll
// for permission changes, and a periodic full resync as a safety net. Scrapes only ever read `latest`. A watchdog
// abandons an evaluation that outlives its deadline, so one stuck read never stops the ones after it.
import { EventEmitter } from 'node:events';
import type { ControlDefinition } from '../controls/types.js';
import type { Facts } from '../facts/types.js';
import type { Logger } from '../log.js';
import { orAbsent } from '../sources/absent.js';
import { ConfigWatcher } from '../sources/configWatcher.js';
import type { DockerApiClient, DockerEvent } from '../sources/dockerApi/client.js';
import { statPath } from '../sources/fileStats.js';
import type { HostPaths } from '../sources/hostPaths.js';
import type { FactCollector, Refresh } from './collector.js';
import { evaluationDeadlineMs, within } from './deadline.js';
import { IncrementalEvaluator } from './incremental.js';
import { polledFiles, sameMetadata } from './polledFiles.js';
import type { Evaluation } from './types.js';
import type { WaiverPolicySource } from './waiverPolicy.js';

export type Trigger =
  | 'startup'
  | 'config_change'
  | 'file_change'
  | 'docker_event'
  | 'container_event'
  | 'reconnect'
  | 'resync'
  /** The waivers file changed: the last facts are judged again under the new policy. */
  | 'waivers_change'
  /** A waiver entered its warning period or expired: the last facts are judged again. */
  | 'waiver_expiry';

/** What an evaluation reads again: the sources of a refresh, or none ('policy': the last facts, judged again). */
export type Work = Refresh | 'policy';

export interface MonitorOptions {
  readonly collector: FactCollector;
  readonly api: DockerApiClient;
  /**
   * The controls; a promise lets the first collection start while the catalog still loads (issue 12: start-up
   * is CPU-bound, and the first Docker API round trips leave the exporter idle otherwise).
   */
  readonly catalog: readonly ControlDefinition[] | Promise<readonly ControlDefinition[]>;
  readonly paths: HostPaths;
  readonly logger: Logger;
  readonly resyncIntervalMs: number;
  readonly statPollIntervalMs: number;
  /** Coalesces bursts (an editor's write + rename) into one evaluation. */
  readonly debounceMs?: number;
  /** An evaluation still running after this long is abandoned (evaluationDeadlineMs of --docker.timeout). */
  readonly evaluationTimeoutMs?: number;
  /** Reconnect back-off of the events stream. */
  readonly eventsBackoff?: Partial<Backoff>;
  /** --waivers.file, applied after the controls of every evaluation. */
  readonly waivers?: Pick<WaiverPolicySource, 'current'>;
  /** The clock waivers are judged by. */
  readonly now?: () => number;
}

export interface Backoff {
  /** First delay after the stream ended. */
  readonly initialMs: number;
  /** Longest delay; each failed attempt doubles the last one up to this. */
  readonly maxMs: number;
  /** A stream that stayed up this long resets the delay to initialMs; a shorter one counts as a failed attempt. */
  readonly resetAfterMs: number;
}

export { evaluationDeadlineMs, within };

/** Equal jitter: between half the delay and the delay, so reconnecting exporters spread out but never rush. */
export const jittered = (ms: number, random: () => number = Math.random): number =>
  Math.round(ms / 2 + (random() * ms) / 2);

/** Thrown by start() when stop() came first. */
export class MonitorStopped extends Error {}

export const EVENTS_BACKOFF: Backoff = { initialMs: 250, maxMs: 30_000, resetAfterMs: 30_000 };

const REFRESH: Record<Trigger, Work> = {
  waivers_change: 'policy',
  waiver_expiry: 'policy',
  startup: 'all',
  resync: 'all',
  config_change: 'config',
  file_change: 'config',
  docker_event: 'api',
  container_event: 'containers',
  reconnect: 'api',
};

/** Every trigger, so `dockersec_evaluations_total` starts at 0 for each. */
export const TRIGGERS = Object.keys(REFRESH) as Trigger[];

/**
 * Two pending refreshes of different sources together mean refreshing everything; every refresh snapshots
 * the container inventory, so 'containers' adds nothing to another one; every evaluation applies the policy
 * in force, so 'policy' adds nothing either.
 */
export const wider = (a: Work | null, b: Work): Work => {
  if (a === null || a === 'policy') return b;
  if (b === 'policy') return a;
  if (a === b || a === 'containers') return b;
  return b === 'containers' ? a : 'all';
};

export interface MonitorEvents {
  evaluation: [Evaluation, Trigger];
  dockerEvent: [DockerEvent];
  /** The events stream connected (true) or ended (false): events in between are lost. */
  dockerEventsConnection: [boolean];
}

export class Monitor extends EventEmitter<MonitorEvents> {
  latest: Evaluation | null = null;
  readonly triggerCounts = new Map<Trigger, number>();
  /** Evaluations the watchdog gave up on (dockersec_evaluations_abandoned_total). */
  abandonedEvaluations = 0;
  private pending: { refresh: Work; trigger: Trigger } | null = null;
  /** The facts of `latest`, judged again when only the waivers changed. */
  private latestFacts: Facts | null = null;
  private running: Promise<void> | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  private timers: NodeJS.Timeout[] = [];
  private watcher: ConfigWatcher | null = null;
  private stopEvents: (() => void) | null = null;
  /** Ends the back-off wait of the events loop (stop). */
  private wakeEvents: (() => void) | null = null;
  private stopped = false;
  private polling = false;
  private eventsConnected = false;

  private readonly firstConnect: Promise<void>;
  /** Re-runs only the controls (and, per container, the rules) whose facts changed since the last evaluation. */
  private readonly evaluator: Promise<IncrementalEvaluator>;

  constructor(private readonly opts: MonitorOptions) {
    super();
    this.evaluator = Promise.resolve(opts.catalog).then((c) => new IncrementalEvaluator(c));
    // Met where an evaluation awaits it (and fails that evaluation, logged), not an unhandled rejection.
    this.evaluator.catch(() => {});
    let connected: () => void = () => {};
    this.firstConnect = new Promise<void>((r) => {
      connected = r;
    });
    void this.followEvents(connected);
  }

  /** The first evaluation is complete when this resolves (an abandoned one is tried again). */
  async start(): Promise<Evaluation> {
    // Subscribe before the first evaluation so no event falls between it and the stream; waits at most 2 s.
    await Promise.race([this.firstConnect, new Promise((r) => setTimeout(r, 2_000).unref())]);
    while (!this.latest) {
      if (this.stopped) throw new MonitorStopped('stopped before the first evaluation');
      this.running = this.guarded(REFRESH.startup, 'startup');
      await this.running;
      this.running = null;
    }
    const first = this.latest;
    this.watcher = new ConfigWatcher(
      first.daemonConfigPath ?? '/etc/docker/daemon.json',
      (why) => {
        this.opts.logger.debug('daemon.json changed', { event: why });
        this.trigger('config_change');
      },
      (err) => this.opts.logger.warn('config watch error', { err: err.message }),
    );
    await this.watcher.target();
    this.timers.push(setInterval(() => this.trigger('resync'), this.opts.resyncIntervalMs));
    this.timers.push(setInterval(() => void this.pollStats(), this.opts.statPollIntervalMs));
    for (const t of this.timers) t.unref();
    return first;
  }

  /** Resolves within about `graceMs`: an evaluation still running then is left behind, never awaited for good. */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.stopEvents?.();
    this.wakeEvents?.();
    const closing = Promise.all([this.watcher?.close(), this.running]);
    if (await within(closing, graceMs)) await closing;
  }

  get dockerEventsConnected(): boolean {
    return this.eventsConnected;
  }

  trigger(trigger: Trigger): void {
    if (this.stopped) return;
    const refresh = REFRESH[trigger];
    this.pending = {
      refresh: wider(this.pending?.refresh ?? null, refresh),
      trigger: this.pending?.trigger ?? trigger,
    };
    if (this.debounceTimer) return;
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = null;
      void this.drain();
    }, this.opts.debounceMs ?? 20);
  }

  /** Waits until everything triggered so far has been evaluated. */
  async settled(): Promise<void> {
    while (this.debounceTimer || this.running || this.pending) {
      await (this.running ?? new Promise((r) => setTimeout(r, 5)));
    }
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    while (this.pending && !this.stopped) {
      const { refresh, trigger } = this.pending;
      this.pending = null;
      this.running = this.guarded(refresh, trigger);
      await this.running;
      this.running = null;
    }
  }

  /**
   * One evaluation under the watchdog: past its deadline it is abandoned (its result, if it ever comes, is
   * dropped) and the next trigger runs; a collect that never returns cannot stop the monitor.
   */
  private async guarded(refresh: Work, trigger: Trigger): Promise<void> {
    const attempt = { abandoned: false };
    const timeoutMs = this.opts.evaluationTimeoutMs ?? evaluationDeadlineMs(10_000);
    if (await within(this.evaluateOnce(refresh, trigger, attempt), timeoutMs)) return;
    attempt.abandoned = true;
    this.abandonedEvaluations++;
    this.opts.logger.warn('evaluation abandoned', {
      trigger,
      refresh,
      err: `not finished after ${timeoutMs} ms; the next trigger evaluates again`,
    });
    // Until the next trigger the last evaluation stands, and its timestamp shows its age.
  }

  private async evaluateOnce(
    refresh: Work,
    trigger: Trigger,
    attempt: { abandoned: boolean },
  ): Promise<void> {
    try {
      const started = performance.now();
      const facts = refresh === 'policy' ? this.latestFacts : await this.opts.collector.collect(refresh);
      const collected = performance.now();
      // Before the first evaluation there is nothing to judge again: the first one applies the policy anyway.
      if (!facts) return;
      if (attempt.abandoned) {
        this.opts.logger.debug('abandoned evaluation finished late; its result is dropped', { trigger });
        return;
      }
      const evaluator = await this.evaluator;
      const judging = performance.now();
      const evaluation = evaluator.evaluate(facts, this.opts.now, this.opts.waivers?.current);
      this.opts.logger.debug('evaluated', {
        trigger,
        refresh,
        collect_ms: Math.round(collected - started),
        evaluate_ms: Math.round(performance.now() - judging),
        controls_rerun: evaluator.lastStats.rerun,
      });
      this.latest = evaluation;
      this.latestFacts = facts;
      this.triggerCounts.set(trigger, (this.triggerCounts.get(trigger) ?? 0) + 1);
      if (this.watcher && evaluation.daemonConfigPath) await this.watcher.target(evaluation.daemonConfigPath);
      this.emit('evaluation', evaluation, trigger);
    } catch (e) {
      // evaluate() is total; reaching here means a bug, which must not stop the monitor.
      this.opts.logger.error('evaluation failed', { err: (e as Error).stack ?? String(e) });
    }
  }

  /**
   * chmod/chown do not always reach a file watcher, so every file the last evaluation stat'ed is compared with
   * what that evaluation saw: any difference, whatever triggered the evaluation before, means a new one.
   */
  private async pollStats(): Promise<void> {
    const facts = this.opts.collector.lastFacts;
    if (!facts || this.polling) return;
    this.polling = true;
    try {
      const seen = polledFiles(facts);
      // A stat that fails outright (not a missing file) is left to the next evaluation, never a trigger loop.
      const now = await Promise.all(seen.map((f) => orAbsent(statPath(this.opts.paths, f.path), f)));
      if (now.some((s, i) => !sameMetadata(s, seen[i]!))) this.trigger('file_change');
    } finally {
      this.polling = false;
    }
  }

  private async followEvents(firstAttemptDone: () => void): Promise<void> {
    const policy = { ...EVENTS_BACKOFF, ...this.opts.eventsBackoff };
    let backoff = policy.initialMs;
    let first = true;
    // While the stream is lost: since when, and how many reconnects failed (for the line saying it is back).
    let lostAt: number | null = null;
    let failedAttempts = 0;
    while (!this.stopped) {
      let connectedAt: number | null = null;
      const ended = new Promise<Error | null>((resolve) => {
        this.opts.api
          .followEvents((e) => {
            this.emit('dockerEvent', e);
            if (e.Type === 'daemon' || e.Type === 'network' || e.Type === 'plugin') {
              // A container joining or leaving a network changes nothing /info or the bridge report: the
              // container inventory handles those, without re-reading the daemon at every container start.
              const membership =
                e.Type === 'network' && (e.Action === 'connect' || e.Action === 'disconnect');
              if (!membership) this.trigger('docker_event');
            }
          }, resolve)
          .then(
            (stop) => {
              if (this.stopped) {
                stop();
                resolve(null);
                return;
              }
              this.stopEvents = stop;
              connectedAt = Date.now();
              this.eventsConnected = true;
              this.emit('dockerEventsConnection', true);
              if (lostAt !== null) {
                this.opts.logger.info('Docker events stream back', {
                  down_seconds: Math.round((Date.now() - lostAt) / 100) / 10,
                  failed_reconnects: failedAttempts,
                });
              }
              lostAt = null;
              failedAttempts = 0;
              // Events missed while disconnected are gone: resync what the API says now (the startup
              // evaluation does that for the first connection).
              if (!first) this.trigger('reconnect');
              first = false;
              firstAttemptDone();
            },
            (err: Error) => resolve(err),
          );
      });
      const err = await ended;
      first = false;
      firstAttemptDone();
      const wasConnected = this.eventsConnected;
      this.eventsConnected = false;
      this.stopEvents = null;
      if (wasConnected) this.emit('dockerEventsConnection', false);
      if (this.stopped) break;
      // Only a stream that stayed up a while proves the daemon is fine; one that drops at once (or never comes
      // up) backs off further, so a flapping stream cannot hammer the daemon with reconnects and resyncs.
      if (connectedAt !== null && Date.now() - connectedAt >= policy.resetAfterMs) backoff = policy.initialMs;
      const delay = jittered(backoff);
      if (wasConnected) {
        // One warning per loss; the attempts that fail until it is back are counted, not logged one by one.
        lostAt = Date.now();
        this.opts.logger.warn('Docker events stream lost', {
          err: err?.message ?? 'closed',
          retry_in_ms: delay,
        });
      } else {
        if (lostAt !== null) failedAttempts++;
        this.opts.logger.debug('docker events stream not connected', {
          err: err?.message ?? 'closed',
          retry_in_ms: delay,
        });
      }
      // The daemon may be gone: re-evaluate now so dockersec_up and API controls show it.
      if (wasConnected) this.trigger('reconnect');
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        t.unref();
        this.wakeEvents = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wakeEvents = null;
      backoff = Math.min(backoff * 2, policy.maxMs);
    }
  }
}
