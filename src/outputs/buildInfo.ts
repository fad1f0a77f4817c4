// The exporter's version (package.json) and revision (written next to dist/ at build time, or from the env).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

export function loadBuildInfo(): BuildInfo {
  // src/outputs (tsx) and dist/outputs (built) are both two levels below the package root.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const pkg = JSON.parse(readOr(join(root, 'package.json'), '{}')) as { name?: string; version?: string };
  return {
    name: pkg.name ?? 'dockersec-exporter',
    version: pkg.version ?? '0.0.0',
    revision: process.env.DOCKERSEC_REVISION || readOr(join(root, 'dist', 'REVISION'), 'unknown'),
  };
}
