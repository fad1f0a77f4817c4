// The mount table as dockerd's mount namespace sees it, and which mount holds a path.
import { readFile } from 'node:fs/promises';
import type { HostPaths } from '../hostPaths.js';

export interface MountEntry {
  /** major:minor of the filesystem. */
  readonly device: string;
  /** The directory of the filesystem that is mounted: "/" unless it is a bind mount of a subdirectory. */
  readonly fsRoot: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescapeOctal = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    if (pre.length < 5 || post.length < 2) continue;
    out.push({
      device: pre[2]!,
      fsRoot: unescapeOctal(pre[3]!),
      mountPoint: unescapeOctal(pre[4]!),
      fsType: post[0]!,
      source: unescapeOctal(post[1]!),
    });
  }
  return out;
}

/** The mount whose mount point is the longest path prefix of `path`; the last one wins when stacked. */
export function mountOf(mounts: readonly MountEntry[], path: string): MountEntry | null {
  let best: MountEntry | null = null;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const covers = mp === '/' || path === mp || path.startsWith(`${mp}/`);
    if (covers && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** dockerd's mount table when its pid is known, else init's. */
export async function readMounts(paths: HostPaths, pid: number | null): Promise<MountEntry[]> {
  return parseMountinfo(await readFile(paths.proc(pid ?? 1, 'mountinfo'), 'utf8'));
}
