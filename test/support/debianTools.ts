// Tools the deployment tests run that Debian packages but the machine may not have installed: haproxy (the
// compose example's Docker API proxy) and Compose v2 (`docker-compose config`; bookworm only has 1.29, the
// trixie package's Go binary runs on bookworm). Found on PATH, else unpacked with `dpkg -x` into the test
// cache from packages `apt-get download` fetches, so nothing is installed or started on the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR } from './nodeBaseImage.js';

export interface Tool {
  readonly cmd: string;
  readonly env: NodeJS.ProcessEnv;
}

function onPath(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Downloads `packages` (apt-get download, `name` or `name/suite`) and unpacks them into `dir`. */
function unpack(dir: string, packages: string[]): void {
  const debs = join(CACHE_DIR, 'debs');
  mkdirSync(debs, { recursive: true });
  mkdirSync(dir, { recursive: true });
  for (const p of packages) {
    const name = p.split('/')[0]!;
    if (!readdirSync(debs).some((f) => f.startsWith(`${name}_`))) {
      execFileSync('apt-get', ['download', '-q', p], { cwd: debs, stdio: 'ignore' });
    }
    const deb = readdirSync(debs).find((f) => f.startsWith(`${name}_`));
    if (!deb) throw new Error(`apt-get download ${p} left no .deb in ${debs}`);
    execFileSync('dpkg', ['-x', join(debs, deb), dir]);
  }
}

/** haproxy, or why it is not available (a test skip reason). */
export function haproxy(): Tool | string {
  const installed = onPath('haproxy');
  if (installed) return { cmd: installed, env: process.env };
  const dir = join(CACHE_DIR, 'haproxy');
  const cmd = join(dir, 'usr', 'sbin', 'haproxy');
  try {
    if (!existsSync(cmd))
      unpack(dir, ['haproxy', 'liblua5.3-0', 'libopentracing-c-wrapper0', 'libopentracing1']);
  } catch (e) {
    return `haproxy not installed and not downloadable: ${(e as Error).message}`;
  }
  return { cmd, env: { ...process.env, LD_LIBRARY_PATH: join(dir, 'usr', 'lib', 'x86_64-linux-gnu') } };
}

/** Compose v2 (`docker-compose`), or why it is not available. */
export function composeV2(): Tool | string {
  const installed = onPath('docker-compose');
  if (installed && /v2\./.test(spawnSync(installed, ['version'], { encoding: 'utf8' }).stdout ?? '')) {
    return { cmd: installed, env: process.env };
  }
  const dir = join(CACHE_DIR, 'compose');
  const cmd = join(dir, 'usr', 'bin', 'docker-compose');
  try {
    if (!existsSync(cmd)) unpack(dir, ['docker-compose/trixie']);
  } catch (e) {
    return `Compose v2 not installed and the trixie docker-compose package not downloadable (add trixie to apt's sources with a low pin): ${(e as Error).message}`;
  }
  return { cmd, env: process.env };
}
