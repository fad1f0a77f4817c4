// Finds the dockerd that serves --docker.host in /proc and reads its command line, environment and start time.
import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { decodeDaemonJson } from '../facts/daemonJson.js';
import { dockerdConfigFile, flagValues } from '../facts/dockerd/flags.js';
import { type DockerdProcess, type Fact, factError, factOk } from '../facts/types.js';
import { isAbsent, orAbsent } from './absent.js';
import { InputBoundsError, READ_LIMITS, readBoundedText } from './boundedRead.js';
import { DEFAULT_CONFIG_FILE } from './daemonConfigFile.js';
import type { HostPaths } from './hostPaths.js';
import { readProcFile } from './procFiles.js';
import { heldSocketBatches, socketAt } from './procSockets.js';

const KEPT_ENV =
  /^(DOCKER_TLS_VERIFY|DOCKER_CERT_PATH|DOCKERD_ROOTLESS_.*|ROOTLESSKIT_.*|XDG_RUNTIME_DIR|XDG_CONFIG_HOME|HOME)$/;

export interface DockerHostTarget {
  readonly socketPath: string | null;
  readonly tcp: { readonly host: string; readonly port: number } | null;
}

interface Candidate {
  pid: number;
  args: string[];
}

async function readCmdline(paths: HostPaths, pid: number): Promise<string[] | null> {
  try {
    const raw = await readFile(paths.proc(pid, 'cmdline'), 'utf8');
    const parts = raw.split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  } catch (err) {
    // The process exited since it was listed, or hides its command line: not a candidate.
    if (isAbsent(err)) return null;
    throw err;
  }
}

/** Reads of /proc in flight at once while looking for dockerd (a host runs hundreds of processes). */
const PROC_READS = 32;

/** Whether the task is named dockerd (/proc/PID/comm: the kernel prints it without touching its memory). */
function namedDockerd(paths: HostPaths, pid: number): boolean {
  return readProcFile(paths.proc(pid, 'comm'))?.trim() === 'dockerd';
}

/** The process's command line as a candidate; null once it exited or when it hides its arguments. */
async function withArgs(paths: HostPaths, pid: number): Promise<Candidate | null> {
  const argv = await readCmdline(paths, pid);
  return argv && argv.length > 0 ? { pid, args: argv.slice(1) } : null;
}

async function candidate(paths: HostPaths, pid: number): Promise<Candidate | null> {
  return namedDockerd(paths, pid) ? withArgs(paths, pid) : null;
}

async function listDockerdCandidates(paths: HostPaths): Promise<Candidate[]> {
  const pids = (await readdir(paths.proc())).filter((e) => /^\d+$/.test(e)).map(Number);
  // Only dockerd processes get their command line read: one sync comm read per process finds them.
  const out: Candidate[] = [];
  for (const pid of pids.filter((p) => namedDockerd(paths, p))) {
    const c = await withArgs(paths, pid);
    if (c) out.push(c);
  }
  return out;
}

type Identity = Awaited<ReturnType<typeof stat>> | null;

/**
 * Same file by device and inode: robust across symlinks (/var/run -> /run), bind mounts and --host.root, where
 * an absolute link target would resolve outside the mounted host. Falls back to the resolved paths. `bStat`:
 * b's stat when the caller compares many paths with one b.
 */
async function samePath(a: string, b: string, bStat?: Promise<Identity>): Promise<boolean> {
  if (a === b) return true;
  const [sa, sb] = await Promise.all([orAbsent(stat(a), null), bStat ?? orAbsent(stat(b), null)]);
  if (sa && sb) return sa.dev === sb.dev && sa.ino === sb.ino;
  const [ra, rb] = await Promise.all([orAbsent(realpath(a), a), orAbsent(realpath(b), b)]);
  return ra === rb;
}

