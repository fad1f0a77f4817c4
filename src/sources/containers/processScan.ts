// The process names of many containers from one pass over /proc, instead of one `GET /containers/{id}/top`
// each: dockerd answers every top by running ps on the host, which costs it tens of milliseconds per container
// (most of a resync's time with 100 running containers). A process belongs to a container when its cgroup path
// names the container's id, which is how dockerd itself finds them (the container's cgroup, nested ones
// included). The scan only speaks for a container whose init process it saw in that container's cgroup: else
// (another PID namespace, /proc hiding other users' processes) the caller asks dockerd as before.
import { readdirSync } from 'node:fs';
import type { HostPaths } from '../hostPaths.js';
import { readProcFile as readProc } from '../procFiles.js';

/** Reads between two turns of the event loop, so a scan of a busy host never blocks a scrape for long. */
const BATCH = 64;

const ID_IN_PATH = /[0-9a-f]{64}/g;

export interface ProcessScan {
  /** The command names (comm) of the container's processes, or null when the scan cannot tell for this one. */
  commands(id: string, initPid: number): readonly string[] | null;
}

/** Whether this /proc may hide processes (mounted with hidepid or subset=pid) from a non-root reader. */
function mayHideProcesses(paths: HostPaths): boolean {
  if (process.getuid?.() === 0) return false;
  const mounts = readProc(paths.proc('self', 'mountinfo'));
  if (mounts === null) return true;
  return mounts
    .split('\n')
    .some((l) => / - proc /.test(l) && /(?:hidepid|subset)=/.test(l.slice(l.indexOf(' - '))));
}

/**
 * Scans /proc once for the processes of `ids`. Null when /proc cannot be scanned at all (not mounted, or it
 * may hide processes): every container is then asked of dockerd.
 */
export async function scanProcesses(paths: HostPaths, ids: ReadonlySet<string>): Promise<ProcessScan | null> {
  let entries: string[];
  try {
    if (mayHideProcesses(paths)) return null;
    entries = readdirSync(paths.proc()).filter((e) => /^\d+$/.test(e));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR') return null;
    throw err;
  }
  const byContainer = new Map<string, string[]>();
  /** pid -> the container ids its cgroup names. */
  const owner = new Map<number, string[]>();
  for (let i = 0; i < entries.length; i += BATCH) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    for (const pid of entries.slice(i, i + BATCH)) {
      const cgroup = readProc(paths.proc(pid, 'cgroup'));
      if (cgroup === null) continue;
      const mine = [...new Set(cgroup.match(ID_IN_PATH) ?? [])].filter((id) => ids.has(id));
      if (mine.length === 0) continue;
      const comm = readProc(paths.proc(pid, 'comm'));
      if (comm === null) continue;
      owner.set(Number(pid), mine);
      for (const id of mine) {
        const list = byContainer.get(id) ?? [];
        list.push(comm.trim());
        byContainer.set(id, list);
      }
    }
  }
  return {
    commands(id, initPid) {
      if (!(initPid > 0) || !owner.get(initPid)?.includes(id)) return null;
      return byContainer.get(id) ?? [];
    },
  };
}
