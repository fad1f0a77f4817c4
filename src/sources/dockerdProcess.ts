// Finds the dockerd that serves --docker.host in /proc and reads its command line, environment and start time.
import { readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { decodeDaemonJson } from '../facts/daemonJson.js';
import { dockerdConfigFile, flagValues } from '../facts/dockerd/flags.js';
import { type DockerdProcess, type Fact, factError, factOk } from '../facts/types.js';
import { isAbsent, orAbsent } from './absent.js';
import { InputBoundsError, READ_LIMITS, readBoundedText } from './boundedRead.js';
import { DEFAULT_CONFIG_FILE } from './daemonConfigFile.js';
import type { HostPaths } from './hostPaths.js';

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

async function candidate(paths: HostPaths, pid: number): Promise<Candidate | null> {
  const comm = await orAbsent(readFile(paths.proc(pid, 'comm'), 'utf8'), '');
  if (comm.trim() !== 'dockerd') return null;
  const argv = await readCmdline(paths, pid);
  return argv && argv.length > 0 ? { pid, args: argv.slice(1) } : null;
}

async function listDockerdCandidates(paths: HostPaths): Promise<Candidate[]> {
  const pids = (await readdir(paths.proc())).filter((e) => /^\d+$/.test(e)).map(Number);
  const out: Candidate[] = [];
  // In /proc order, as one by one, but PROC_READS processes at a time.
  for (let i = 0; i < pids.length; i += PROC_READS) {
    const found = await Promise.all(pids.slice(i, i + PROC_READS).map((pid) => candidate(paths, pid)));
    for (const c of found) if (c) out.push(c);
  }
  return out;
}

/**
 * Same file by device and inode: robust across symlinks (/var/run -> /run), bind mounts and --host.root, where
 * an absolute link target would resolve outside the mounted host. Falls back to the resolved paths.
 */
async function samePath(a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  const [sa, sb] = await Promise.all([orAbsent(stat(a), null), orAbsent(stat(b), null)]);
  if (sa && sb) return sa.dev === sb.dev && sa.ino === sb.ino;
  const [ra, rb] = await Promise.all([orAbsent(realpath(a), a), orAbsent(realpath(b), b)]);
  return ra === rb;
}

/** Inodes of unix sockets bound at `socketPath`, as seen in the network namespace of `pid`. */
async function socketInodes(paths: HostPaths, pid: number, socketPath: string): Promise<Set<string>> {
  const table = await orAbsent(readFile(paths.proc(pid, 'net', 'unix'), 'utf8'), '');
  const bound = table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[7] && cols[6]);
  // Every bound socket compared at once (a daemon with running containers binds hundreds).
  const same = await Promise.all(bound.map((cols) => samePath(paths.resolve(cols[7]!), socketPath)));
  return new Set(bound.filter((_, i) => same[i]).map((cols) => cols[6]!));
}

async function holdsSocket(paths: HostPaths, pid: number, inodes: Set<string>): Promise<boolean> {
  if (inodes.size === 0) return false;
  const fds = await orAbsent(readdir(paths.proc(pid, 'fd')), [] as string[]);
  for (let i = 0; i < fds.length; i += PROC_READS) {
    const links = await Promise.all(
      fds.slice(i, i + PROC_READS).map((fd) => orAbsent(readlink(paths.proc(pid, 'fd', fd)), '')),
    );
    for (const link of links) {
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return true;
    }
  }
  return false;
}

async function hostsOf(paths: HostPaths, c: Candidate): Promise<string[]> {
  const hosts = flagValues(c.args, 'hosts');
  const file = dockerdConfigFile(c.args, null) ?? DEFAULT_CONFIG_FILE;
  // A file the daemon_config source refuses (a FIFO, over the cap) names no hosts here; that source reports it.
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
  return hosts;
}

async function servesTarget(paths: HostPaths, c: Candidate, target: DockerHostTarget): Promise<boolean> {
  for (const h of await hostsOf(paths, c)) {
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

async function describe(
  paths: HostPaths,
  c: Candidate,
  matchedBy: DockerdProcess['matchedBy'],
): Promise<DockerdProcess> {
  const [st, environ, cwd, statLine, procStat] = await Promise.all([
    stat(paths.proc(c.pid)),
    orAbsent(readFile(paths.proc(c.pid, 'environ'), 'utf8'), ''),
    orAbsent(readlink(paths.proc(c.pid, 'cwd')), null),
    orAbsent(readFile(paths.proc(c.pid, 'stat'), 'utf8'), ''),
    orAbsent(readFile(paths.proc('stat'), 'utf8'), ''),
  ]);
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
 * The dockerd last found holding the target socket, per host root and socket: asked first next time, so a
 * daemon.json edit does not list every process again. A socket is held by one process, so if that process is
 * still a dockerd holding it, it is the one a full search would find.
 */
const lastHolder = new Map<string, number>();

async function stillHolds(paths: HostPaths, pid: number, socketPath: string): Promise<Candidate | null> {
  const c = await candidate(paths, pid);
  if (!c) return null;
  return (await holdsSocket(paths, pid, await socketInodes(paths, pid, socketPath))) ? c : null;
}

export async function findDockerd(paths: HostPaths, target: DockerHostTarget): Promise<Fact<DockerdProcess>> {
  const holderKey = `${paths.proc()}\0${target.socketPath}`;
  const last = target.socketPath ? lastHolder.get(holderKey) : undefined;
  if (last !== undefined && target.socketPath) {
    const c = await stillHolds(paths, last, target.socketPath);
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
  if (target.socketPath) {
    for (const c of candidates) {
      const inodes = await socketInodes(paths, c.pid, target.socketPath);
      if (await holdsSocket(paths, c.pid, inodes)) {
        lastHolder.set(holderKey, c.pid);
        return factOk(await describe(paths, c, 'socket_inode'));
      }
    }
  }
  for (const c of candidates) {
    if (await servesTarget(paths, c, target)) return factOk(await describe(paths, c, 'hosts'));
  }
  if (candidates.length === 1 && !target.socketPath && !target.tcp) {
    return factOk(await describe(paths, candidates[0]!, 'only_candidate'));
  }
  return factError(
    `none of the ${candidates.length} dockerd processes (pids ${candidates.map((c) => c.pid).join(', ')}) serves ${
      target.socketPath ?? `${target.tcp?.host}:${target.tcp?.port}`
    }`,
  );
}
