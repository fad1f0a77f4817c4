// The container inventory: listed once, each container inspected once when it appears, then kept current by
// Docker events, with a re-list as a safety net: periodic (every container inspected again), and whenever the
// event stream broke (only containers that are new or whose list entry changed are inspected again).
// collect() only snapshots what is known, unless a resync is due: scrapes never reach Docker.
import { createHash } from 'node:crypto';
import {
  CONTAINER_STATES_IN_SCOPE,
  type ContainerFacts,
  type ContainerInventory,
  type DaemonSocket,
  inScope,
} from '../../facts/containers.js';
import { type Fact, factError, factOk } from '../../facts/types.js';
import type { Logger } from '../../log.js';
import { orAbsent } from '../absent.js';
import {
  type DockerApiClient,
  DockerApiError,
  type DockerEvent,
  type ListedContainer,
} from '../dockerApi/client.js';
import type { HostPaths } from '../hostPaths.js';
import { readProcFile } from '../procFiles.js';
import { daemonSockets } from './daemonSockets.js';
import { HostPathResolver } from './hostPathResolver.js';
import { isSshd, pickContainer, topListsSshd } from './pickContainer.js';
import { type ProcessScan, scanProcesses } from './processScan.js';

export interface InventoryOptions {
  readonly api: DockerApiClient;
  readonly paths: HostPaths;
  /** The unix socket --docker.host points at, if any. */
  readonly exporterSocket: string | null;
  /** Inspects in flight at once, so a resync of a big host does not flood dockerd (INSPECT_CONCURRENCY). */
  readonly concurrency?: number;
  /** What `docker start` or `docker exec` runs may exec sshd a moment later: look again after this long. */
  readonly followUpTopMs?: number;
  /** After a failed inspect, try a resync again after this long. */
  readonly retryMs?: number;
  readonly logger?: Logger;
}

interface Op {
  /** Ask for the process list too (sshd). */
  top: boolean;
  /** Tell onChange listeners when done: event-driven, not part of a resync. */
  notify: boolean;
  /** The resync's scan of /proc, which answers for the process list where it can (never for an event). */
  scan?: Promise<ProcessScan | null>;
}

/** A request merged into a queued one: a fresh process list wins over the resync's scan. */
function merge(queued: Op | undefined, op: Op): Op {
  if (!queued) return op;
  const fresh = (o: Op) => o.top && !o.scan;
  const scan = fresh(queued) || fresh(op) ? undefined : (op.scan ?? queued.scan);
  return { top: queued.top || op.top, notify: queued.notify || op.notify, ...(scan ? { scan } : {}) };
}

/**
 * Inspects in flight during a resync. Measured with bench/containers.ts (`inspect floor` rows) against a
 * sandboxed dockerd 20.10 with 1,000 containers on 2 cores: 1 in flight 4.5 s, 4 2.8 s, 8 3.2 s, 16 1.1 s,
 * 32 1.6 s (machine loaded); dockerd serves inspects from memory, so beyond 16 only queues grow.
 */
export const INSPECT_CONCURRENCY = 16;

/** Container events after which the inspect document may differ. */
const REINSPECT = new Set(['create', 'start', 'restart', 'die', 'pause', 'unpause', 'update', 'rename']);
/** Events after which new processes may run. */
const RELIST_PROCESSES = new Set(['start', 'restart', 'unpause', 'exec_start']);
const TOP_ARGS = '-eo pid,comm';

const digest = (s: string) => createHash('sha256').update(s.trim()).digest('base64');

/**
 * How dockerd describes the exec of a container's health check in its exec_start event: entrypoint and
 * arguments joined by spaces. Kept as a digest: a health command can hold a credential.
 */
function healthExecDigest(raw: Record<string, unknown>): string | null {
  const config = (raw.Config ?? {}) as { Healthcheck?: { Test?: unknown }; Shell?: unknown };
  const test = Array.isArray(config.Healthcheck?.Test) ? (config.Healthcheck.Test as string[]) : [];
  if (test[0] === 'CMD') return digest(test.slice(1).join(' '));
  if (test[0] !== 'CMD-SHELL' || test[1] === undefined) return null;
  const shell =
    Array.isArray(config.Shell) && config.Shell.length > 0 ? (config.Shell as string[]) : ['/bin/sh', '-c'];
  return digest([...shell, test[1]].join(' '));
}

const statusOf = (e: unknown): number | undefined => (e instanceof DockerApiError ? e.statusCode : undefined);
const pidOf = (state: { Pid?: number } | undefined): number =>
  typeof state?.Pid === 'number' ? state.Pid : 0;
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
/** The daemon gave no answer (deadline, cut off, refused, oversized, malformed): it will not answer the next one either. */
const noAnswer = (e: unknown): boolean => statusOf(e) === undefined;
/** What the list says of a container: when it differs from the last list, the container is inspected again. */
const listSignature = (c: ListedContainer): string => digest(JSON.stringify(c));

