// Finds the docker.service and docker.socket units systemd would load, with their drop-ins, and the
// dockerd command line the service starts.
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { SystemdFacts, UnitFiles } from '../../facts/hostFileTypes.js';
import { type DockerdProcess, type Fact, type FileStat, factError, factOk } from '../../facts/types.js';
import { orAbsent } from '../absent.js';
import { READ_LIMITS, readBoundedText } from '../boundedRead.js';
import { statPath } from '../fileStats.js';
import type { HostPaths } from '../hostPaths.js';
import {
  applyUnitText,
  type Directives,
  expandExecLine,
  lastAssignmentLine,
  parseEnvironmentAssignments,
  parseEnvironmentFile,
} from './unitFile.js';

/** Unit directories, highest precedence first (systemd.unit(5), system manager). */
export const UNIT_SEARCH_PATH: readonly string[] = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
];

const DEFAULT_SERVICE = 'docker.service';

/** systemctl mask links the unit to /dev/null (some tools copy the device node instead). */
async function isMasked(paths: HostPaths, hostPath: string): Promise<boolean> {
  const l = await orAbsent(lstat(paths.resolve(hostPath)), null);
  if (!l) return false;
  if (l.isCharacterDevice()) return true;
  if (!l.isSymbolicLink()) return false;
  return (await orAbsent(readlink(paths.resolve(hostPath)), null)) === '/dev/null';
}

/** A unit file or drop-in; a FIFO, a device or a file over the cap fails the systemd source with its path. */
async function readText(paths: HostPaths, hostPath: string): Promise<string> {
  return readBoundedText(paths.resolve(hostPath), READ_LIMITS.unitFile, hostPath);
}

/** A unit's fragment and drop-ins as systemd picks them: per drop-in name, the most important directory wins. */
export async function findUnit(paths: HostPaths, name: string): Promise<UnitFiles> {
  let fragment: FileStat | null = null;
  let masked = false;
  // Every directory is looked at together and the first in precedence order wins: one round of reads, not
  // one per directory in turn (a refresh waits on this source before the files it locates, issue 12).
  const [candidates, dropInDirs] = await Promise.all([
    Promise.all(
      UNIT_SEARCH_PATH.map(async (dir) => {
        const candidate = join(dir, name);
        const [isMask, st] = await Promise.all([isMasked(paths, candidate), statPath(paths, candidate)]);
        return { masked: isMask, st };
      }),
    ),
    Promise.all(
      UNIT_SEARCH_PATH.map(async (dir) => {
        const dropDir = join(dir, `${name}.d`);
        return { dropDir, entries: await orAbsent(readdir(paths.resolve(dropDir)), [] as string[]) };
      }),
    ),
  ]);
  for (const c of candidates) {
    if (c.masked) {
      masked = true;
      fragment = c.st;
      break;
    }
    if (c.st.exists && c.st.kind === 'file') {
      fragment = c.st;
      break;
    }
  }
  const chosen = new Map<string, string>();
  for (const { dropDir, entries } of dropInDirs) {
    for (const e of entries) {
      if (e.endsWith('.conf') && !chosen.has(e)) chosen.set(e, join(dropDir, e));
    }
  }
  const directives: Directives = {};
  const dropIns: FileStat[] = [];
  let execStartAt: { path: string; line: number } | null = null;
  const noteExecStart = (path: string, text: string) => {
    const at = lastAssignmentLine(text, 'Service', 'ExecStart');
    if (at === 'reset') execStartAt = null;
    else if (at !== null) execStartAt = { path, line: at };
  };
  if (!masked) {
    // Read together, applied in order: the fragment, then the drop-ins by name.
    const [fragmentText, read] = await Promise.all([
      fragment ? readText(paths, fragment.path) : null,
      Promise.all(
        [...chosen.keys()].sort().map(async (file) => {
          const hostPath = chosen.get(file)!;
          if (await isMasked(paths, hostPath)) return null;
          const st = await statPath(paths, hostPath);
          if (!st.exists || st.kind !== 'file') return null;
          return { hostPath, st, text: await readText(paths, hostPath) };
        }),
      ),
    ]);
    if (fragment && fragmentText !== null) {
      applyUnitText(directives, fragmentText);
      noteExecStart(fragment.path, fragmentText);
    }
    for (const r of read) {
      if (!r) continue;
      dropIns.push(r.st);
      applyUnitText(directives, r.text);
      noteExecStart(r.hostPath, r.text);
    }
  }
  return { name, fragment, masked, dropIns, directives, execStartAt };
}

