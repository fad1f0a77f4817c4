// A real rootless dockerd for the tests (issue 13), started the way a user starts one: as an unprivileged
// user, through the release's own dockerd-rootless.sh (Debian's docker.io ships it in its contrib folder),
// which re-executes itself under rootlesskit in a user namespace mapped from /etc/subuid and /etc/subgid.
//
// What is the user's and what is the sandbox's:
// - The user is DOCKERSEC_ROOTLESS_USER (default dockersec-rl), created if missing, with a subordinate id
//   range in /etc/subuid and /etc/subgid added if it has none (both idempotent; the notes say what was done).
// - Its real home (from passwd) holds what a rootless daemon keeps there by default, so that the exporter is
//   proven to find it without being told: ~/.config/docker/daemon.json (written by the test) and the data
//   root ~/.local/share/docker. After the test the home is put back: daemon.json restored or removed, files
//   dockerd added to ~/.config/docker removed, the data root removed unless it was there before. What to put
//   back is kept in /tmp/dockersec-rootless-USER.home.json until then, so the next run repairs a killed one.
// - XDG_RUNTIME_DIR (socket, exec root, containerd, rootlesskit's state) is a sandbox directory
//   /tmp/dockersec-test-XXXXXX/run owned by the user, so test/support/cleanup.ts reaps it, with every process
//   naming it, when a test process dies without cleaning up. rootlesskit also gets a parent-death signal.
// - One rootless daemon per user at a time: a file lock serializes test processes, and a dockerd already
//   running as that user (not ours) is an error, never killed.
//
// Networking: dockerd-rootless.sh's default is slirp4netns, which needs /dev/net/tun to be usable by the user.
// When that attempt fails (on the development machine /dev/net/tun is root-only), the daemon is started
// again under rootlesskit --net=host with the script as its child (the host's network namespace, in which
// the unprivileged daemon can create no bridge, hence --bridge=none --iptables=false). `attempts` says
// why. DOCKERSEC_ROOTLESS_NET=slirp4netns|vpnkit|host forces one driver.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import {
  isAlive,
  killSync,
  reapStaleSandboxes,
  removeSandboxDir,
  SANDBOX_PREFIX,
  SANDBOX_ROOT,
  sandboxProcesses,
  teardownSandboxSync,
  writeOwner,
} from './cleanup.js';
import {
  dockerdPathFor,
  findExecutable,
  KNOWN_TEST_RELEASES,
  releaseBinDir,
  releasePath,
  SYSTEM_RELEASE,
  testRelease,
  unixSocketRequest,
} from './dockerd.js';
import { acquireFileLock, type FileLock } from './lock.js';
import { sleep } from './wait.js';

export const ROOTLESS_USER = process.env.DOCKERSEC_ROOTLESS_USER?.trim() || 'dockersec-rl';
const SYSTEM_ROOTLESS_SCRIPT = '/usr/share/docker.io/contrib/dockerd-rootless.sh';
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SUBID_FLOOR = 100_000;
const SUBID_COUNT = 65_536;
// A rootless start copies /etc and /run up, unpacks containerd's config and probes the kernel: measured at
// 1-3 s idle, far more on the shared machine under load.
const DEFAULT_START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 20_000;

/** rootlesskit's network driver: what dockerd-rootless.sh picks ('slirp4netns', else 'vpnkit'), or 'host'. */
export type RootlessNet = string;

/** dockerd-rootless.sh of the release under test: bookworm's in docker.io's contrib folder, else the unpacked one. */
export function rootlessScriptFor(release = testRelease()): string {
  const bin = releaseBinDir(release);
  return bin ? join(dirname(bin), 'contrib', 'dockerd-rootless.sh') : SYSTEM_ROOTLESS_SCRIPT;
}

