// Keeps the evaluation current: daemon.json watch, Docker events (with reconnect), a cheap stat poll for
// permission changes, and a periodic full resync as a safety net. Scrapes only ever read `latest`.
import { EventEmitter } from 'node:events';
import type { ControlDefinition } from '../controls/types.js';
import type { Logger } from '../log.js';
import { orAbsent } from '../sources/absent.js';
import { ConfigWatcher } from '../sources/configWatcher.js';
import type { DockerApiClient, DockerEvent } from '../sources/dockerApi/client.js';
import { statPath } from '../sources/fileStats.js';
import type { HostPaths } from '../sources/hostPaths.js';
import type { FactCollector, Refresh } from './collector.js';
import { evaluate } from './evaluate.js';
import { polledFiles, sameMetadata } from './polledFiles.js';
import type { Evaluation } from './types.js';

export type Trigger =
  | 'startup'
  | 'config_change'
  | 'file_change'
  | 'docker_event'
  | 'container_event'
  | 'reconnect'
  | 'resync';

export interface MonitorOptions {
  readonly collector: FactCollector;
  readonly api: DockerApiClient;
  readonly catalog: readonly ControlDefinition[];
  readonly paths: HostPaths;
  readonly logger: Logger;
  readonly resyncIntervalMs: number;
  readonly statPollIntervalMs: number;
  /** Coalesces bursts (an editor's write + rename) into one evaluation. */
  readonly debounceMs?: number;
}

const REFRESH: Record<Trigger, Refresh> = {
  startup: 'all',
  resync: 'all',
  config_change: 'config',
  file_change: 'config',
  docker_event: 'api',
  container_event: 'containers',
  reconnect: 'api',
};

/**
 * Two pending refreshes of different sources together mean refreshing everything; every refresh snapshots
 * the container inventory, so 'containers' adds nothing to another one.
 */
const wider = (a: Refresh | null, b: Refresh): Refresh => {
  if (a === null || a === b || a === 'containers') return b;
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
  private pending: { refresh: Refresh; trigger: Trigger } | null = null;
  private running: Promise<void> | null = null;
  private debounceTimer: NodeJS.Timeout | null = null;
  private timers: NodeJS.Timeout[] = [];
  private watcher: ConfigWatcher | null = null;
  private stopEvents: (() => void) | null = null;
  private stopped = false;
  private polling = false;
  private eventsConnected = false;

  private readonly firstConnect: Promise<void>;

  constructor(private readonly opts: MonitorOptions) {
    super();
    let connected: () => void = () => {};
    this.firstConnect = new Promise<void>((r) => {
      connected = r;
    });
    void this.followEvents(connected);
  }

  /** The first evaluation is complete when this resolves. */
  async start(): Promise<Evaluation> {
    // Subscribe before the first evaluation so no event falls between it and the stream; waits at most 2 s.
    await Promise.race([this.firstConnect, new Promise((r) => setTimeout(r, 2_000).unref())]);
    await this.runNow('startup');
    const first = this.latest!;
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

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.debounceTimer) clearTimeout(this.debounceTimer);
    this.stopEvents?.();
    await this.watcher?.close();
    await this.running;
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
      this.running = this.evaluateOnce(refresh, trigger);
      await this.running;
      this.running = null;
    }
  }

  private async runNow(trigger: Trigger): Promise<void> {
    await this.evaluateOnce(REFRESH[trigger], trigger);
  }

  private async evaluateOnce(refresh: Refresh, trigger: Trigger): Promise<void> {
    try {
      const facts = await this.opts.collector.collect(refresh);
      const evaluation = evaluate(facts, this.opts.catalog);
      this.latest = evaluation;
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
    let backoff = 250;
    let first = true;
    while (!this.stopped) {
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
              this.stopEvents = stop;
              this.eventsConnected = true;
              this.emit('dockerEventsConnection', true);
              backoff = 250;
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
      this.opts.logger.debug('docker events stream ended', { err: err?.message ?? 'closed' });
      // The daemon may be gone: re-evaluate now so dockersec_up and API controls show it.
      this.trigger('reconnect');
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 2000);
    }
  }
}
