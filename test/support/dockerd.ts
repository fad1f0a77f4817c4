// Sandboxed dockerd daemons for integration tests.
//
// Each daemon gets its own directory /tmp/dockersec-test-XXXXXX holding daemon.json, data root, exec root,
// pidfile, socket and log, so it never touches the host's /var/run/docker.sock, /var/lib/docker or
// /etc/docker. Isolation beyond the directory:
// - Mount namespace: dockerd runs in a private (slave) mount namespace where a per-daemon directory is
//   bound over /etc/docker, because dockerd 20.10 writes its trust key to /etc/docker/key.json whatever the
//   flags say. Overlay and netns mounts also stay in that namespace and vanish with its last process.
// - Network namespace: unless the daemon must be reachable over TCP from the test (`hosts` with tcp://, or
//   `hostNetwork: true`), it runs in a network namespace of its own, so bridge daemons (icc tests) get their
//   own docker0 and iptables and can run in parallel. A daemon in the host network namespace that uses
//   iptables holds a cross-process lock for its lifetime, and the host's iptables and docker0 are put back
//   as they were when it stops.
// Only flags whose key the config (or `args`) does not already set are added, since dockerd refuses a key
// given both ways, and the exporter under test reads both. Flags and config are re-read at every start(),
// so writeConfig() + restart() may move hosts, bridge or iptables between flags and file.
//
// Usage notes:
// - startDaemon() = createDaemon() + start(); createDaemon() alone suits configs that name the daemon's own
//   dir (`hosts: ['unix://' + d.socketPath, 'tcp://...']`) or tests expecting start() to fail.
// - stop() is dockerd's own graceful shutdown: a running container whose PID 1 ignores SIGTERM (busybox
//   sleep) costs its 10 s stop timeout, so remove containers first or run them with --init. With
//   live-restore, stop() leaves shims and containers running for the next start(). destroy() kills
//   containers first and is always fast.
// - Beyond the agreed API: request() (Engine API over the daemon's endpoint), logTail(), logPath, netns,
//   reload() resolving with dockerd's logged outcome, docker(args, { input }).
// - DOCKERSEC_TEST_LOG_DIR=DIR keeps each daemon's log there after destroy() (CI post-mortems).
// - Sandboxes of test processes killed with SIGKILL are reaped by the next process that creates a daemon.
// - Releases (issue 13): DOCKERD_RELEASE=20.10|26.1|28.5 (or the `release` option) picks the dockerd under
//   test. 20.10 is bookworm's installed one; 26.1 (trixie) and 28.5 (sid) are unpacked by
//   scripts/dockerd-releases.sh into /var/cache/dockersec-releases/<release>/bin, which holds only dockerd,
//   docker-proxy, containerd and containerd-shim-runc-v2 and goes first on PATH: runc stays bookworm's
//   /usr/sbin/runc (the newer runc needs glibc 2.38).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { constants as osConstants } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { buildBusyboxTar, DEFAULT_BUSYBOX_TAG } from './busybox.js';
import {
  deleteNetns,
  isAlive,
  killSync,
  netnsExists,
  netnsNameFor,
  reapStaleSandboxes,
  SANDBOX_PREFIX,
  SANDBOX_ROOT,
  sandboxProcesses,
  teardownSandboxSync,
  unmountUnder,
  writeOwner,
} from './cleanup.js';
import { acquireFileLock, type FileLock } from './lock.js';

