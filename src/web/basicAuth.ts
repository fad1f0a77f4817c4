// The toolkit's `basic_auth_users` check: Go's Request.BasicAuth() and a bcrypt verifier, hardened so that a
// flood of wrong passwords cannot starve a known-good scrape (see BasicAuthVerifier).
import { createHmac, randomBytes } from 'node:crypto';
import { BcryptWorker } from './bcryptWorker.js';

/**
 * The toolkit's bcrypt of "fakepassword": compared against for unknown users so that the response
 * time does not reveal which users exist.
 */
export const FAKE_BCRYPT_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

/** Why a check was refused without running bcrypt (a bounded set: it is a metric label). */
export type AuthThrottleReason = 'client_failures' | 'client_pending' | 'queue_full';
export const AUTH_THROTTLE_REASONS: readonly AuthThrottleReason[] = [
  'client_failures',
  'client_pending',
  'queue_full',
];

/** `ok` and `denied` are bcrypt's (or a cache's) answer; a throttle reason means no bcrypt ran. */
export type AuthOutcome = 'ok' | 'denied' | AuthThrottleReason;

export interface AuthLimits {
  /** Verified credentials remembered (LRU). Only a correct password can enter, so a flood cannot evict them. */
  successCacheSize: number;
  /** Wrong credentials remembered (LRU), so a client repeating one wrong password costs no bcrypt. */
  failureCacheSize: number;
  /** bcrypt checks one client may have queued or running at once; more are refused at once. */
  perClientPending: number;
  /** Failed checks one client may make at once (a token bucket's burst)... */
  perClientFailureBurst: number;
  /** ...and then one more per this interval. */
  perClientFailureIntervalMs: number;
  /** bcrypt checks queued over all clients; more are refused at once, so an accepted one waits a bounded time. */
  maxQueued: number;
  /** Clients whose budget is remembered (LRU); a client with a check in flight is never forgotten. */
  maxClients: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  successCacheSize: 1024,
  failureCacheSize: 1024,
  perClientPending: 2,
  perClientFailureBurst: 10,
  perClientFailureIntervalMs: 1000,
  maxQueued: 64,
  maxClients: 4096,
};

/** A client: an IPv4 address, or the /64 of an IPv6 address (one host usually holds the whole /64). */
export function clientKey(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped) return mapped[1]!;
  if (!remoteAddress.includes(':')) return remoteAddress;
  const [head = '', tail = ''] = remoteAddress.toLowerCase().split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = remoteAddress.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A token bucket that may go into debt: failures are charged when bcrypt has answered, not before. */
class FailureBudget {
  private tokens: number;
  private last = performance.now();
  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
  ) {
    this.tokens = burst;
  }
  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
  }
  available(): boolean {
    this.refill();
    return this.tokens >= 1;
  }
  charge(): void {
    this.refill();
    this.tokens -= 1;
  }
}

interface ClientState {
  pending: number;
  failures: FailureBudget;
}

/**
 * bcrypt runs one at a time, and the next one is always from the client served longest ago (one never served
 * first): a client's backlog never runs ahead of another client's first check.
 */
class FairQueue {
  private readonly lanes = new Map<string, { jobs: (() => Promise<void>)[]; served: number }>();
  private queued = 0;
  private turns = 0;
  private running = false;

  get length(): number {
    return this.queued;
  }

  push(lane: string, job: () => Promise<void>): void {
    const existing = this.lanes.get(lane);
    if (existing) existing.jobs.push(job);
    else this.lanes.set(lane, { jobs: [job], served: 0 });
    this.queued++;
    if (!this.running) void this.pump();
  }

  private next(): (() => Promise<void>) | undefined {
    let pick: { jobs: (() => Promise<void>)[]; served: number } | undefined;
    for (const [name, lane] of this.lanes) {
      if (lane.jobs.length === 0) this.lanes.delete(name);
      else if (!pick || lane.served < pick.served) pick = lane;
    }
    if (!pick) return undefined;
    pick.served = ++this.turns;
    this.queued--;
    return pick.jobs.shift();
  }

  private async pump(): Promise<void> {
    this.running = true;
    for (let job = this.next(); job; job = this.next()) await job(); // jobs never reject
    this.running = false;
  }
}

function remember(lru: Map<string, true>, key: string, size: number): void {
  lru.delete(key);
  lru.set(key, true);
  if (lru.size > size) lru.delete(lru.keys().next().value!);
}

interface InFlight {
  promise: Promise<AuthOutcome>;
  /** Whether anyone still waits for the answer; a check nobody waits for is skipped. */
  waiting: (() => boolean)[];
}

export type BcryptCompare = (password: string, hash: string) => Promise<boolean>;