/** Inodes of unix sockets bound at `socketPath`, as seen in the network namespace of `pid`; null if unreadable. */
async function socketInodes(paths: HostPaths, pid: number, socketPath: string): Promise<Set<string> | null> {
  const table = await orAbsent(readFile(paths.proc(pid, 'net', 'unix'), 'utf8'), null);
  if (table === null) return null;
  // Every connection accepted on a listener repeats its path: each distinct path is compared once. Abstract
  // names (@...) are no file, so never the socket.
  const byPath = new Map<string, string[]>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const [inode, path] = [cols[6], cols[7]];
    if (!inode || !path || path.startsWith('@')) continue;
    const inodes = byPath.get(path);
    if (inodes) inodes.push(inode);
    else byPath.set(path, [inode]);
  }
  const inodes = new Set<string>();
  const bound = [...byPath];
  const target = orAbsent(stat(socketPath), null);
  // PROC_READS comparisons at a time: a busy host's namespace binds thousands of sockets, and each is a stat.
  for (let i = 0; i < bound.length; i += PROC_READS) {
    const batch = bound.slice(i, i + PROC_READS);
    const same = await Promise.all(batch.map(([path]) => samePath(paths.resolve(path), socketPath, target)));
    batch.forEach(([, ids], j) => {
      if (same[j]) for (const id of ids) inodes.add(id);
    });
  }
  return inodes;
}

/** Permission errors: another user's /proc/PID/fd without CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH. */
const isDenied = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM';
};

/** A descriptor of the process that holds one of the socket's inodes. */
interface Holding {
  readonly fd: string;
  readonly inode: string;
}

/**
 * Whether the process holds one of `inodes` open (and by which descriptor): 'denied' when its /proc/PID/fd may
 * not be read (a non-root exporter and a root dockerd), 'unknown' when its socket table could not be read.
 */
async function holdsSocket(
  paths: HostPaths,
  pid: number,
  inodes: Set<string> | null,
): Promise<Holding | 'no' | 'denied' | 'unknown'> {
  try {
    for await (const batch of heldSocketBatches(paths, pid)) {
      if (inodes === null) return 'unknown';
      if (inodes.size === 0) return 'no';
      const held = batch.find((s) => inodes.has(s.inode));
      if (held) return held;
    }
  } catch (err) {
    if (isDenied(err)) return 'denied';
    // The process exited since it was listed.
    if (isAbsent(err)) return 'no';
    throw err;
  }
  return inodes === null ? 'unknown' : 'no';
}

/** dockerd's defaults for the settings that tell one daemon from another on the same host. */
const DEFAULT_PIDFILE = '/var/run/docker.pid';
const DEFAULT_EXEC_ROOT = '/var/run/docker';
const DEFAULT_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

interface DaemonSettings {
  /** -H flags and daemon.json `hosts`. */
  readonly hosts: string[];
  readonly pidfile: string;
  readonly execRoot: string;
}

async function settingsOf(paths: HostPaths, c: Candidate): Promise<DaemonSettings> {
  const hosts = flagValues(c.args, 'hosts');
  const file = dockerdConfigFile(c.args, null) ?? DEFAULT_CONFIG_FILE;
  // A file the daemon_config source refuses (a FIFO, over the cap) names nothing here; that source reports it.
  const text = await orAbsent(
    readBoundedText(paths.resolve(file), READ_LIMITS.daemonJson, file).catch((e: unknown) => {
      if (e instanceof InputBoundsError) return null;
      throw e;
    }),
    null,
  );
  const parsed = text === null ? null : decodeDaemonJson(text).parsed;
  const fromFile = parsed?.hosts;
  if (Array.isArray(fromFile)) hosts.push(...fromFile.filter((h): h is string => typeof h === 'string'));
  const setting = (key: string, fallback: string): string => {
    const flag = flagValues(c.args, key).at(-1);
    const v = parsed?.[key];
    return flag ?? (typeof v === 'string' && v !== '' ? v : fallback);
  };
  return {
    hosts,
    pidfile: setting('pidfile', DEFAULT_PIDFILE),
    execRoot: setting('exec-root', DEFAULT_EXEC_ROOT),
  };
}

