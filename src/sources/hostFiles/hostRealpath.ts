// realpath() inside the host root: an absolute symlink on the host (/sbin -> /usr/sbin) must resolve
// against --host.root, not against the exporter's own /.
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { HostPaths } from '../hostPaths.js';

const MAX_LINKS = 40;

/** The host path with every symlink resolved, or null when a component does not exist. */
export async function hostRealpath(paths: HostPaths, hostPath: string): Promise<string | null> {
  let pending = posix.normalize(hostPath).split('/').filter(Boolean);
  let done = '/';
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      done = posix.dirname(done);
      continue;
    }
    const next = posix.join(done, part);
    const st = await lstat(paths.resolve(next)).catch(() => null);
    if (!st) return null;
    if (!st.isSymbolicLink()) {
      done = next;
      continue;
    }
    if (++links > MAX_LINKS) return null;
    const target = await readlink(paths.resolve(next));
    if (target.startsWith('/')) done = '/';
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return done;
}