export const DOCKERD_PATH = '/usr/sbin/dockerd';
/** The release bookworm installs as /usr/sbin/dockerd. */
export const SYSTEM_RELEASE = '20.10';
export const KNOWN_TEST_RELEASES = ['20.10', '26.1', '28.5'] as const;
/** What each release under test answers, measured: Engine API version of /_ping and /version. */
export const RELEASE_API_VERSION: Readonly<Record<string, string>> = {
  '20.10': '1.41',
  '26.1': '1.45',
  '28.5': '1.51',
};
export const RELEASES_DIR = process.env.DOCKERSEC_RELEASES_DIR ?? '/var/cache/dockersec-releases';
const DOCKER_CLI_CANDIDATES = ['/usr/local/bin/docker', '/usr/bin/docker'];
const HOST_NETWORK_LOCK = '/tmp/dockersec-hostnet.lock';
const UNIX_SOCKET_PATH_MAX = 107;
const DEFAULT_START_TIMEOUT_MS = 60_000;
// dockerd gives running containers their stop timeout (10 s) on shutdown; leave room for that.
const STOP_TIMEOUT_MS = 30_000;
// Variables dockerd or the docker CLI read as defaults (dockerd takes --tlsverify from DOCKER_TLS_VERIFY);
// inherited values from the test's environment would silently change the daemon under test.
const DOCKER_ENV = [
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
];

export type DaemonConfig = Record<string, unknown> | string;

export interface SandboxDaemonOptions {
  /** daemon.json content: an object is written as JSON, a string verbatim (may be broken on purpose). */
  config?: DaemonConfig;
  /** Extra dockerd flags, e.g. ['--icc=false', '--no-new-privileges']. */
  args?: string[];
  /** A real default bridge and iptables (icc tests). Default: `--bridge=none --iptables=false`. */
  bridge?: boolean;
  /**
   * Run in the host network namespace. Default: only when the daemon listens on tcp://. `false` keeps a
   * namespace of its own even then, for a TCP listener on an address the caller routed into it (a veth
   * pair made before start(), in the namespace named netnsNameFor(dir)).
   */
  hostNetwork?: boolean;
  /** Extra environment for dockerd. */
  env?: Record<string, string>;
  /** dockerd release under test ('20.10', '26.1', '28.5'); default $DOCKERD_RELEASE, else 20.10. */
  release?: string;
  startTimeoutMs?: number;
}

export interface DockerResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = unknown>(): T;
}

export interface ReloadResult {
  /** From dockerd's log: 'unknown' when its log level hides the outcome. */
  outcome: 'reloaded' | 'failed' | 'unknown';
  message: string;
}