export class ContainerInventoryTracker {
  private readonly containers = new Map<string, ContainerFacts>();
  /** Latest operation number per container: a result from an older inspect is dropped. */
  private readonly generation = new Map<string, number>();
  private readonly pending = new Map<string, Op>();
  /** Ids in the order they were asked for; an id no longer pending (or in flight meanwhile) is skipped. */
  private queue: string[] = [];
  private queueHead = 0;
  private readonly inFlight = new Set<string>();
  private readonly failures = new Map<string, string>();
  /** Per container, the digest of its health check's exec description, to ignore health checks' exec events. */
  private readonly healthExecs = new Map<string, string>();
  /** Per container, its entry in the last list: a re-list after lost events inspects only what changed. */
  private readonly listed = new Map<string, string>();
  /** Why the daemon stopped answering during this resync: queued inspects fail at once instead of waiting each. */
  private broken: string | null = null;
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly resolver: HostPathResolver;
  private idleWaiters: (() => void)[] = [];
  private sequence = 0;
  /** Sequence number when the last successful list was asked for; 0 before the first. */
  private listedFrom = 0;
  private listError: string | null = null;
  /** Sequence number and reason of the last time events may have been lost. */
  private lostAt = 0;
  private lostReason = '';
  private syncedAt = 0;
  private sockets: DaemonSocket[] = [];
  private socketsPid: number | null | undefined;
  private resyncing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: InventoryOptions) {
    this.resolver = new HostPathResolver(opts.paths);
  }

  /** Called after an event changed what the inventory holds. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events may have been missed (the stream ended or came back): the next collect() re-lists everything. */
  markStale(reason: string): void {
    this.lostAt = ++this.sequence;
    this.lostReason = reason;
  }

  /** Why the inventory cannot be trusted now, or null. */
  get staleReason(): string | null {
    if (this.listError !== null) return this.listError;
    if (this.listedFrom === 0) return 'not listed yet';
    // Lost after the last list was asked for: that list may miss what the lost events said.
    if (this.lostAt > this.listedFrom) return this.lostReason;
    if (this.failures.size === 0) return null;
    const first = this.failures.values().next().value as string;
    return this.failures.size > 1 ? `${first} (and ${this.failures.size - 1} more)` : first;
  }

  get stale(): boolean {
    return this.staleReason !== null;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listeners.clear();
  }

  handleEvent(e: DockerEvent): void {
    if (this.closed) return;
    // "exec_start: sh -c ..." and "health_status: healthy" carry details after the colon.
    const action = (e.Action ?? '').split(':')[0]!.trim();
    if (e.Type === 'network') {
      const id = e.Actor?.Attributes?.container;
      if (id && (action === 'connect' || action === 'disconnect') && this.containers.has(id))
        this.request(id, { top: false, notify: true });
      return;
    }
    if (e.Type !== 'container') return;
    const id = e.Actor?.ID;
    if (!id) return;
    if (action === 'destroy') {
      this.forget(id);
      return;
    }
    if (action === 'exec_start') {
      // Health checks run as execs, every few seconds: they start no sshd, and must not cost a request each.
      const description = (e.Action ?? '').slice((e.Action ?? '').indexOf(':') + 1).trim();
      const health = this.healthExecs.get(id);
      if (health !== undefined && health === digest(description)) return;
    }
    const processes = RELIST_PROCESSES.has(action);
    if (!REINSPECT.has(action) && !(processes && this.containers.has(id))) return;
    this.request(id, { top: processes, notify: true });
    if (action === 'start' || action === 'restart' || action === 'exec_start') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.containers.has(id)) this.request(id, { top: true, notify: true });
      }, this.opts.followUpTopMs ?? 2_000);
      t.unref();
      this.timers.add(t);
    }
  }

  /**
   * The inventory as the controls see it. `full` re-lists and re-inspects every container; a stale inventory
   * is re-listed whatever `full` says, and only its new, changed or failed containers are inspected again.
   * `dockerdPid` locates the daemon's actual listening sockets; it may still be being found (a promise), so the
   * list and the inspects need not wait for the search through /proc.
   */
  async collect(opts: {
    full: boolean;
    dockerdPid: number | null | Promise<number | null>;
  }): Promise<Fact<ContainerInventory>> {
    if (opts.full || this.stale) {
      await this.resync(opts.dockerdPid, opts.full);
      // Marked stale while that resync ran (e.g. the stream came back after its list): list once more, unless
      // the daemon stopped answering (the next trigger tries again, without piling up requests now).
      if (this.stale && this.listError === null && this.broken === null)
        await this.resync(opts.dockerdPid, false);
    } else {
      const pid = await opts.dockerdPid;
      if (pid !== this.socketsPid) await this.refreshSockets(pid);
    }
    return this.snapshot();
  }

  snapshot(): Fact<ContainerInventory> {
    const stale = this.staleReason;
    if (stale !== null) return factError(`container inventory out of date: ${stale}`);
    const containers = [...this.containers.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    return factOk({ containers, daemonSockets: this.sockets, syncedAt: this.syncedAt });
  }

  private resync(dockerdPid: number | null | Promise<number | null>, full: boolean): Promise<void> {
    this.resyncing ??= this.doResync(dockerdPid, full).finally(() => {
      this.resyncing = null;
    });
    return this.resyncing;
  }

  private async doResync(dockerdPid: number | null | Promise<number | null>, full: boolean): Promise<void> {
    const listedFrom = ++this.sequence;
    this.broken = null;
    let list: ListedContainer[];
    try {
      list = await this.opts.api.listContainers({ status: [...CONTAINER_STATES_IN_SCOPE] });
    } catch (e) {
      this.listError = `listing containers failed: ${messageOf(e)}`;
      return;
    }
    // Before the failures are forgotten: a container whose last inspect failed is inspected again.
    const failed = new Set(this.failures.keys());
    this.listError = null;
    this.listedFrom = listedFrom;
    this.failures.clear();
    this.resolver.clear();
    const listed = new Map(list.map((c) => [c.Id, listSignature(c)]));
    // Anything an event touched since the list was asked for is newer than the list.
    for (const [id, gen] of this.generation) {
      if (!listed.has(id) && gen < listedFrom) {
        this.containers.delete(id);
        this.generation.delete(id);
        this.healthExecs.delete(id);
      }
    }
    for (const id of this.listed.keys()) if (!listed.has(id)) this.listed.delete(id);
    const changed = list.filter((c) => {
      const signature = listed.get(c.Id)!;
      const yes =
        full || failed.has(c.Id) || !this.containers.has(c.Id) || this.listed.get(c.Id) !== signature;
      this.listed.set(c.Id, signature);
      return yes;
    });
    // One pass over /proc answers for the process lists of all running containers at once.
    const live = changed.filter((c) => c.State === 'running' || c.State === 'paused').map((c) => c.Id);
    const scan =
      live.length > 1
        ? scanProcesses(this.opts.paths, new Set(live)).catch((e: unknown) => {
            // An unexpected /proc error: dockerd is asked for each process list instead.
            this.opts.logger?.warn('process scan failed', { err: messageOf(e) });
            return null;
          })
        : undefined;
    for (const c of changed) this.request(c.Id, { top: true, notify: false, ...(scan ? { scan } : {}) });
    await Promise.all([this.idle(), Promise.resolve(dockerdPid).then((pid) => this.refreshSockets(pid))]);
    this.syncedAt = Date.now();
  }

  private async refreshSockets(dockerdPid: number | null): Promise<void> {
    this.socketsPid = dockerdPid;
    this.sockets = await daemonSockets(this.opts.paths, this.resolver, this.opts.exporterSocket, dockerdPid);
  }

  private forget(id: string): void {
    this.generation.delete(id);
    this.healthExecs.delete(id);
    this.listed.delete(id);
    this.pending.delete(id);
    this.failures.delete(id);
    if (this.containers.delete(id)) this.changed();
  }

  private request(id: string, op: Op): void {
    this.generation.set(id, ++this.sequence);
    const queued = this.pending.get(id);
    this.pending.set(id, merge(queued, op));
    if (!queued) this.queue.push(id);
    this.pump();
  }

  /** Starts queued requests up to the limit, oldest first; a container already in flight waits for it. */
  private pump(): void {
    const limit = this.opts.concurrency ?? INSPECT_CONCURRENCY;
    this.compactQueue();
    while (this.inFlight.size < limit && this.queueHead < this.queue.length) {
      const id = this.queue[this.queueHead++]!;
      const op = this.pending.get(id);
      // Asked for again while in flight: queued once more when that one ends.
      if (!op || this.inFlight.has(id)) continue;
      this.pending.delete(id);
      this.inFlight.add(id);
      void this.refresh(id, op).finally(() => {
        this.inFlight.delete(id);
        if (this.pending.has(id)) this.queue.push(id);
        this.pump();
        if (this.inFlight.size === 0 && this.pending.size === 0) {
          this.queue = [];
          this.queueHead = 0;
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  private compactQueue(): void {
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.pending.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async refresh(id: string, op: Op): Promise<void> {
    const gen = this.generation.get(id);
    const outdated = () => this.closed || this.generation.get(id) !== gen;
    if (this.broken !== null) {
      // Another request of this round got no answer: this one is not sent, and the next resync asks again.
      this.fail(id, `inspecting ${id.slice(0, 12)} skipped: ${this.broken}`);
      return;
    }
    let raw: Record<string, unknown> | null;
    try {
      raw = await this.opts.api.inspectContainer(id);
    } catch (e) {
      if (noAnswer(e)) this.broken ??= messageOf(e);
      if (outdated()) return;
      if (statusOf(e) !== 404) {
        this.fail(id, `inspecting ${id.slice(0, 12)} failed: ${messageOf(e)}`);
        return;
      }
      raw = null;
    }
    if (outdated()) return;
    const stateRaw = raw ? (raw.State as { Status?: string; Pid?: number } | undefined) : undefined;
    const state = stateRaw?.Status ?? '';
    if (!raw || !inScope(state)) {
      this.failures.delete(id);
      this.healthExecs.delete(id);
      if (this.containers.delete(id) && op.notify) this.changed();
      return;
    }
    const previous = this.containers.get(id);
    const live = state === 'running' || state === 'paused';
    let sshd: boolean | null = live ? null : false;
    let processListError: string | null = null;
    if (live && !op.top && previous && (previous.state === 'running' || previous.state === 'paused')) {
      sshd = previous.sshd;
      processListError = previous.processListError;
    } else if (live) {
      const scanned = op.scan ? (await op.scan)?.commands(id, pidOf(stateRaw)) : null;
      if (scanned) sshd = scanned.some(isSshd);
      else ({ sshd, processListError } = await this.processes(id));
    }
    const pid = pidOf(stateRaw);
    const noNewPrivsProc = state === 'running' && pid > 0 ? this.noNewPrivs(pid, id) : null;
    const hostPaths = await this.bindHostPaths(raw);
    if (outdated()) return;
    const facts = pickContainer(raw, state, {
      hostPathOf: (source) => hostPaths.get(source) ?? null,
      noNewPrivsProc,
      sshd,
      processListError,
    });
    this.failures.delete(id);
    const health = healthExecDigest(raw);
    if (health) this.healthExecs.set(id, health);
    else this.healthExecs.delete(id);
    // An unchanged container keeps its object: the evaluation reuses its verdicts by identity.
    const same = previous !== undefined && JSON.stringify(previous) === JSON.stringify(facts);
    if (!same) this.containers.set(id, facts);
    if (op.notify && !same) this.changed();
  }

  /** sshd seen in `docker top`: host-side ps, nothing runs inside the container. */
  private async processes(id: string): Promise<{ sshd: boolean | null; processListError: string | null }> {
    const { api } = this.opts;
    try {
      return { sshd: topListsSshd(await api.topContainer(id, TOP_ARGS)), processListError: null };
    } catch (e) {
      // Stopped in the meantime: nothing runs in it.
      if (statusOf(e) === 409) return { sshd: false, processListError: null };
      if (e instanceof DockerApiError && noAnswer(e)) {
        // No answer at all (not ps refusing the arguments): asking again without them would wait as long.
        this.broken ??= e.message;
        return { sshd: null, processListError: e.message };
      }
      try {
        // A ps without -o (busybox) still answers the default `ps -ef`.
        return { sshd: topListsSshd(await api.topContainer(id)), processListError: null };
      } catch (e2) {
        if (statusOf(e2) === 409) return { sshd: false, processListError: null };
        return { sshd: null, processListError: messageOf(e2) };
      }
    }
  }

  /** NoNewPrivs of the container's init, read only when /proc/PID really is this container's process. */
  private noNewPrivs(pid: number, id: string): boolean | null {
    const { paths } = this.opts;
    // Gone or not ours to read: unknown, and the control says so.
    const cgroup = readProcFile(paths.proc(pid, 'cgroup'));
    const status = readProcFile(paths.proc(pid, 'status'));
    if (cgroup === null || status === null || !cgroup.includes(id)) return null;
    const m = /^NoNewPrivs:\s*(\d)/m.exec(status);
    return m ? m[1] === '1' : null;
  }

  private async bindHostPaths(raw: Record<string, unknown>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const mounts = Array.isArray(raw.Mounts) ? (raw.Mounts as { Type?: string; Source?: string }[]) : [];
    await Promise.all(
      mounts
        .filter((m) => m.Type === 'bind' && typeof m.Source === 'string' && m.Source.startsWith('/'))
        .map(async (m) => {
          out.set(m.Source!, await orAbsent(this.resolver.resolve(m.Source!), m.Source!));
        }),
    );
    return out;
  }

  /** A container whose facts are unknown makes the whole inventory unknown until a resync succeeds. */
  private fail(id: string, message: string): void {
    this.failures.set(id, message);
    this.opts.logger?.warn('container inventory incomplete', { err: message });
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.changed();
    }, this.opts.retryMs ?? 2_000);
    this.retryTimer.unref();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