/** Why no rootless dockerd can be started here, or null. Starting it may still fail (see startRootlessDaemon). */
export function rootlessUnavailableReason(release = testRelease()): string | null {
  if (process.platform !== 'linux') return 'a rootless dockerd needs Linux';
  if (process.getuid?.() !== 0)
    return 'the test runs as root to start the daemon as an unprivileged user and to give it subordinate ids';
  if (!(KNOWN_TEST_RELEASES as readonly string[]).includes(release))
    return `DOCKERD_RELEASE=${release} is not one of ${KNOWN_TEST_RELEASES.join(', ')}`;
  if (!existsSync(dockerdPathFor(release)))
    return release === SYSTEM_RELEASE
      ? `${dockerdPathFor(release)} not found (apt-get install docker.io)`
      : `${dockerdPathFor(release)} not found (scripts/dockerd-releases.sh ${release})`;
  if (!existsSync(rootlessScriptFor(release))) return `${rootlessScriptFor(release)} not found`;
  const packages: Record<string, string> = {
    rootlesskit: 'rootlesskit',
    newuidmap: 'uidmap',
    newgidmap: 'uidmap',
    setpriv: 'util-linux',
    useradd: 'passwd',
  };
  for (const [tool, pkg] of Object.entries(packages)) {
    if (!findExecutable(tool)) return `${tool} not found (apt-get install ${pkg})`;
  }
  const maxUserns = readText('/proc/sys/user/max_user_namespaces')?.trim();
  if (maxUserns === '0') return 'user namespaces are disabled (user.max_user_namespaces = 0)';
  return null;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    // Absent or unreadable: the caller decides what no answer means.
    if ((err as NodeJS.ErrnoException).code) return null;
    throw err;
  }
}

/** /dev/net/tun's mode and owner, as ls shows them (crw------- root), for the reason a start failed. */
function tunMode(): string {
  try {
    const st = statSync('/dev/net/tun');
    const bits = 'rwxrwxrwx'.replace(/./g, (c, i) => (st.mode & (0o400 >> i) ? c : '-'));
    return `c${bits} uid ${st.uid}`;
  } catch (err) {
    return `missing: ${(err as Error).message}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The user

export interface RootlessUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  /** What was changed on the machine to make the user fit (created, subordinate ids added, home put back). */
  readonly notes: string[];
}

function passwdEntry(name: string): { uid: number; gid: number; home: string } | null {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const f = r.stdout.trim().split(':');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' };
}

/** Adds a range for the user to /etc/subuid or /etc/subgid unless it has one; returns the line added. */
function ensureSubordinateIds(file: string, name: string, id: number): string | null {
  const text = readText(file) ?? '';
  const entries = text
    .split('\n')
    .map((l) => l.trim().split(':'))
    .filter((f) => f.length === 3 && !f[0]!.startsWith('#'));
  if (entries.some((f) => (f[0] === name || f[0] === String(id)) && Number(f[2]) >= SUBID_COUNT)) return null;
  // After every range handed out, so that no two users share subordinate ids.
  const start = Math.max(
    SUBID_FLOOR,
    ...entries.map((f) => Number(f[1]) + Number(f[2])).filter(Number.isFinite),
  );
  const line = `${name}:${start}:${SUBID_COUNT}`;
  writeFileSync(file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`);
  return line;
}

/** The unprivileged user the daemon runs as, created and given subordinate ids when needed (idempotent). */
export function ensureRootlessUser(name = ROOTLESS_USER): RootlessUser {
  const notes: string[] = [];
  let entry = passwdEntry(name);
  if (!entry) {
    const r = spawnSync('useradd', ['--create-home', '--user-group', '--shell', '/bin/sh', name], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`useradd ${name} failed: ${r.stderr.trim()}`);
    notes.push(`created user ${name}`);
    entry = passwdEntry(name);
    if (!entry) throw new Error(`useradd ${name} succeeded but getent does not know it`);
  }
  if (entry.uid === 0) throw new Error(`${name} is uid 0: a rootless daemon needs an unprivileged user`);
  for (const [file, id] of [
    ['/etc/subuid', entry.uid],
    ['/etc/subgid', entry.gid],
  ] as const) {
    const added = ensureSubordinateIds(file, name, id);
    if (added) notes.push(`added ${added} to ${file}`);
  }
  if (!existsSync(entry.home)) {
    mkdirSync(entry.home, { recursive: true, mode: 0o755 });
    chownSync(entry.home, entry.uid, entry.gid);
    notes.push(`created ${name}'s home ${entry.home}`);
  }
  return { name, ...entry, notes };
}

// ---------------------------------------------------------------------------------------------------------
// /proc