export interface SandboxDaemon {
  readonly dir: string;
  /** The dockerd release running in it ('20.10', '26.1', '28.5'). */
  readonly release: string;
  /** Unix socket of the daemon ('' when it listens on TCP only). */
  readonly socketPath: string;
  readonly configPath: string;
  readonly logPath: string;
  /** Endpoint the helpers use: the first unix:// listener, else the first tcp:// one. */
  readonly host: string;
  /** Current dockerd pid, null while stopped. */
  readonly pid: number | null;
  /** Network namespace dockerd runs in (`ip netns exec NAME ...`), null for the host's. */
  readonly netns: string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** SIGHUP, resolved once dockerd logged the outcome. */
  reload(): Promise<ReloadResult>;
  writeConfig(config: DaemonConfig): Promise<void>;
  docker(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): Promise<DockerResult>;
  /** HTTP request to the Engine API at `host`. */
  request(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  importBusybox(tag?: string): Promise<string>;
  /** dockerd's log since the last start, without containerd's gRPC chatter. */
  logTail(lines?: number): string;
  destroy(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------
// Environment checks

export function findExecutable(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      // keep looking
    }
  }
  return null;
}

function dockerCliPath(): string | null {
  for (const p of DOCKER_CLI_CANDIDATES) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return findExecutable('docker');
}

/** The release under test: $DOCKERD_RELEASE, else bookworm's 20.10. */
export function testRelease(): string {
  return process.env.DOCKERD_RELEASE?.trim() || SYSTEM_RELEASE;
}

/** Folder holding that release's dockerd, docker-proxy, containerd and shim; null for the system's 20.10. */
export function releaseBinDir(release = testRelease()): string | null {
  return release === SYSTEM_RELEASE ? null : join(RELEASES_DIR, release, 'bin');
}

export function dockerdPathFor(release = testRelease()): string {
  const dir = releaseBinDir(release);
  return dir ? join(dir, 'dockerd') : DOCKERD_PATH;
}

/** PATH for a dockerd of `release`: its own binaries first, then the system's (runc from /usr/sbin). */
export function releasePath(release = testRelease(), base = process.env.PATH ?? ''): string {
  const dir = releaseBinDir(release);
  const system = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return [dir, base || system].filter(Boolean).join(delimiter);
}

/** Why sandboxed daemons cannot run on this machine, or null when they can. Use as a test `skip` reason. */
export function dockerdUnavailableReason(release = testRelease()): string | null {
  if (process.platform !== 'linux') return 'sandboxed dockerd needs Linux';
  if (process.getuid?.() !== 0) return 'sandboxed dockerd needs root';
  if (!(KNOWN_TEST_RELEASES as readonly string[]).includes(release))
    return `DOCKERD_RELEASE=${release} is not one of ${KNOWN_TEST_RELEASES.join(', ')}`;
  const dockerd = dockerdPathFor(release);
  try {
    accessSync(dockerd, constants.X_OK);
  } catch {
    return release === SYSTEM_RELEASE
      ? `${DOCKERD_PATH} not found (apt-get install docker.io)`
      : `${dockerd} not found (run scripts/dockerd-releases.sh ${release} as root)`;
  }
  if (!dockerCliPath()) return 'docker CLI not found (apt-get install docker.io)';
  for (const tool of ['ip', 'nsenter', 'unshare', 'mount', 'umount', 'flock', 'tar']) {
    if (!findExecutable(tool)) return `${tool} not found`;
  }
  return null;
}

export function canRunDockerd(): boolean {
  return dockerdUnavailableReason() === null;
}

// ---------------------------------------------------------------------------------------------------------
// Launch plan: which flags to add, where dockerd listens, which network namespace

type Endpoint =
  | { kind: 'unix'; url: string; path: string }
  | { kind: 'tcp'; url: string; host: string; port: number };

interface LaunchPlan {
  argv: string[];
  endpoints: Endpoint[];
  hostNetwork: boolean;
  /** In the host netns with iptables on: serialize with other such daemons and restore iptables after. */
  hostLock: boolean;
  /** Bridge dockerd may create in the host netns, to delete again if it was not there before. */
  hostBridge: string | null;
  liveRestore: boolean;
}

function flagIsSet(args: string[], long: string, short?: string): boolean {
  return args.some(
    (a) =>
      a === `--${long}` ||
      a.startsWith(`--${long}=`) ||
      (short !== undefined && !a.startsWith('--') && a.startsWith(`-${short}`)),
  );
}

function flagValues(args: string[], long: string, short?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${long}` || (short !== undefined && a === `-${short}`)) {
      if (args[i + 1] !== undefined) out.push(args[++i]!);
    } else if (a.startsWith(`--${long}=`)) out.push(a.slice(long.length + 3));
    else if (short !== undefined && !a.startsWith('--') && a.startsWith(`-${short}`)) out.push(a.slice(2));
  }
  return out;
}

function boolFlag(args: string[], long: string): boolean | undefined {
  let value: boolean | undefined;
  for (const a of args) {
    if (a === `--${long}`) value = true;
    else if (a.startsWith(`--${long}=`)) value = a.slice(long.length + 3) !== 'false';
  }
  return value;
}

function parseConfig(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function serializeConfig(config: DaemonConfig): string {
  return typeof config === 'string' ? config : `${JSON.stringify(config, null, 2)}\n`;
}

function parseEndpoint(url: string): Endpoint | null {
  if (url.startsWith('unix://')) return { kind: 'unix', url, path: url.slice('unix://'.length) };
  const m = /^tcp:\/\/(\[[^\]]*\]|[^:/]*)(?::(\d+))?/.exec(url);
  if (!m) return null;
  let host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return { kind: 'tcp', url, host, port: Number(m[2] ?? 2375) };
}

function planLaunch(
  dir: string,
  configPath: string,
  configText: string,
  opts: SandboxDaemonOptions,
): LaunchPlan {
  const args = opts.args ?? [];
  const cfg = parseConfig(configText);
  const has = (key: string, short?: string): boolean =>
    (cfg !== null && key in cfg) || flagIsSet(args, key, short);
  const argv = [`--config-file=${configPath}`];
  if (!has('data-root') && !has('graph', 'g')) argv.push('--data-root', join(dir, 'root'));
  if (!has('exec-root')) argv.push('--exec-root', join(dir, 'exec'));
  if (!has('pidfile', 'p')) argv.push('--pidfile', join(dir, 'dockerd.pid'));

  let hosts: string[];
  if (has('hosts') || flagIsSet(args, 'host', 'H')) {
    const fromConfig = Array.isArray(cfg?.hosts)
      ? cfg.hosts.filter((h): h is string => typeof h === 'string')
      : [];
    hosts = [...fromConfig, ...flagValues(args, 'host', 'H')];
  } else {
    hosts = [`unix://${join(dir, 'docker.sock')}`];
    argv.push('-H', hosts[0]!);
  }
  // An empty `hosts` or the default socket would make dockerd take over the host's own Docker endpoint.
  if (hosts.length === 0 || hosts.some((h) => /^(fd:|unix:\/\/\/(var\/)?run\/docker\.sock$)/.test(h))) {
    throw new Error(
      `refusing to start a sandboxed dockerd on the host's Docker endpoint (hosts: ${JSON.stringify(hosts)})`,
    );
  }
  const endpoints = hosts.map(parseEndpoint).filter((e): e is Endpoint => e !== null);
  for (const e of endpoints) {
    if (e.kind === 'unix' && Buffer.byteLength(e.path) > UNIX_SOCKET_PATH_MAX) {
      throw new Error(`unix socket path longer than ${UNIX_SOCKET_PATH_MAX} bytes: ${e.path}`);
    }
  }

