// The sockets a process holds open, from the links of /proc/PID/fd (`socket:[INODE]`): what tells which dockerd
// holds the Docker socket, which TCP ports it listens on and which unix sockets it serves. One reader for all
// three (dockerdProcess.ts, exposure/listeningSockets.ts, containers/daemonSockets.ts).
//
// The links are read synchronously, a batch between two turns of the event loop: a readlink in /proc never waits
// on a file system (the kernel prints the open file's name), and one thread-pool round trip per descriptor made
// a dockerd with a few hundred descriptors cost tens of milliseconds per daemon.json edit (issue 12).
import { readdirSync, readlinkSync } from 'node:fs';
import type { HostPaths } from './hostPaths.js';

/**
 * Links read between two turns of the event loop. The first batch is small: a process holds its listening
 * sockets by low descriptor numbers (opened at start), so a caller looking for one mostly stops there.
 */
const FIRST_BATCH = 16;
const BATCH = 256;

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

export interface HeldSocket {
  /** The descriptor number, as named in /proc/PID/fd. */
  readonly fd: string;
  /** The socket's inode, as /proc/PID/net/{unix,tcp,tcp6} name it. */
  readonly inode: string;
}

/** The socket inode descriptor `fd` of `pid` links to; null when it is closed, gone or not a socket. */
export function socketAt(paths: HostPaths, pid: number, fd: string): string | null {
  try {
    return SOCKET_LINK.exec(readlinkSync(paths.proc(pid, 'fd', fd)))?.[1] ?? null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Closed since it was listed, or the process exited.
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw err;
  }
}

/**
 * The sockets `pid` holds, a batch at a time, so a caller looking for one can stop early. Listing the
 * descriptors throws as readdir does (EACCES for another user's process, ENOENT for one that exited).
 */
export async function* heldSocketBatches(paths: HostPaths, pid: number): AsyncGenerator<HeldSocket[]> {
  // In descriptor order (readdir of /proc/PID/fd lists them so on Linux, but that is not promised).
  const fds = readdirSync(paths.proc(pid, 'fd')).sort((a, b) => Number(a) - Number(b));
  for (let i = 0; i < fds.length; ) {
    if (i > 0) await new Promise((r) => setImmediate(r));
    const end = i + (i === 0 ? FIRST_BATCH : BATCH);
    const batch: HeldSocket[] = [];
    for (const fd of fds.slice(i, end)) {
      const inode = socketAt(paths, pid, fd);
      if (inode !== null) batch.push({ fd, inode });
    }
    i = end;
    yield batch;
  }
}

/** Every socket inode `pid` holds. */
export async function heldSocketInodes(paths: HostPaths, pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for await (const batch of heldSocketBatches(paths, pid)) for (const s of batch) inodes.add(s.inode);
  return inodes;
}
