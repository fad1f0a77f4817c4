// The exporter's version (package.json) and revision: $DOCKERSEC_REVISION (the image's build argument), else
// dist/REVISION (written by `npm run build`), else the git checkout it runs from.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  readonly name: string;
  readonly version: string;
  readonly revision: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim() || fallback;
  } catch (err) {
    // No REVISION file outside a release build: the documented fallback.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
  }
}

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    // Not a git checkout, or a part of it missing: no revision from git.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return null;
    throw err;
  }
};

/**
 * The commit of a git checkout at `root`, read from its files (no git process, so --help stays fast): .git as a
 * directory or, in a worktree, a file naming it; HEAD detached or on a branch, loose or packed.
 */
export function gitRevision(root: string): string | null {
  const dotGit = join(root, '.git');
  const pointer = read(dotGit);
  const gitDir = pointer?.startsWith('gitdir: ') ? resolve(root, pointer.slice(8)) : dotGit;
  const head = read(join(gitDir, 'HEAD'));
  if (!head) return null;
  if (/^[0-9a-f]{40,64}$/.test(head)) return head.slice(0, 12);
  const ref = /^ref: (\S+)$/.exec(head)?.[1];
  if (!ref) return null;
  const common = read(join(gitDir, 'commondir'));
  for (const dir of [gitDir, common ? resolve(gitDir, common) : null]) {
    if (!dir) continue;
    const loose = read(join(dir, ref));
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose.slice(0, 12);
    const packed = read(join(dir, 'packed-refs'));
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
    if (line) return line.slice(0, 12);
  }
  return null;
}

/**
 * The package's root: the nearest directory holding a package.json, at most two levels above this module, which
 * is src/outputs/buildInfo.ts under tsx, and part of dist/cli.js or of a chunk under dist/chunks/ once built.
 * No further: a dist/ copied without its package.json must not report some other package's name and version.
 */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, dirname(here), dirname(dirname(here))];
  return candidates.find((dir) => existsSync(join(dir, 'package.json'))) ?? here;
}

export function loadBuildInfo(): BuildInfo {
  const root = packageRoot();
  const pkg = JSON.parse(readOr(join(root, 'package.json'), '{}')) as { name?: string; version?: string };
  return {
    name: pkg.name ?? 'dockersec-exporter',
    version: pkg.version ?? '0.0.0',
    revision:
      process.env.DOCKERSEC_REVISION ||
      readOr(join(root, 'dist', 'REVISION'), '') ||
      gitRevision(root) ||
      'unknown',
  };
}