/**
 * Basic-auth checks that a flood of wrong passwords cannot starve:
 * - a verified user+password is remembered under an HMAC with a per-process random key (never the password),
 *   in a cache only correct passwords can enter, and answered without waiting for any bcrypt;
 * - bcrypt runs one at a time, off the main thread, in turns between clients (remote address, IPv6 by /64),
 *   behind a bounded queue;
 * - a client with `perClientPending` checks in flight, or out of its failure budget, is refused at once (429)
 *   without a bcrypt run; identical concurrent checks share one run;
 * - unknown users are checked against the toolkit's fake hash, so they take as long as known ones.
 */
export class BasicAuthVerifier {
  private readonly limits: AuthLimits;
  private readonly secret = randomBytes(32);
  private readonly successes = new Map<string, true>();
  private readonly failures = new Map<string, true>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly clients = new Map<string, ClientState>();
  private readonly queue = new FairQueue();
  private readonly compare: BcryptCompare;
  private readonly worker: BcryptWorker | undefined;

  /** `compare` defaults to bcrypt in a worker thread (bcryptWorker.ts); tests pass their own. */
  constructor(limits: Partial<AuthLimits> = {}, compare?: BcryptCompare) {
    this.limits = { ...DEFAULT_AUTH_LIMITS, ...limits };
    if (compare) this.compare = compare;
    else {
      const worker = new BcryptWorker();
      this.worker = worker;
      this.compare = (p, h) => worker.compare(p, h);
    }
  }

  /** Stops the bcrypt worker, if any. */
  close(): Promise<void> {
    return this.worker?.close() ?? Promise.resolve();
  }

  /** bcrypt checks waiting for their turn (not counting the one running). */
  get queued(): number {
    return this.queue.length;
  }

  verify(
    users: ReadonlyMap<string, string>,
    user: string,
    password: string,
    client: string,
    stillWaiting: () => boolean = () => true,
  ): Promise<AuthOutcome> {
    const known = users.get(user);
    const hash = known ?? FAKE_BCRYPT_HASH;
    // Each part hex-encoded before joining, so no user/password split can collide (CVE-2022-46146); the hash
    // is part of the key so that a reload changing it forgets the old answers.
    const key = createHmac('sha256', this.secret)
      .update([user, hash, password].map((p) => Buffer.from(p).toString('hex')).join(':'))
      .digest('base64');
    if (known !== undefined && this.successes.has(key)) {
      remember(this.successes, key, this.limits.successCacheSize);
      return Promise.resolve('ok');
    }
    if (this.failures.has(key)) return Promise.resolve('denied');
    const running = this.inFlight.get(key);
    if (running) {
      running.waiting.push(stillWaiting);
      return running.promise;
    }
    const state = this.clientState(client);
    if (!state.failures.available()) return Promise.resolve('client_failures');
    if (state.pending >= this.limits.perClientPending) return Promise.resolve('client_pending');
    if (this.queue.length >= this.limits.maxQueued) return Promise.resolve('queue_full');

    state.pending++;
    let settle!: (outcome: AuthOutcome | Error) => void;
    const promise = new Promise<AuthOutcome>((resolve, reject) => {
      settle = (o) => (o instanceof Error ? reject(o) : resolve(o));
    });
    const entry: InFlight = { promise, waiting: [stillWaiting] };
    this.inFlight.set(key, entry);
    this.queue.push(client, async () => {
      try {
        if (!entry.waiting.some((w) => w())) {
          settle('denied'); // nobody reads it: neither cached nor charged
          return;
        }
        const ok = (await this.compare(password, hash)) && known !== undefined;
        if (ok) remember(this.successes, key, this.limits.successCacheSize);
        else {
          remember(this.failures, key, this.limits.failureCacheSize);
          state.failures.charge();
        }
        settle(ok ? 'ok' : 'denied');
      } catch (err) {
        settle(err instanceof Error ? err : new Error(String(err)));
      } finally {
        state.pending--;
        this.inFlight.delete(key);
      }
    });
    return promise;
  }

  private clientState(client: string): ClientState {
    let state = this.clients.get(client);
    if (state) {
      this.clients.delete(client);
      this.clients.set(client, state);
      return state;
    }
    state = {
      pending: 0,
      failures: new FailureBudget(this.limits.perClientFailureBurst, this.limits.perClientFailureIntervalMs),
    };
    this.clients.set(client, state);
    if (this.clients.size > this.limits.maxClients) {
      // Forget the least recently seen client with nothing in flight (its budget is lost, not its checks).
      for (const [name, s] of this.clients) {
        if (s.pending === 0 && name !== client) {
          this.clients.delete(name);
          break;
        }
      }
    }
    return state;
  }
}

/** Go's Request.BasicAuth(). */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const b64 = header.slice(6);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}
