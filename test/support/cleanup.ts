// Synchronous teardown primitives for sandboxed dockerd daemons. They are synchronous on purpose:
// the process 'exit' safety net cannot await, and the same code then serves the normal path.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const SANDBOX_ROOT = '/tmp';
export const SANDBOX_PREFIX = 'dockersec-test-';
const NETNS_PREFIX = 'dockersec-';
const OWNER_FILE = 'owner';

interface ProcInfo {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
  args: string[];
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses, so fields are counted from the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return {
      pid,
      ppid: Number(rest[1]),
      state: rest[0] ?? '?',
      startTime: rest[19] ?? '',
      args: cmdline.split('\0').filter((a) => a !== ''),
    };
  } catch {
    return null;
  }
}

function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProc(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** A zombie has already released its namespaces and mounts; for teardown it counts as gone. */
export function isAlive(pid: number): boolean {
  const info = readProc(pid);
  return info !== null && info.state !== 'Z' && info.state !== 'X';
}

function referencesDir(args: string[], dir: string): boolean {
  return args.some((a) => a === dir || a.includes(`${dir}/`));
}

/**
 * Every process that belongs to the sandbox in `dir`: the given root pids (dockerd), anything whose command
 * line names the sandbox (containerd, shims: they are reparented to init, so the tree alone misses them),
 * and all their descendants (container processes). Processes the test itself spawned (an exporter pointed
 * at the socket, a docker CLI) are the test's to stop, so our own descendants are excluded unless they
 * hang below a root pid.
 */
export function sandboxProcesses(
  dir: string,
  rootPids: number[] = [],
  opts: { shims?: boolean } = {},
): number[] {
  const procs = listProcesses();
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p.pid);
    children.set(p.ppid, list);
  }
  const ours = new Set<number>();
  const walk = (pid: number, into: Set<number>, stopAt: (pid: number) => boolean): void => {
    for (const c of children.get(pid) ?? []) {
      if (into.has(c) || stopAt(c)) continue;
      into.add(c);
      walk(c, into, stopAt);
    }
  };
  const roots = new Set(rootPids.filter((p) => isAlive(p)));
  walk(process.pid, ours, (p) => roots.has(p));
  ours.add(process.pid);
  // With live-restore the shims (and the containers below them) are meant to outlive dockerd.
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const skip = (pid: number): boolean =>
    opts.shims === false && basename(byPid.get(pid)?.args[0] ?? '').startsWith('containerd-shim');
  const selected = new Set<number>(roots);
  for (const p of procs) {
    if (!ours.has(p.pid) && referencesDir(p.args, dir)) selected.add(p.pid);
  }
  const result = new Set<number>();
  for (const pid of selected) {
    if (skip(pid)) continue;
    result.add(pid);
    walk(pid, result, skip);
  }
  return [...result].filter((p) => p !== process.pid && isAlive(p));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGKILL the pids and wait (bounded) until they are gone; returns the pids that survived. */
export function killSync(targets: number[], timeoutMs = 5000): number[] {
  // Never 0 or negative: those address process groups, -1 even every process.
  const pids = targets.filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    sleepSync(20);
    alive = alive.filter(isAlive);
  }
  return alive;
}

function decodeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Mount points at or below `dir` in this process's mount namespace, deepest first. */
export function mountsUnder(dir: string): string[] {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  const points = lines
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(decodeMountPath)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  // Later mounts may sit on top of earlier ones at the same point, so unmount in reverse order.
  return points.reverse();
}

export function unmountUnder(dir: string): string[] {
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return [];
    for (const p of points) {
      const r = spawnSync('umount', [p], { stdio: 'ignore' });
      if (r.status !== 0) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
    }
  }
  return mountsUnder(dir);
}

export function netnsNameFor(dir: string): string {
  return NETNS_PREFIX + basename(dir).slice(SANDBOX_PREFIX.length);
}

export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

export function deleteNetns(name: string): void {
  if (netnsExists(name)) spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
}

/**
 * Remove the sandbox directory, refusing while anything is still mounted below it: a recursive delete
 * would otherwise walk into a bind mount and delete host files.
 */
export function removeSandboxDir(dir: string): void {
  const left = unmountUnder(dir);
  if (left.length > 0) throw new Error(`still mounted under ${dir}, not removing it: ${left.join(', ')}`);
  rmSync(dir, { recursive: true, force: true });
}

export function writeOwner(dir: string): void {
  const self = readProc(process.pid);
  writeFileSync(join(dir, OWNER_FILE), `${process.pid} ${self?.startTime ?? ''}\n`);
}

function ownerAlive(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, OWNER_FILE), 'utf8');
  } catch {
    // A directory without owner may be one another process is setting up right now; leave young ones.
    try {
      return Date.now() - statSync(dir).mtimeMs < 10 * 60_000;
    } catch {
      return false;
    }
  }
  const [pid, start] = text.trim().split(' ');
  const info = readProc(Number(pid));
  // The start time guards against a recycled pid; a zombie owner is as dead as a missing one.
  return info !== null && info.state !== 'Z' && info.startTime === start;
}

/** Full teardown of one sandbox directory: processes, mounts, network namespace, files. */
export function teardownSandboxSync(dir: string, rootPids: number[] = []): void {
  killSync(sandboxProcesses(dir, rootPids));
  // Shims can outlive one round when containerd restarted them meanwhile; a second pass is cheap.
  killSync(sandboxProcesses(dir));
  unmountUnder(dir);
  deleteNetns(netnsNameFor(dir));
  removeSandboxDir(dir);
}

/**
 * Sandboxes of test processes that died without cleaning up (SIGKILL, OOM): tear them down so they do
 * not pile up and keep dockerd daemons running. Sandboxes of live processes are never touched.
 */
export function reapStaleSandboxes(): void {
  let names: string[];
  try {
    names = readdirSync(SANDBOX_ROOT);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(SANDBOX_PREFIX)) continue;
    const dir = join(SANDBOX_ROOT, name);
    try {
      if (!statSync(dir).isDirectory() || ownerAlive(dir)) continue;
      teardownSandboxSync(dir);
    } catch {
      // best effort: a stale sandbox must not fail an unrelated test
    }
  }
  let netns: string[] = [];
  try {
    netns = readdirSync('/run/netns');
  } catch {
    return;
  }
  for (const ns of netns) {
    if (!ns.startsWith(NETNS_PREFIX)) continue;
    const dir = join(SANDBOX_ROOT, SANDBOX_PREFIX + ns.slice(NETNS_PREFIX.length));
    if (!existsSync(dir)) deleteNetns(ns);
  }
}
