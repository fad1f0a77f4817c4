// The TCP sockets a process listens on, from /proc: its socket fds matched against /proc/PID/net/tcp{,6}.
import { readFile } from 'node:fs/promises';
import { orAbsent } from '../absent.js';
import type { HostPaths } from '../hostPaths.js';
import { heldSocketInodes } from '../procSockets.js';

export interface ListeningSocket {
  readonly host: string;
  readonly port: number;
}

const TCP_LISTEN = '0A';

/** /proc/net/tcp writes IPv4 addresses as one little-endian hex word. */
function ipv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24].join('.');
}

/** IPv6 addresses are four little-endian 32-bit words; v4-mapped ones are shown as IPv4. */
function ipv6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(Number.parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12).join('.');
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // Shorten the longest run of zero groups the way inet_ntop does.
  const text = groups.join(':');
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort((a, b) => b[0].length - a[0].length);
  if (runs.length === 0) return text;
  const r = runs[0]!;
  return `${text.slice(0, r.index)}::${text.slice(r.index! + r[0].length)}`;
}

export function parseProcNetTcp(table: string, v6: boolean, inodes: ReadonlySet<string>): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const [local, , state] = [cols[1], cols[2], cols[3]];
    const inode = cols[9];
    if (!local || state !== TCP_LISTEN || !inode || !inodes.has(inode)) continue;
    const [addr = '', port = ''] = local.split(':');
    out.push({ host: v6 ? ipv6(addr) : ipv4(addr), port: Number.parseInt(port, 16) });
  }
  return out;
}

export async function listeningTcpSockets(paths: HostPaths, pid: number): Promise<ListeningSocket[]> {
  const inodes = await heldSocketInodes(paths, pid);
  const [tcp, tcp6] = await Promise.all([
    orAbsent(readFile(paths.proc(pid, 'net', 'tcp'), 'utf8'), ''),
    orAbsent(readFile(paths.proc(pid, 'net', 'tcp6'), 'utf8'), ''),
  ]);
  return [...parseProcNetTcp(tcp, false, inodes), ...parseProcNetTcp(tcp6, true, inodes)];
}
