// Audit rules: the persistent rules files, the rules loaded in the kernel (auditctl -l), and the paths
// CIS 1.1.3-1.1.18 want audited, located on this host rather than assumed.
import { execFile } from 'node:child_process';
import { readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { AuditFacts, AuditRule, AuditSubject, AuditTarget } from '../../facts/hostFileTypes.js';
import { orAbsent } from '../absent.js';
import { READ_LIMITS, readBoundedText } from '../boundedRead.js';
import type { HostPaths } from '../hostPaths.js';
import { hostRealpath } from './hostRealpath.js';

const RULES_FILE = '/etc/audit/audit.rules';
const RULES_DIR = '/etc/audit/rules.d';
/** Where distributions put the binaries (runc is /usr/sbin/runc on Debian, /usr/bin/runc elsewhere). */
export const BINARY_DIRS: readonly string[] = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/** One rule per line, in auditctl syntax (`-w PATH -p wa -k docker`, `-a always,exit -F path=PATH ...`). */
export function parseAuditRules(text: string, source: string): AuditRule[] {
  const rules: AuditRule[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const tokens = line.split(/\s+/);
    let path: string | null = null;
    let kind: AuditRule['kind'] = 'watch';
    let perms: string | null = null;
    let key: string | null = null;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const next = tokens[i + 1];
      if (t === '-w' && next) {
        path = next;
        kind = 'watch';
        i++;
      } else if (t === '-p' && next) {
        perms = next;
        i++;
      } else if (t === '-k' && next) {
        key = next;
        i++;
      } else if (t === '-F' && next) {
        const eq = next.indexOf('=');
        const field = next.slice(0, eq);
        const value = next.slice(eq + 1);
        if (field === 'path' || field === 'dir') {
          path = value;
          kind = field;
        } else if (field === 'perm') perms = value;
        else if (field === 'key') key = value;
        i++;
      } else if (t === '-W') return;
    }
    if (path) rules.push({ source, line: index + 1, text: line, path, kind, perms, key });
  });
  return rules;
}

export async function readAuditRuleFiles(paths: HostPaths): Promise<{ files: string[]; rules: AuditRule[] }> {
  const dir = await orAbsent(readdir(paths.resolve(RULES_DIR)), [] as string[]);
  const candidates = [
    RULES_FILE,
    ...dir
      .filter((f) => f.endsWith('.rules'))
      .sort()
      .map((f) => posix.join(RULES_DIR, f)),
  ];
  // Read together, kept in augenrules' order.
  const texts = await Promise.all(
    candidates.map((file) =>
      orAbsent(readBoundedText(paths.resolve(file), READ_LIMITS.auditRules, file), null),
    ),
  );
  const files: string[] = [];
  const rules: AuditRule[] = [];
  texts.forEach((text, i) => {
    if (text === null) return;
    const file = candidates[i]!;
    files.push(file);
    rules.push(...parseAuditRules(text, file));
  });
  return { files, rules };
}

/** The rules in the kernel (auditctl -l), or why they are not known. */
export interface LoadedAuditRules {
  readonly rules: AuditRule[] | null;
  readonly problem: string | null;
}

/** The rules in the kernel. Needs auditctl and CAP_AUDIT_CONTROL; without them the files are all there is. */
export function loadedAuditRules(timeoutMs = 2_000): Promise<LoadedAuditRules> {
  return new Promise((resolve) => {
    execFile('auditctl', ['-l'], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'auditctl not installed' : (stderr || err.message).trim();
        resolve({ rules: null, problem: `auditctl -l: ${why}` });
        return;
      }
      resolve({
        rules: stdout.trim() === 'No rules' ? [] : parseAuditRules(stdout, 'auditctl -l'),
        problem: null,
      });
    });
  });
}

/**
 * What the audit facts read of the host that dockerd's configuration cannot change: the rules loaded in the
 * kernel (auditctl -l, a process start) and where the binaries are (realpaths in BINARY_DIRS, most of the
 * lstat calls). A caller may keep one across collections that only follow a daemon.json edit, and starts a new
 * one for a full refresh (issue 12: a daemon.json edit re-reads what the edit can change).
 */
export class AuditHostState {
  readonly kernel: Promise<LoadedAuditRules>;
  /** Realpaths of files in BINARY_DIRS, by path. */
  readonly binaries = new Map<string, Promise<string | null>>();

  constructor(kernel: Promise<LoadedAuditRules> = loadedAuditRules()) {
    this.kernel = kernel;
  }
}

/** realpath inside the host root, each path resolved once per collection (binaries once per host state). */
type Realpath = (hostPath: string) => Promise<string | null>;

function memoRealpath(paths: HostPaths, binaries: Map<string, Promise<string | null>>): Realpath {
  const perCollection = new Map<string, Promise<string | null>>();
  return (p) => {
    const cache = BINARY_DIRS.includes(posix.dirname(p)) ? binaries : perCollection;
    let hit = cache.get(p);
    if (!hit) {
      hit = hostRealpath(paths, p);
      cache.set(p, hit);
    }
    return hit;
  };
}