  // The caller's flags go after ours; no flag above is added when the caller sets its key.
  argv.push(...args);

  const iccOff = cfg?.icc === false || boolFlag(args, 'icc') === false;
  if (!opts.bridge) {
    // A bridge IP without a bridge is a contradiction dockerd rejects, so a config with `bip` gets a bridge.
    if (!has('bridge', 'b') && !has('bip')) argv.push('--bridge=none');
    // icc=false is implemented with iptables; dockerd refuses it together with --iptables=false.
    if (!has('iptables') && !iccOff) argv.push('--iptables=false');
  }
  const iptablesOn =
    !argv.includes('--iptables=false') && cfg?.iptables !== false && boolFlag(args, 'iptables') !== false;
  const hostNetwork = opts.hostNetwork ?? endpoints.some((e) => e.kind === 'tcp');
  const bridgeNone =
    argv.includes('--bridge=none') ||
    cfg?.bridge === 'none' ||
    flagValues(args, 'bridge', 'b').includes('none');
  // A named bridge must exist before dockerd starts, so only the default one is dockerd's creation.
  const defaultBridge = !bridgeNone && !has('bridge', 'b');
  return {
    argv,
    endpoints,
    hostNetwork,
    hostLock: hostNetwork && iptablesOn,
    hostBridge: hostNetwork && defaultBridge ? 'docker0' : null,
    liveRestore: cfg?.['live-restore'] === true || boolFlag(args, 'live-restore') === true,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Host network state around a host-netns bridge daemon

interface HostNetSnapshot {
  iptables: string;
  tables: Set<string>;
  bridge: string | null;
  bridgeExisted: boolean;
}

function iptablesTables(save: string): Set<string> {
  return new Set(save.split('\n').flatMap((l) => (l.startsWith('*') ? [l.slice(1).trim()] : [])));
}

function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;
}

function snapshotHostNetwork(bridge: string | null): HostNetSnapshot {
  const save = spawnSync('iptables-save', [], { encoding: 'utf8' });
  const iptables = save.status === 0 ? save.stdout : '';
  return {
    iptables,
    tables: iptablesTables(iptables),
    bridge,
    bridgeExisted: bridge ? linkExists(bridge) : true,
  };
}

function restoreHostNetwork(s: HostNetSnapshot): void {
  const now = spawnSync('iptables-save', [], { encoding: 'utf8' });
  for (const table of iptablesTables(now.stdout ?? '')) {
    if (s.tables.has(table)) continue;
    spawnSync('iptables', ['-t', table, '-F'], { stdio: 'ignore' });
    spawnSync('iptables', ['-t', table, '-X'], { stdio: 'ignore' });
  }
  if (s.iptables)
    spawnSync('iptables-restore', [], { input: s.iptables, stdio: ['pipe', 'ignore', 'ignore'] });
  if (s.bridge && !s.bridgeExisted && linkExists(s.bridge)) {
    spawnSync('ip', ['link', 'delete', s.bridge], { stdio: 'ignore' });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small async helpers

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves true when `p` settles within `ms`, false otherwise; never leaves a timer behind. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function httpRequest(
  endpoint: Endpoint,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 30_000,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const target =
      endpoint.kind === 'unix' ? { socketPath: endpoint.path } : { host: endpoint.host, port: endpoint.port };
    const req = http.request(
      {
        ...target,
        method,
        path,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function answers(endpoint: Endpoint): Promise<boolean> {
  try {
    const res = await httpRequest(endpoint, 'GET', '/_ping', undefined, 1000);
    // A TLS listener answers plain HTTP with 400 "Client sent an HTTP request to an HTTPS server": it is up.
    return res.status === 200 || (res.status === 400 && endpoint.kind === 'tcp' && /HTTPS/i.test(res.body));
  } catch {
    return false;
  }
}

/** Engine API request over a unix socket, for daemons this harness did not start (rootlessDaemon.ts). */
export function unixSocketRequest(
  socketPath: string,
  method: string,
  path: string,
  timeoutMs?: number,
): Promise<ApiResponse> {
  return httpRequest(
    { kind: 'unix', url: `unix://${socketPath}`, path: socketPath },
    method,
    path,
    undefined,
    timeoutMs,
  );
}

// ---------------------------------------------------------------------------------------------------------
// The daemon

interface Run {
  child: ChildProcess;
  pid: number;
  plan: LaunchPlan;
  exited: Promise<void>;
  done: boolean;
  lock: FileLock | null;
  snapshot: HostNetSnapshot | null;
}

const live = new Set<Daemon>();

class Daemon implements SandboxDaemon {
  readonly dir: string;
  readonly configPath: string;
  readonly logPath: string;
  private readonly opts: SandboxDaemonOptions;
  readonly release: string;
  private run: Run | null = null;
  private logOffset = 0;
  private netnsName: string | null = null;
  private destroying: Promise<void> | null = null;

  constructor(dir: string, opts: SandboxDaemonOptions) {
    this.dir = dir;
    this.opts = opts;
    this.release = opts.release ?? testRelease();
    this.configPath = join(dir, 'daemon.json');
    this.logPath = join(dir, 'dockerd.log');
  }

  private currentPlan(): LaunchPlan {
    if (this.run) return this.run.plan;
    return planLaunch(this.dir, this.configPath, readFileSync(this.configPath, 'utf8'), this.opts);
  }

  private primaryEndpoint(): Endpoint {
    const eps = this.currentPlan().endpoints;
    const ep = eps.find((e) => e.kind === 'unix') ?? eps[0];
    if (!ep) throw new Error('daemon has no unix:// or tcp:// listener');
    return ep;
  }

  get socketPath(): string {
    const ep = this.currentPlan().endpoints.find((e) => e.kind === 'unix');
    return ep?.kind === 'unix' ? ep.path : '';
  }

  get host(): string {
    return this.primaryEndpoint().url;
  }

  get pid(): number | null {
    return this.run && !this.run.done ? this.run.pid : null;
  }

  get netns(): string | null {
    return this.run && !this.run.plan.hostNetwork ? this.netnsName : null;
  }

  logTail(lines = 30): string {
    let text = '';
    try {
      const buf = readFileSync(this.logPath);
      text = buf.subarray(Math.min(this.logOffset, buf.length)).toString('utf8');
    } catch {
      return '(no dockerd log)';
    }
    return text
      .split('\n')
      .filter((l) => l !== '' && !l.includes('module=grpc'))
      .slice(-lines)
      .join('\n');
  }

  private launchCommand(plan: LaunchPlan): { cmd: string; args: string[] } {
    const dockerd = [dockerdPathFor(this.release), ...plan.argv];
    // The bind needs an existing mount point; docker.io ships /etc/docker, so it is missing only on hosts
    // where dockerd never ran, and then there is no host state to protect in it.
    const inner = existsSync('/etc/docker')
      ? ['sh', '-c', 'mount --bind "$0" /etc/docker && exec "$@"', join(this.dir, 'etc-docker'), ...dockerd]
      : dockerd;
    // Every wrapper execs the next, so the spawned pid ends up being dockerd's.
    const unshare = ['--mount', '--propagation', 'slave', '--', ...inner];
    if (plan.hostNetwork) return { cmd: 'unshare', args: unshare };
    return { cmd: 'nsenter', args: [`--net=/run/netns/${this.netnsName}`, '--', 'unshare', ...unshare] };
  }

  private ensureNetns(): void {
    this.netnsName ??= netnsNameFor(this.dir);
    if (netnsExists(this.netnsName)) return;
    const add = spawnSync('ip', ['netns', 'add', this.netnsName], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`ip netns add ${this.netnsName} failed: ${add.stderr}`);
    // Containers with --network host share this namespace and expect a working loopback.
    spawnSync('ip', ['-n', this.netnsName, 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
  }

  async start(): Promise<void> {
    if (this.destroying) throw new Error(`daemon in ${this.dir} was destroyed`);
    if (this.run && !this.run.done) return;
    const configText = readFileSync(this.configPath, 'utf8');
    const plan = planLaunch(this.dir, this.configPath, configText, this.opts);
    await mkdir(join(this.dir, 'etc-docker'), { recursive: true });
    if (!plan.hostNetwork) this.ensureNetns();
    let lock: FileLock | null = null;
    let snapshot: HostNetSnapshot | null = null;
    if (plan.hostLock) {
      lock = await acquireFileLock(HOST_NETWORK_LOCK);
      snapshot = snapshotHostNetwork(plan.hostBridge);
    }
    this.logOffset = existsSync(this.logPath) ? statSync(this.logPath).size : 0;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of DOCKER_ENV) delete env[k];
    env.PATH = releasePath(this.release, env.PATH);
    Object.assign(env, this.opts.env);
    const { cmd, args } = this.launchCommand(plan);
    const logFd = openSync(this.logPath, 'a');
    let child: ChildProcess;
    try {
      // Own session: a Ctrl-C on the terminal reaches the test process, whose handler tears down in order.
      child = spawn(cmd, args, { detached: true, stdio: ['ignore', logFd, logFd], env });
    } finally {
      closeSync(logFd);
    }
    child.unref();
    const run: Run = {
      child,
      pid: child.pid ?? -1,
      plan,
      done: false,
      lock,
      snapshot,
      exited: new Promise<void>((resolve) => {
        const finish = (): void => {
          run.done = true;
          resolve();
        };
        child.once('exit', finish);
        child.once('error', finish);
      }),
    };
    this.run = run;
    try {
      await this.waitReady(run, this.opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    } catch (err) {
      await this.halt(run, 0);
      throw err;
    }
  }

  private async waitReady(run: Run, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (run.done) {
        const how =
          run.child.exitCode !== null ? `exit code ${run.child.exitCode}` : `${run.child.signalCode}`;
        throw new Error(
          `dockerd in ${this.dir} exited (${how}) before it was ready. Log:\n${this.logTail()}`,
        );
      }
      const up = await Promise.all(run.plan.endpoints.map(answers));
      if (up.length > 0 && up.every(Boolean)) return;
      if (Date.now() > deadline) {
        throw new Error(`dockerd in ${this.dir} not ready after ${timeoutMs} ms. Log:\n${this.logTail()}`);
      }
      await sleep(50);
    }
  }

  /** Stop one run: SIGTERM (graceful after `graceMs`, else SIGKILL), then what dockerd left behind. */
  private async halt(run: Run, graceMs: number): Promise<void> {
    // A failed spawn has no pid, and process.kill(-1) would signal every process on the machine.
    if (!run.done && run.pid > 0) {
      if (graceMs > 0) {
        try {
          process.kill(run.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      if (graceMs <= 0 || !(await settlesWithin(run.exited, graceMs))) {
        try {
          process.kill(run.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        await settlesWithin(run.exited, 5000);
      }
    }
    // containerd dies with dockerd (parent-death signal), but shims are reparented to init; with
    // live-restore they and their containers are meant to survive until the next start.
    killSync(sandboxProcesses(this.dir, [], { shims: !run.plan.liveRestore }));
    unmountUnder(this.dir);
    if (run.snapshot) restoreHostNetwork(run.snapshot);
    await run.lock?.release();
    run.snapshot = null;
    run.lock = null;
  }

  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    await this.halt(run, STOP_TIMEOUT_MS);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async reload(): Promise<ReloadResult> {
    const run = this.run;
    if (!run || run.done) throw new Error(`dockerd in ${this.dir} is not running`);
    const marker = 'Got signal to reload configuration';
    const countBefore = this.logSinceStart().split(marker).length - 1;
    process.kill(run.pid, 'SIGHUP');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      await sleep(25);
      const parts = this.logSinceStart().split(marker);
      if (parts.length - 1 <= countBefore) continue;
      const after = parts.slice(countBefore + 1).join(marker);
      for (const line of after.split('\n').slice(1)) {
        if (line.includes('Reloaded configuration')) return { outcome: 'reloaded', message: line };
        if (/level=(error|fatal)/.test(line)) return { outcome: 'failed', message: line };
      }
    }
    return { outcome: 'unknown', message: 'dockerd logged no reload outcome (log-level above info?)' };
  }

  private logSinceStart(): string {
    try {
      return readFileSync(this.logPath).subarray(this.logOffset).toString('utf8');
    } catch {
      return '';
    }
  }

  async writeConfig(config: DaemonConfig): Promise<void> {
    await writeFile(this.configPath, serializeConfig(config));
  }

  docker(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<DockerResult> {
    const cli = dockerCliPath();
    if (!cli) return Promise.reject(new Error('docker CLI not found'));
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of DOCKER_ENV) delete env[k];
    // A CLI config of its own: nothing from ~/.docker (contexts, credential helpers) leaks in.
    env.DOCKER_CONFIG = join(this.dir, 'cli');
    return new Promise((resolve, reject) => {
      const child = spawn(cli, ['-H', this.host, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => {
        stderr += `\n(killed after ${opts.timeoutMs ?? 120_000} ms)`;
        child.kill('SIGKILL');
      }, opts.timeoutMs ?? 120_000);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code: code ?? -1 });
      });
      child.stdin.end(opts.input);
    });
  }

  request(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    return httpRequest(this.primaryEndpoint(), method, path, body);
  }

  async importBusybox(tag = DEFAULT_BUSYBOX_TAG): Promise<string> {
    const existing = await this.docker(['image', 'inspect', '--format', '{{.Id}}', tag]);
    if (existing.code === 0) return tag;
    const tar = join(this.dir, 'busybox.tar');
    if (!existsSync(tar)) await buildBusyboxTar(tar);
    const r = await this.docker(['import', '--change', 'CMD ["sh"]', tar, tag]);
    if (r.code !== 0) throw new Error(`docker import of busybox failed (${r.code}): ${r.stderr}`);
    return tag;
  }

  destroy(): Promise<void> {
    this.destroying ??= this.doDestroy();
    return this.destroying;
  }

  private async doDestroy(): Promise<void> {
    try {
      const run = this.run;
      if (run && !run.done) {
        // Containers would otherwise get their full stop timeout during dockerd's shutdown.
        await this.killContainers();
        await this.halt(run, 15_000);
      }
      this.keepLog();
      teardownSandboxSync(this.dir);
    } finally {
      live.delete(this);
    }
  }

  /** With DOCKERSEC_TEST_LOG_DIR set (CI), dockerd's log outlives the sandbox for post-mortems. */
  private keepLog(): void {
    const into = process.env.DOCKERSEC_TEST_LOG_DIR;
    if (!into || !existsSync(this.logPath)) return;
    try {
      mkdirSync(into, { recursive: true });
      copyFileSync(this.logPath, join(into, `${basename(this.dir)}.log`));
    } catch {
      // a missing post-mortem log must not fail the test
    }
  }

  private async killContainers(): Promise<void> {
    try {
      const res = await this.request('GET', '/containers/json');
      if (res.status !== 200) return;
      const ids = res.json<{ Id: string }[]>().map((c) => c.Id);
      await Promise.all(
        ids.map((id) => this.request('POST', `/containers/${id}/kill`).catch(() => undefined)),
      );
    } catch {
      // the daemon may be wedged; halt() escalates to SIGKILL
    }
  }

  /** The exit-time safety net: no awaiting possible, so kill hard and tear down synchronously. */
  destroySync(): void {
    const run = this.run;
    const roots = run && !run.done && run.pid > 0 ? [run.pid] : [];
    if (roots.length > 0 && isAlive(roots[0]!)) killSync(roots);
    this.keepLog();
    teardownSandboxSync(this.dir, roots);
    if (run?.snapshot) restoreHostNetwork(run.snapshot);
    // The host-network lock is released by the kernel when this process, and with it the pipe, goes away.
    if (this.netnsName) deleteNetns(this.netnsName);
    live.delete(this);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Process-wide safety net and entry points

let initialized = false;

function destroyAllSync(reason: string): void {
  for (const d of [...live]) {
    try {
      if (d.pid !== null)
        process.stderr.write(`dockersec test harness: ${reason}: destroying dockerd in ${d.dir}\n`);
      d.destroySync();
    } catch (err) {
      process.stderr.write(`dockersec test harness: could not clean up ${d.dir}: ${String(err)}\n`);
    }
  }
}

function initOnce(): void {
  if (initialized) return;
  initialized = true;
  reapStaleSandboxes();
  process.on('exit', () => destroyAllSync('process exit with daemon still running'));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = (): void => {
      destroyAllSync(sig);
      // Exit as the signal would have, unless someone else (node:test) also handles it and exits itself.
      if (process.listenerCount(sig) <= 1) process.exit(128 + (osConstants.signals[sig] ?? 0));
    };
    process.on(sig, handler);
  }
}

/** Prepare a sandbox directory and daemon.json without starting dockerd (for tests of start failures). */
export async function createDaemon(opts: SandboxDaemonOptions = {}): Promise<SandboxDaemon> {
  const reason = dockerdUnavailableReason(opts.release);
  if (reason) throw new Error(`cannot run a sandboxed dockerd: ${reason}`);
  initOnce();
  const dir = mkdtempSync(join(SANDBOX_ROOT, SANDBOX_PREFIX));
  writeOwner(dir);
  const daemon = new Daemon(dir, opts);
  live.add(daemon);
  await writeFile(daemon.configPath, serializeConfig(opts.config ?? {}));
  return daemon;
}

/** Create and start a sandboxed daemon; on a failed start the sandbox is removed and the error has the log. */
export async function startDaemon(opts: SandboxDaemonOptions = {}): Promise<SandboxDaemon> {
  const daemon = await createDaemon(opts);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.destroy();
    throw err;
  }
  return daemon;
}
