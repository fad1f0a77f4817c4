// Resolves symlinks in host paths the way the host's kernel would (/var/run/docker.sock -> /run/docker.sock),
// also when the host's / is mounted at --host.root, where an absolute link target must stay under that root.
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { isAbsent } from '../absent.js';
import type { HostPaths } from '../hostPaths.js';

const MAX_LINKS = 40;

export class HostPathResolver {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly paths: HostPaths) {}

  /** Forget what was resolved, so links changed on the host are followed anew. */
  clear(): void {
    this.cache.clear();
  }

  resolve(path: string): Promise<string> {
    const clean = posix.normalize(path);
    let hit = this.cache.get(clean);
    if (!hit) {
      hit = this.walk(clean);
      this.cache.set(clean, hit);
    }
    return hit;
  }

  /** Component by component; a missing component ends resolution and the rest is kept as written. */
  private async walk(path: string): Promise<string> {
    let pending = path.split('/').filter(Boolean);
    let done = '/';
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        done = posix.dirname(done);
        continue;
      }
      const next = posix.join(done, part);
      let isLink = false;
      try {
        isLink = (await lstat(this.paths.resolve(next))).isSymbolicLink();
      } catch (err) {
        // A component that does not exist (yet) ends the resolution; the rest is taken as written.
        if (isAbsent(err)) return posix.join(next, ...pending);
        throw err;
      }
      if (!isLink) {
        done = next;
        continue;
      }
      if (++links > MAX_LINKS) return posix.join(next, ...pending);
      const target = await readlink(this.paths.resolve(next));
      pending = [...target.split('/').filter(Boolean), ...pending];
      if (target.startsWith('/')) done = '/';
    }
    return done;
  }
}