function procStatus(pid: number): { comm: string; uid: number } | null {
  const text = readText(`/proc/${pid}/status`);
  if (text === null) return null;
  return {
    comm: /^Name:\s*(.*)$/m.exec(text)?.[1] ?? '',
    uid: Number(/^Uid:\s*(\d+)/m.exec(text)?.[1] ?? -1),
  };
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** dockerd or rootlesskit processes already running as `uid`: another rootless daemon of the same user. */
function foreignDaemons(uid: number): number[] {
  return pids().filter((pid) => {
    const s = procStatus(pid);
    return s !== null && s.uid === uid && (s.comm === 'dockerd' || s.comm === 'rootlesskit');
  });
}

/** Processes of `uid` whose environment names `runtimeDir`: the daemon's, even if reparented away from rootlesskit. */
function processesWithRuntimeDir(uid: number, runtimeDir: string): number[] {
  const needle = `XDG_RUNTIME_DIR=${runtimeDir}`;
  return pids().filter(
    (pid) =>
      procStatus(pid)?.uid === uid && (readText(`/proc/${pid}/environ`) ?? '').split('\0').includes(needle),
  );
}

// ---------------------------------------------------------------------------------------------------------
// The home directory, put back after the test

/** What the test changes in the user's home, kept as JSON beside the lock until it is put back. */
interface HomeSnapshot {
  readonly configDir: string;
  /** Directories of the config path the test created, outermost first. */
  readonly created: string[];
  readonly configEntries: string[];
  /** daemon.json as it was, its bytes in base64. */
  readonly daemonJson: { base64: string; mode: number; uid: number; gid: number } | null;
  /** What dockerd will create for its data root (~/.local, ~/.local/share or ~/.local/share/docker), or null. */
  readonly dataRootCreated: string | null;
}

/** A killed test run cannot put the home back; the next run does, from this file. */
const homeStateFile = (user: string) => `/tmp/dockersec-rootless-${user}.home.json`;

/** The outermost directory of `path` that does not exist yet, or null when `path` exists. */
function outermostMissing(path: string): string | null {
  let missing: string | null = null;
  for (let p = path; !existsSync(p); p = dirname(p)) missing = p;
  return missing;
}

/** mkdir -p owned by the user; returns the directories it created, outermost first. */
function mkdirOwned(path: string, user: RootlessUser, mode: number): string[] {
  const created: string[] = [];
  const missing: string[] = [];
  for (let p = path; !existsSync(p); p = dirname(p)) missing.unshift(p);
  for (const p of missing) {
    mkdirSync(p, { mode });
    chownSync(p, user.uid, user.gid);
    created.push(p);
  }
  return created;
}

function snapshotHome(user: RootlessUser, configDir: string, dataRoot: string): HomeSnapshot {
  const configPath = join(configDir, 'daemon.json');
  let daemonJson: HomeSnapshot['daemonJson'] = null;
  if (existsSync(configPath)) {
    const st = statSync(configPath);
    const base64 = readFileSync(configPath).toString('base64');
    daemonJson = { base64, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  }
  const configEntries = existsSync(configDir) ? readdirSync(configDir) : [];
  const dataRootCreated = outermostMissing(dataRoot);
  const created = mkdirOwned(configDir, user, 0o755);
  const snapshot = { configDir, created, configEntries, daemonJson, dataRootCreated };
  writeFileSync(homeStateFile(user.name), `${JSON.stringify(snapshot)}\n`);
  return snapshot;
}

function restoreHome(user: string, s: HomeSnapshot): void {
  // removeSandboxDir refuses to delete through anything still mounted there.
  if (s.dataRootCreated && existsSync(s.dataRootCreated)) removeSandboxDir(s.dataRootCreated);
  if (s.created.length > 0) {
    rmSync(s.created[0]!, { recursive: true, force: true });
  } else if (existsSync(s.configDir)) {
    for (const e of readdirSync(s.configDir)) {
      if (!s.configEntries.includes(e)) rmSync(join(s.configDir, e), { recursive: true, force: true });
    }
    const configPath = join(s.configDir, 'daemon.json');
    if (s.daemonJson) {
      writeFileSync(configPath, Buffer.from(s.daemonJson.base64, 'base64'));
      chmodSync(configPath, s.daemonJson.mode);
      chownSync(configPath, s.daemonJson.uid, s.daemonJson.gid);
    } else {
      rmSync(configPath, { force: true });
    }
  }
  rmSync(homeStateFile(user), { force: true });
}

/** Puts back the home a killed test run left changed; returns what it did, or null. Call with the lock held. */
function recoverHome(user: string): string | null {
  const text = readText(homeStateFile(user));
  if (text === null) return null;
  const s = JSON.parse(text) as HomeSnapshot;
  restoreHome(user, s);
  return `put back ${s.configDir}${s.dataRootCreated ? ` and removed ${s.dataRootCreated}` : ''}, left by a test run that was killed`;
}

// ---------------------------------------------------------------------------------------------------------
// The daemon

export interface RootlessDaemonOptions {
  /** ~/.config/docker/daemon.json, written before the start. */
  config?: Record<string, unknown>;
  release?: string;
  user?: string;
  startTimeoutMs?: number;
}

export interface RootlessDaemon {
  readonly user: RootlessUser;
  readonly release: string;
  /** rootlesskit's network driver the daemon runs with. */
  readonly net: RootlessNet;
  /** Each start that failed before this one, one line each: the driver and why (slirp4netns without a tun). */
  readonly attempts: readonly string[];
  readonly dir: string;
  /** $XDG_RUNTIME_DIR of the daemon. */
  readonly runtimeDir: string;
  /** dockerd's default rootless socket, $XDG_RUNTIME_DIR/docker.sock. */
  readonly socketPath: string;
  /** ~/.config/docker/daemon.json */
  readonly configPath: string;
  /** dockerd's default rootless data root, ~/.local/share/docker. */
  readonly dataRoot: string;
  readonly logPath: string;
  /** rootlesskit's pid (the process spawned: setpriv and the script exec into it). */
  readonly pid: number;
  /** dockerd's pid, inside rootlesskit's namespaces as the host sees it. */
  dockerdPid(): number | null;
  /** The environment a login of the user would have, with XDG_RUNTIME_DIR. */
  readonly userEnv: Readonly<Record<string, string>>;
  /** argv running `argv` as the user with exactly userEnv (plus `env`). */
  asUser(argv: readonly string[], env?: Record<string, string>): string[];
  logTail(lines?: number): string;
  destroy(): Promise<void>;
}

const live = new Set<Rootless>();
let exitHookInstalled = false;

function destroyAllSync(reason: string): void {
  for (const d of [...live]) {
    try {
      process.stderr.write(`dockersec test harness: ${reason}: destroying rootless dockerd in ${d.dir}\n`);
      d.destroySync();
    } catch (err) {
      process.stderr.write(`dockersec test harness: could not clean up ${d.dir}: ${String(err)}\n`);
    }
  }
}

/** dockerd.ts's safety net, for this daemon too: a test that ends or is interrupted leaves nothing behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => destroyAllSync('process exit with the daemon still running'));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      destroyAllSync(sig);
      // Exit as the signal would have, unless another handler (dockerd.ts, node:test) exits itself.
      if (process.listenerCount(sig) <= 1) process.exit(128 + (osConstants.signals[sig] ?? 0));
    });
  }
}

class Rootless implements RootlessDaemon {
  readonly runtimeDir: string;
  readonly socketPath: string;
  readonly configPath: string;
  readonly dataRoot: string;
  readonly logPath: string;
  readonly userEnv: Readonly<Record<string, string>>;
  net: RootlessNet = '';
  attempts: string[] = [];
  pid = -1;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private done = true;
  private logOffset = 0;
  private home: HomeSnapshot | null = null;
  private destroying: Promise<void> | null = null;

  constructor(
    readonly user: RootlessUser,
    readonly release: string,
    readonly dir: string,
    private readonly lock: FileLock,
  ) {
    this.runtimeDir = join(dir, 'run');
    this.socketPath = join(this.runtimeDir, 'docker.sock');
    this.configPath = join(user.home, '.config', 'docker', 'daemon.json');
    this.dataRoot = join(user.home, '.local', 'share', 'docker');
    this.logPath = join(dir, 'dockerd.log');
    this.userEnv = {
      HOME: user.home,
      USER: user.name,
      LOGNAME: user.name,
      PATH: releasePath(release, SYSTEM_PATH),
      XDG_RUNTIME_DIR: this.runtimeDir,
    };
  }

  asUser(argv: readonly string[], env: Record<string, string> = {}): string[] {
    const vars = Object.entries({ ...this.userEnv, ...env }).map(([k, v]) => `${k}=${v}`);
    return [
      'setpriv',
      `--reuid=${this.user.uid}`,
      `--regid=${this.user.gid}`,
      '--init-groups',
      '--',
      'env',
      '-i',
      ...vars,
      ...argv,
    ];
  }

  dockerdPid(): number | null {
    if (this.done) return null;
    for (const pid of sandboxProcesses(this.dir, [this.pid])) {
      if (procStatus(pid)?.comm === 'dockerd') return pid;
    }
    return null;
  }

  private logSinceStart(): string {
    let buf: Buffer;
    try {
      buf = readFileSync(this.logPath);
    } catch (err) {
      return `(no log: ${(err as Error).message})`;
    }
    return buf.subarray(Math.min(this.logOffset, buf.length)).toString('utf8');
  }

  logTail(lines = 30): string {
    return this.logSinceStart()
      .split('\n')
      .filter((l) => l !== '' && !l.includes('module=grpc') && !l.startsWith('+ '))
      .slice(-lines)
      .join('\n');
  }

  prepare(config: Record<string, unknown>): void {
    mkdirSync(this.runtimeDir, { mode: 0o700 });
    chownSync(this.runtimeDir, this.user.uid, this.user.gid);
    this.home = snapshotHome(this.user, dirname(this.configPath), this.dataRoot);
    writeFileSync(this.configPath, `${JSON.stringify(config, null, 2)}\n`);
    chownSync(this.configPath, this.user.uid, this.user.gid);
    chmodSync(this.configPath, 0o644);
  }

  /**
   * One start, with rootlesskit's `net` driver or (null) the one dockerd-rootless.sh picks; rejects with
   * dockerd's log when it does not come up.
   */
  async start(net: RootlessNet | null, timeoutMs: number): Promise<void> {
    this.net = net ?? 'the script default';
    const script = rootlessScriptFor(this.release);
    const stateDir = join(this.runtimeDir, 'dockerd-rootless');
    let argv: string[];
    const env: Record<string, string> = { ...this.userEnv };
    if (net === 'host') {
      // dockerd-rootless.sh of 26.1 and later refuses --net=host, so rootlesskit is run here with the script's
      // own flags, the network ones replaced, and the script as its child: _DOCKERD_ROOTLESS_CHILD makes it
      // do only what it does inside the namespaces (its release's mounts) and exec dockerd. In the host's
      // network namespace the unprivileged daemon may create no bridge or iptables rules, and rootlesskit
      // has no ports to forward (its port drivers refuse --net=host).
      env._DOCKERD_ROOTLESS_CHILD = '1';
      argv = [
        'rootlesskit',
        `--state-dir=${stateDir}`,
        '--net=host',
        '--port-driver=none',
        '--disable-host-loopback',
        '--copy-up=/etc',
        '--copy-up=/run',
        '--propagation=rslave',
        script,
        '--bridge=none',
        '--iptables=false',
      ];
    } else {
      // The state directory is the script's default, named on rootlesskit's command line so that the
      // sandbox reaper finds the daemon by its directory when the test process died.
      env.DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS = `--state-dir=${stateDir}`;
      if (net) env.DOCKERD_ROOTLESS_ROOTLESSKIT_NET = net;
      argv = [script];
    }
    this.logOffset = existsSync(this.logPath) ? statSync(this.logPath).size : 0;
    writeFileSync(this.logPath, `== ${new Date().toISOString()} rootlesskit net: ${this.net}\n`, {
      flag: 'a',
    });
    const logFd = openSync(this.logPath, 'a');
    try {
      // setpriv execs the script, which execs rootlesskit (or rootlesskit itself): the pid spawned is
      // rootlesskit's, and it is SIGKILLed if this process dies (taking dockerd and containerd with it).
      this.child = spawn(
        'setpriv',
        [
          `--reuid=${this.user.uid}`,
          `--regid=${this.user.gid}`,
          '--init-groups',
          '--pdeathsig=KILL',
          '--',
          ...argv,
        ],
        { cwd: this.user.home, env, detached: true, stdio: ['ignore', logFd, logFd] },
      );
    } finally {
      closeSync(logFd);
    }
    const child = this.child;
    this.pid = child.pid ?? -1;
    this.done = false;
    this.exited = new Promise<void>((resolve) => {
      const finish = (): void => {
        this.done = true;
        resolve();
      };
      child.once('exit', finish);
      child.once('error', finish);
    });
    child.unref();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.done) {
        const how = child.exitCode !== null ? `exit code ${child.exitCode}` : String(child.signalCode);
        throw new Error(
          `rootless dockerd (rootlesskit net: ${this.net}) exited (${how}) before it was ready:\n${this.logTail(12)}`,
        );
      }
      if (await this.answers()) {
        // What the script chose, from rootlesskit's own command line.
        const argv = (readText(`/proc/${this.pid}/cmdline`) ?? '').split('\0');
        this.net = argv.find((a) => a.startsWith('--net='))?.slice('--net='.length) ?? this.net;
        // Up is more than /_ping: dockerd 26.1 and 28.5 under rootlesskit --net=host panic on every /version
        // (and /info), which an exporter cannot audit.
        const broken = await this.versionProblem();
        if (broken === null) return;
        await this.halt(0);
        throw new Error(
          `rootless dockerd (rootlesskit net: ${this.net}) answers /_ping but not GET /version (${broken}):\n${this.logTail(12)}`,
        );
      }
      if (Date.now() > deadline) {
        await this.halt(0);
        throw new Error(
          `rootless dockerd (rootlesskit net: ${this.net}) not ready after ${timeoutMs} ms:\n${this.logTail(12)}`,
        );
      }
      await sleep(100);
    }
  }

  /** One line on a failed start: the driver, whether the user can open /dev/net/tun, dockerd's last words. */
  summary(net: RootlessNet | null): string {
    // The script traces (set -x) the rootlesskit command line it execs, with the driver it chose.
    const traced = /^\+ exec \S*rootlesskit .*?--net=(\S+)/m.exec(this.logSinceStart())?.[1];
    const driver =
      net === 'host'
        ? 'rootlesskit --net=host'
        : (net ?? `dockerd-rootless.sh's default (${traced ?? 'unknown'})`);
    const log = this.logSinceStart().split('\n');
    // A Go panic names the function that failed in its first frame of dockerd's own code.
    const panicAt = log.findIndex((l) => /http: panic serving|^panic: /.test(l));
    const frame = log.slice(panicAt).find((l) => l.startsWith('github.com/docker/docker/'));
    const panic =
      panicAt >= 0
        ? `dockerd ${this.release}: ${log[panicAt]!.replace(/^\S+ \S+ /, '')} in ${frame?.replace(/\([^()]*\)$/, '') ?? '?'}`
        : null;
    const last =
      panic ??
      this.logTail(40)
        .split('\n')
        .filter((l) => !l.startsWith('== ') && !/level=(warning|info)/.test(l))
        // rootlesskit's child only reports that its parent gave up; the parent says why.
        .filter((l, _, all) => !l.startsWith('[rootlesskit:child ]') || all.length === 1)
        .slice(-1)[0];
    const tun =
      net === 'host'
        ? ''
        : spawnSync(
              'setpriv',
              [
                `--reuid=${this.user.uid}`,
                `--regid=${this.user.gid}`,
                '--init-groups',
                '--',
                'sh',
                '-c',
                'exec 3<>/dev/net/tun',
              ],
              { stdio: 'ignore' },
            ).status === 0
          ? ''
          : `/dev/net/tun (mode ${tunMode()}) cannot be opened by ${this.user.name}, and slirp4netns and vpnkit need it`;
    // rootlesskit's own message on a missing tun is a dump of its configuration: the cause above says it.
    return `${driver}: ${tun || (last ?? 'no log').slice(0, 300)}`;
  }

  private async versionProblem(): Promise<string | null> {
    try {
      const res = await unixSocketRequest(this.socketPath, 'GET', '/version', 15_000);
      return res.status === 200 ? null : `HTTP ${res.status}`;
    } catch (err) {
      if (err instanceof Error) return err.message;
      throw err;
    }
  }

  private async answers(): Promise<boolean> {
    if (!existsSync(this.socketPath)) return false;
    try {
      return (await unixSocketRequest(this.socketPath, 'GET', '/_ping', 1000)).status === 200;
    } catch (err) {
      // Not listening yet (ECONNREFUSED) or still starting (a timeout): poll again.
      if (err instanceof Error) return false;
      throw err;
    }
  }

  /** SIGTERM (rootlesskit hands it to dockerd), then SIGKILL for whatever of the sandbox is left. */
  async halt(graceMs: number): Promise<void> {
    if (!this.done && this.pid > 0 && graceMs > 0) {
      const dockerd = this.dockerdPid();
      for (const pid of [dockerd, this.pid]) {
        if (pid === null) continue;
        try {
          process.kill(pid, 'SIGTERM');
        } catch (err) {
          // Already gone (ESRCH): nothing to stop.
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      }
      await Promise.race([this.exited, sleep(graceMs)]);
    }
    const roots = this.pid > 0 && isAlive(this.pid) ? [this.pid] : [];
    const left = killSync([
      ...sandboxProcesses(this.dir, roots),
      ...processesWithRuntimeDir(this.user.uid, this.runtimeDir),
    ]);
    if (left.length > 0) throw new Error(`rootless daemon processes ${left.join(', ')} survived SIGKILL`);
    await Promise.race([this.exited, sleep(5000)]);
    // The next attempt starts from an empty runtime directory, as after a reboot.
    for (const e of existsSync(this.runtimeDir) ? readdirSync(this.runtimeDir) : []) {
      rmSync(join(this.runtimeDir, e), { recursive: true, force: true });
    }
  }

  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      try {
        await this.halt(STOP_GRACE_MS);
        this.finish();
      } finally {
        live.delete(this);
        await this.lock.release();
      }
    })();
    return this.destroying;
  }

  /** The exit-time path: no awaiting, kill hard. The lock goes with this process. */
  destroySync(): void {
    const roots = this.pid > 0 && isAlive(this.pid) ? [this.pid] : [];
    killSync([
      ...sandboxProcesses(this.dir, roots),
      ...processesWithRuntimeDir(this.user.uid, this.runtimeDir),
    ]);
    teardownSandboxSync(this.dir);
    this.finish();
    live.delete(this);
  }

  private finish(): void {
    // rootlesskit's mounts live in its own mount namespace, gone with it; removeSandboxDir still refuses to
    // delete through anything left mounted.
    if (existsSync(this.dir)) removeSandboxDir(this.dir);
    if (this.home) restoreHome(this.user.name, this.home);
    this.home = null;
  }
}

