// The unix sockets dockerd actually listens on: bound paths from /proc/PID/net/unix whose socket the process
// holds open. Covers -H flags, "hosts" in daemon.json and sockets systemd passes in (fd://) alike.
import { readFile } from 'node:fs/promises';
import type { DaemonSocket } from '../../facts/containers.js';
import { orAbsent } from '../absent.js';
import type { HostPaths } from '../hostPaths.js';
import { heldSocketInodes } from '../procSockets.js';
import type { HostPathResolver } from './hostPathResolver.js';

/** __SO_ACCEPTCON in the Flags column: a listening socket. */
const ACCEPTCON = 0x10000;

async function listeningPaths(paths: HostPaths, pid: number): Promise<string[]> {
  const [table, held] = await Promise.all([
    readFile(paths.proc(pid, 'net', 'unix'), 'utf8'),
    heldSocketInodes(paths, pid),
  ]);
  const out = new Set<string>();
  // Num RefCount Protocol Flags Type St Inode Path
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const path = cols[7];
    if (!path?.startsWith('/') || !cols[6] || !held.has(cols[6])) continue;
    if ((Number.parseInt(cols[3] ?? '0', 16) & ACCEPTCON) !== 0) out.add(path);
  }
  return [...out];
}

export async function daemonSockets(
  paths: HostPaths,
  resolver: HostPathResolver,
  exporterSocket: string | null,
  dockerdPid: number | null,
): Promise<DaemonSocket[]> {
  const found = new Map<string, boolean>();
  if (exporterSocket) found.set(exporterSocket, true);
  if (dockerdPid !== null) {
    // dockerd in another PID or network namespace than the exporter: only the exporter's socket is known.
    const listening = await orAbsent(listeningPaths(paths, dockerdPid), [] as string[]);
    for (const p of listening) if (!found.has(p)) found.set(p, false);
  }
  const out: DaemonSocket[] = [];
  for (const [path, exporter] of found) {
    out.push({ path, hostPath: await resolver.resolve(path), exporter });
  }
  return out;
}