async function servesTarget(paths: HostPaths, s: DaemonSettings, target: DockerHostTarget): Promise<boolean> {
  for (const h of s.hosts) {
    if (
      target.socketPath &&
      h.startsWith('unix://') &&
      (await samePath(paths.resolve(h.slice(7)), target.socketPath))
    ) {
      return true;
    }
    if (target.tcp) {
      const m = /^(?:tcp:\/\/)?(.*):(\d+)$/.exec(h);
      if (m && Number(m[2]) === target.tcp.port) return true;
    }
  }
  return false;
}

/** The target is the host's default socket (/var/run/docker.sock, also reached as /run/docker.sock). */
async function isDefaultSocket(paths: HostPaths, socketPath: string): Promise<boolean> {
  for (const p of DEFAULT_SOCKETS) if (await samePath(paths.resolve(p), socketPath)) return true;
  return false;
}

/**
 * The system daemon: it names no unix socket of its own (no -H, or only fd:// from docker.socket, whose
 * ListenStream is /run/docker.sock), runs with the default exec root, and its pidfile holds its pid. Two
 * daemons cannot share a pidfile or an exec root (dockerd refuses to start), so at most one matches.
 */
async function isSystemDaemon(paths: HostPaths, c: Candidate, s: DaemonSettings): Promise<boolean> {
  if (s.hosts.some((h) => !h.startsWith('fd://'))) return false;
  if (s.execRoot.replace(/^\/var\/run\//, '/run/') !== DEFAULT_EXEC_ROOT.replace(/^\/var\/run\//, '/run/'))
    return false;
  const pid = await orAbsent(readFile(paths.resolve(s.pidfile), 'utf8'), '');
  return pid.trim() === String(c.pid);
}

/** The dockerd chosen exited before it was described: a daemon restarting, or another one going away. */
class Vanished extends Error {
  constructor(readonly pid: number) {
    super(`dockerd process ${pid} exited while it was being read`);
  }
}

async function describe(
  paths: HostPaths,
  c: Candidate,
  matchedBy: DockerdProcess['matchedBy'],
): Promise<DockerdProcess> {
  const [st, environ, cwd, statLine, procStat] = await Promise.all([
    orAbsent(stat(paths.proc(c.pid)), null),
    orAbsent(readFile(paths.proc(c.pid, 'environ'), 'utf8'), ''),
    orAbsent(readlink(paths.proc(c.pid, 'cwd')), null),
    orAbsent(readFile(paths.proc(c.pid, 'stat'), 'utf8'), ''),
    orAbsent(readFile(paths.proc('stat'), 'utf8'), ''),
  ]);
  if (!st) throw new Vanished(c.pid);
  const env: Record<string, string> = {};
  for (const kv of environ.split('\0')) {
    const eq = kv.indexOf('=');
    if (eq > 0 && KEPT_ENV.test(kv.slice(0, eq))) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  // Field 22 of /proc/PID/stat is the start time in clock ticks after boot; USER_HZ is 100 on Linux.
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  const btime = Number(/^btime (\d+)$/m.exec(procStat)?.[1]);
  const startTimeSeconds =
    Number.isFinite(startTicks) && Number.isFinite(btime) ? btime + startTicks / 100 : null;
  return { pid: c.pid, uid: st.uid, args: c.args, env, cwd, startTimeSeconds, matchedBy };
}

/**
 * The dockerd last found holding the target socket, per /proc and socket, and the descriptor it holds it by:
 * asked first next time, so a daemon.json edit neither lists every process nor reads every descriptor again
 * (issue 12). While that descriptor still links to the same socket inode, the process holds the very socket
 * the full search matched (a socket's bound name never changes), so it is the answer the full search would give.
 */
const lastHolder = new Map<string, { readonly pid: number } & Holding>();

/** Searches in a /proc that changes under the search: a process chosen that exits before it is read is not the answer. */
export async function findDockerd(paths: HostPaths, target: DockerHostTarget): Promise<Fact<DockerdProcess>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await searchDockerd(paths, target);
    } catch (e) {
      if (!(e instanceof Vanished)) throw e;
      // Listed again, the exited process is gone; a host where dockerd keeps exiting gets an answer all the same.
      if (attempt === 3) return factError(`${e.message}, three times in a row (dockerd restarting?)`);
    }
  }
}