/**
 * Starts a rootless dockerd as the test user: dockerd-rootless.sh as it is (slirp4netns), else with
 * rootlesskit --net=host. Rejects, with every attempt's reason and log, when neither comes up.
 */
export async function startRootlessDaemon(opts: RootlessDaemonOptions = {}): Promise<RootlessDaemon> {
  const release = opts.release ?? testRelease();
  const reason = rootlessUnavailableReason(release);
  if (reason) throw new Error(`cannot run a rootless dockerd: ${reason}`);
  const user = ensureRootlessUser(opts.user ?? ROOTLESS_USER);
  const lock = await acquireFileLock(`/tmp/dockersec-rootless-${user.name}.lock`, { timeoutMs: 600_000 });
  let daemon: Rootless | null = null;
  try {
    // A killed test process's daemon (its sandbox names a dead owner) goes first.
    reapStaleSandboxes();
    const others = foreignDaemons(user.uid);
    if (others.length > 0)
      throw new Error(
        `a rootless daemon of ${user.name} is already running (pids ${others.join(', ')}), not ours`,
      );
    const recovered = recoverHome(user.name);
    if (recovered) user.notes.push(recovered);
    const dir = mkdtempSync(join(SANDBOX_ROOT, SANDBOX_PREFIX));
    writeOwner(dir);
    // The user must reach its runtime directory inside; nobody may list the sandbox.
    chmodSync(dir, 0o711);
    daemon = new Rootless(user, release, dir, lock);
    live.add(daemon);
    installExitHook();
    daemon.prepare(opts.config ?? {});
    const forced = process.env.DOCKERSEC_ROOTLESS_NET?.trim();
    // dockerd-rootless.sh as it is first; then the network driver that needs no /dev/net/tun.
    const nets: (RootlessNet | null)[] = forced ? [forced] : [null, 'host'];
    const logs: string[] = [];
    for (const net of nets) {
      try {
        await daemon.start(net, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
        return daemon;
      } catch (err) {
        await daemon.halt(0);
        daemon.attempts.push(daemon.summary(net));
        logs.push((err as Error).message);
      }
    }
    throw new Error(`no rootless dockerd came up: ${daemon.attempts.join('; ')}\n${logs.join('\n')}`);
  } catch (err) {
    if (daemon) await daemon.destroy();
    else await lock.release();
    throw err;
  }
}