async function findBinary(realpath: Realpath, name: string): Promise<string | null> {
  const found = await Promise.all(BINARY_DIRS.map((dir) => realpath(posix.join(dir, name))));
  const i = found.findIndex((r) => r !== null);
  return i >= 0 ? posix.join(BINARY_DIRS[i]!, name) : null;
}

/**
 * Every other name under which the same file can be audited: its real path and, for binaries, the binary
 * directories that alias it (/sbin/runc on a merged /usr).
 */
async function aliasesOf(realpath: Realpath, path: string, binary: boolean): Promise<string[]> {
  const real = await realpath(path);
  if (real === null) return [];
  const names = new Set<string>([real]);
  if (binary) {
    const candidates = BINARY_DIRS.map((dir) => posix.join(dir, posix.basename(path)));
    const reals = await Promise.all(candidates.map(realpath));
    candidates.forEach((p, i) => {
      if (reals[i] === real) names.add(p);
    });
  }
  names.delete(path);
  return [...names];
}

const BINARIES = new Set<AuditSubject>([
  'dockerd',
  'containerd',
  'containerd_shim',
  'containerd_shim_runc_v1',
  'containerd_shim_runc_v2',
  'runc',
]);

export interface AuditLocations {
  readonly dockerdPid: number | null;
  readonly dataRoot: string | null;
  readonly configDir: string;
  readonly daemonJson: string | null;
  readonly serviceFragment: string | null;
  readonly socketFragment: string | null;
  readonly dockerSocket: string | null;
  readonly containerdSocket: string | null;
  readonly containerdConfig: string;
}

async function locate(
  paths: HostPaths,
  realpath: Realpath,
  where: AuditLocations,
): Promise<Record<AuditSubject, { path: string | null; how: string }>> {
  let dockerd: { path: string | null; how: string } = { path: null, how: 'dockerd not found' };
  if (where.dockerdPid !== null) {
    const exe = await orAbsent(readlink(paths.proc(where.dockerdPid, 'exe')), null);
    if (exe) dockerd = { path: exe.replace(/ \(deleted\)$/, ''), how: 'the running dockerd' };
  }
  if (dockerd.path === null) {
    const found = await findBinary(realpath, 'dockerd');
    if (found) dockerd = { path: found, how: 'found in the binary directories' };
  }
  const binary = async (name: string) => {
    const p = await findBinary(realpath, name);
    return {
      path: p,
      how: p ? 'found in the binary directories' : `${name} not found in ${BINARY_DIRS.join(', ')}`,
    };
  };
  const fixed = (path: string | null, how: string) => ({ path, how });
  const [containerd, shim, shimV1, shimV2, runc] = await Promise.all([
    binary('containerd'),
    binary('containerd-shim'),
    binary('containerd-shim-runc-v1'),
    binary('containerd-shim-runc-v2'),
    binary('runc'),
  ]);
  return {
    dockerd,
    run_containerd: fixed(
      where.containerdSocket ? posix.dirname(where.containerdSocket) : null,
      "the directory of dockerd's containerd socket",
    ),
    data_root: fixed(where.dataRoot, "dockerd's data root"),
    config_dir: fixed(where.configDir, "dockerd's configuration directory"),
    docker_service: fixed(where.serviceFragment, 'the unit file systemd loads'),
    containerd_socket: fixed(where.containerdSocket, "dockerd's containerd socket"),
    docker_socket: fixed(where.socketFragment, 'the socket unit file systemd loads'),
    docker_sock: fixed(
      where.dockerSocket,
      where.dockerSocket
        ? 'the Docker socket the exporter talks to'
        : 'the exporter reaches dockerd over TCP',
    ),
    default_docker: fixed('/etc/default/docker', 'Debian-style service defaults'),
    daemon_json: fixed(where.daemonJson, 'the daemon.json dockerd reads'),
    containerd_config: fixed(where.containerdConfig, "containerd's configuration"),
    sysconfig_docker: fixed('/etc/sysconfig/docker', 'Red Hat-style service defaults'),
    containerd,
    containerd_shim: shim,
    containerd_shim_runc_v1: shimV1,
    containerd_shim_runc_v2: shimV2,
    runc,
  };
}

/** `host`: what is read of the host apart from dockerd's configuration (a new one reads it all again). */
export async function collectAudit(
  paths: HostPaths,
  where: AuditLocations,
  host: AuditHostState = new AuditHostState(),
): Promise<AuditFacts> {
  const realpath = memoRealpath(paths, host.binaries);
  const [{ files, rules }, loaded, located] = await Promise.all([
    readAuditRuleFiles(paths),
    host.kernel,
    locate(paths, realpath, where),
  ]);
  const entries = Object.entries(located) as [AuditSubject, { path: string | null; how: string }][];
  const targets = await Promise.all(
    entries.map(async ([subject, { path, how }]): Promise<AuditTarget> => {
      const exists = path !== null && (await realpath(path)) !== null;
      const aliases = path && exists ? await aliasesOf(realpath, path, BINARIES.has(subject)) : [];
      return { subject, path, aliases, exists, how };
    }),
  );
  return { ruleFiles: files, rules, loaded: loaded.rules, loadedProblem: loaded.problem, targets };
}