/** The systemd service dockerd runs in, from its cgroup path (v2 "0::" or the v1 name=systemd hierarchy). */
export async function unitOfProcess(paths: HostPaths, pid: number): Promise<string | null> {
  const text = await orAbsent(readFile(paths.proc(pid, 'cgroup'), 'utf8'), '');
  const lines = text.split('\n').filter(Boolean);
  const preferred = lines.filter((l) => l.startsWith('0::') || l.includes(':name=systemd:'));
  for (const line of [...preferred, ...lines]) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    const unit = path
      .split('/')
      .reverse()
      .find((p) => p.endsWith('.service'));
    if (unit) return unit;
  }
  return null;
}

async function environmentOf(
  paths: HostPaths,
  directives: Readonly<Record<string, readonly string[]>>,
): Promise<{ env: Record<string, string>; problems: string[] }> {
  const env = parseEnvironmentAssignments(directives['Service.Environment'] ?? []);
  const problems: string[] = [];
  // Files are read in order and override Environment= (systemd.exec(5)).
  for (const entry of directives['Service.EnvironmentFile'] ?? []) {
    const optional = entry.startsWith('-');
    const file = optional ? entry.slice(1) : entry;
    if (file.includes('*')) {
      problems.push(`EnvironmentFile=${entry} uses a glob`);
      continue;
    }
    // Bounded like the units: an environment file that is a FIFO or over the cap fails the source.
    const text = await orAbsent(
      readBoundedText(paths.resolve(file), READ_LIMITS.environmentFile, file),
      null,
    );
    if (text === null) {
      if (!optional) problems.push(`EnvironmentFile=${file} cannot be read`);
      continue;
    }
    Object.assign(env, parseEnvironmentFile(text));
  }
  return { env, problems };
}

async function execStartOf(paths: HostPaths, service: UnitFiles): Promise<SystemdFacts['execStart']> {
  if (!service.fragment) return { argv: null, problem: `${service.name} not found` };
  if (service.masked) return { argv: null, problem: `${service.name} is masked` };
  const lines = service.directives['Service.ExecStart'] ?? [];
  if (lines.length === 0) return { argv: null, problem: `${service.name} has no ExecStart=` };
  if (lines.length > 1)
    return { argv: null, problem: `${service.name} has ${lines.length} ExecStart= lines` };
  const { env, problems } = await environmentOf(paths, service.directives);
  if (problems.length > 0) return { argv: null, problem: problems.join('; ') };
  let argv: string[];
  try {
    argv = expandExecLine(lines[0]!, env);
  } catch (e) {
    return { argv: null, problem: (e as Error).message };
  }
  if (!argv[0] || basename(argv[0]) !== 'dockerd') {
    return { argv: null, problem: `ExecStart= runs ${argv[0] ?? 'nothing'}, not dockerd` };
  }
  return { argv: argv.slice(1), problem: null };
}

export async function collectSystemd(
  paths: HostPaths,
  dockerd: DockerdProcess | null,
): Promise<Fact<SystemdFacts>> {
  try {
    const dockerdUnit = dockerd ? await unitOfProcess(paths, dockerd.pid) : null;
    const service = await findUnit(paths, dockerdUnit ?? DEFAULT_SERVICE);
    const socketNames = [
      service.name.replace(/\.service$/, '.socket'),
      ...(service.directives['Service.Sockets'] ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean),
    ];
    const [sockets, execStart] = await Promise.all([
      Promise.all([...new Set(socketNames)].map((n) => findUnit(paths, n))),
      execStartOf(paths, service),
    ]);
    return factOk({ searchPath: UNIT_SEARCH_PATH, dockerdUnit, service, sockets, execStart });
  } catch (e) {
    return factError(`systemd units: ${(e as Error).message}`);
  }
}