async function searchDockerd(paths: HostPaths, target: DockerHostTarget): Promise<Fact<DockerdProcess>> {
  const holderKey = `${paths.proc()}\0${target.socketPath}`;
  const last = target.socketPath ? lastHolder.get(holderKey) : undefined;
  if (last !== undefined) {
    const c = socketAt(paths, last.pid, last.fd) === last.inode ? await candidate(paths, last.pid) : null;
    if (c) return factOk(await describe(paths, c, 'socket_inode'));
    lastHolder.delete(holderKey);
  }
  let candidates: Candidate[];
  try {
    candidates = await listDockerdCandidates(paths);
  } catch (e) {
    return factError(`cannot list processes in ${paths.proc()}: ${(e as Error).message}`);
  }
  if (candidates.length === 0) {
    return factError(
      `no dockerd process visible in ${paths.proc()} (exporter without the host PID namespace, or daemon down)`,
    );
  }
  // 1. The process holding the socket: certain, but /proc/PID/fd of a root dockerd needs root (or a capability).
  const denied: number[] = [];
  const unknown: number[] = [];
  if (target.socketPath) {
    for (const c of candidates) {
      const held = await holdsSocket(paths, c.pid, await socketInodes(paths, c.pid, target.socketPath));
      if (typeof held === 'object') {
        lastHolder.set(holderKey, { pid: c.pid, ...held });
        return factOk(await describe(paths, c, 'socket_inode'));
      }
      if (held === 'denied') denied.push(c.pid);
      if (held === 'unknown') unknown.push(c.pid);
    }
  }
  // 2. Its command line and daemon.json, which any user may read: -H / hosts naming the target.
  const settings = new Map<Candidate, DaemonSettings>();
  for (const c of candidates) {
    const s = await settingsOf(paths, c);
    settings.set(c, s);
    if (await servesTarget(paths, s, target)) return factOk(await describe(paths, c, 'hosts'));
  }
  const pids = candidates.map((c) => c.pid).join(', ');
  const where = target.socketPath ?? `${target.tcp?.host}:${target.tcp?.port}`;
  const undecided = [...denied, ...unknown];
  if (!target.socketPath) {
    if (candidates.length === 1 && !target.tcp)
      return factOk(await describe(paths, candidates[0]!, 'only_candidate'));
    return factError(
      `none of the ${candidates.length} dockerd processes (pids ${pids}) names ${where} in -H or daemon.json hosts`,
    );
  }
  // Every process's descriptors were read and none holds the socket: that is an answer, not a guess.
  if (undecided.length === 0) {
    return factError(
      `none of the ${candidates.length} dockerd processes (pids ${pids}) holds or names the socket ${where}`,
    );
  }
  // 3. One dockerd on the host: the socket can only be its (a socket with no live listener would have failed
  // the docker_api source instead).
  if (candidates.length === 1) return factOk(await describe(paths, candidates[0]!, 'only_candidate'));
  // 4. Several: the default socket belongs to the daemon that uses the default pidfile and exec root.
  if (await isDefaultSocket(paths, target.socketPath)) {
    const system: Candidate[] = [];
    for (const c of candidates) if (await isSystemDaemon(paths, c, settings.get(c)!)) system.push(c);
    if (system.length === 1) return factOk(await describe(paths, system[0]!, 'pidfile'));
  }
  const why = [
    denied.length > 0
      ? `/proc/PID/fd of pids ${denied.join(', ')} is not readable by uid ${process.getuid?.() ?? '?'}` +
        ' (CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH would let the exporter read it)'
      : '',
    unknown.length > 0 ? `/proc/PID/net/unix of pids ${unknown.join(', ')} could not be read` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return factError(
    `cannot tell which of the ${candidates.length} dockerd processes (pids ${pids}) serves ${where}: ` +
      `none names it in -H or daemon.json hosts, none is the only daemon with the default pidfile and exec root, ` +
      `and ${why}`,
  );
}
