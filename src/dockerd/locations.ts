// Where dockerd keeps what the second round of sources reads, worked out from the first round of facts the
// way dockerd works it out: its TLS files (cmd/dockerd defaults), its configuration, data and exec roots
// (rootless defaults under the daemon user's XDG directories), and every place a TCP listener is declared.
// Every path comes from dockerd's real configuration, never from a fixed list the configuration could move.
import { posix } from 'node:path';
import { parseDockerdArgs } from '../facts/dockerd/flags.js';
import { declaredFromHost, declaredFromListenStream } from '../facts/dockerd/listeners.js';
import type { SystemdFacts } from '../facts/hostFileTypes.js';
import type { DeclaredListener, ExposureInput, HostFilesInput, TlsFileRef } from '../facts/locations.js';
import type { DaemonConfigFile, DockerApiFacts, DockerdProcess, Fact, Facts } from '../facts/types.js';
import { UndecidableError } from './errors.js';
import { hasSecurityOption } from './securityOptions.js';
import type { DaemonSettings } from './settings.js';
import { type TlsMode, tlsMode } from './tls.js';

/** The facts of the first round, which locate the files and listeners of the second. */
export interface FirstRound {
  readonly daemonConfig: Fact<DaemonConfigFile>;
  readonly dockerd: Fact<DockerdProcess>;
  readonly api: Fact<DockerApiFacts>;
  /** Home directories by uid, for a daemon whose environment has no HOME. */
  readonly homes: Readonly<Record<number, string>>;
}

/** A configured string that never throws: a broken daemon.json leaves only the flags. */
function configured(
  settings: DaemonSettings,
  key: string,
): { value: string; origin: 'file' | 'flag' } | null {
  const s = settings.peek(key);
  return s && typeof s.value === 'string' && s.value !== '' && s.origin !== 'default'
    ? { value: s.value, origin: s.origin }
    : null;
}

function stringsOf(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The environment and home of the daemon's user, for rootless defaults and dockerd's TLS defaults. */
function userDirs(dockerd: DockerdProcess | null, homes: Readonly<Record<number, string>>) {
  const env = dockerd?.env ?? {};
  const uid = dockerd?.uid ?? 0;
  const home = env.HOME || homes[uid] || (uid === 0 ? '/root' : `/home/${uid}`);
  const runtimeDir = env.XDG_RUNTIME_DIR || `/run/user/${uid}`;
  return { env, uid, home, runtimeDir, rootless: uid !== 0 };
}

const processOf = (round: FirstRound): DockerdProcess | null =>
  round.dockerd.ok ? round.dockerd.value : null;

/** Relative paths in dockerd's configuration are relative to its working directory. */
function absolute(path: string, dockerd: DockerdProcess | null): string {
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.resolve(dockerd?.cwd ?? '/', path);
}

export function tlsFileRefs(settings: DaemonSettings, round: FirstRound): TlsFileRef[] {
  const dockerd = processOf(round);
  let mode: Pick<TlsMode, 'tls' | 'verify'> = { tls: false, verify: false };
  try {
    mode = tlsMode(settings, round);
  } catch (err) {
    // daemon.json undecodable: only the files flags name explicitly are known (tls_cert_expiry says why).
    if (!(err instanceof UndecidableError)) throw err;
  }
  const { env, home } = userDirs(dockerd, round.homes);
  // dockerd's defaults: $DOCKER_CERT_PATH, else ~/.docker of the daemon's user (cmd/dockerd/options.go).
  const certDir = env.DOCKER_CERT_PATH || posix.join(home, '.docker');
  const refs: TlsFileRef[] = [];
  const specs = [
    { key: 'tlscacert', role: 'ca', file: 'ca.pem', used: mode.verify },
    { key: 'tlscert', role: 'server', file: 'cert.pem', used: mode.tls },
    { key: 'tlskey', role: 'key', file: 'key.pem', used: mode.tls },
  ] as const;
  for (const s of specs) {
    const named = configured(settings, s.key);
    if (named)
      refs.push({ key: s.key, role: s.role, path: absolute(named.value, dockerd), origin: named.origin });
    else if (s.used)
      refs.push({ key: s.key, role: s.role, path: posix.join(certDir, s.file), origin: 'default' });
  }
  return refs;
}

export function hostFileLocations(
  settings: DaemonSettings,
  round: FirstRound,
  systemd: Fact<SystemdFacts>,
  dockerSocket: string | null,
): HostFilesInput {
  const dockerd = processOf(round);
  const { env, home, runtimeDir, rootless } = userDirs(dockerd, round.homes);
  const configHome = env.XDG_CONFIG_HOME || posix.join(home, '.config');
  const api = round.api.ok ? round.api.value : null;
  const containerd = configured(settings, 'containerd');
  const execRoot = configured(settings, 'exec-root');
  const dataRootSetting = configured(settings, 'data-root') ?? configured(settings, 'graph');
  const dataHome = env.XDG_DATA_HOME || posix.join(home, '.local', 'share');
  const dataRoot: HostFilesInput['dataRoot'] = api?.info.dockerRootDir
    ? { path: api.info.dockerRootDir, origin: 'api', userns: hasSecurityOption(api, 'userns') }
    : dataRootSetting
      ? { path: absolute(dataRootSetting.value, dockerd), origin: 'config', userns: false }
      : {
          path: rootless ? posix.join(dataHome, 'docker') : '/var/lib/docker',
          origin: 'default',
          userns: false,
        };
  const units = systemd.ok ? systemd.value : null;
  return {
    dockerdPid: dockerd?.pid ?? null,
    configDir: rootless ? posix.join(configHome, 'docker') : '/etc/docker',
    daemonJson: round.daemonConfig.ok ? round.daemonConfig.value.path : null,
    containerd: containerd ? { path: containerd.value, origin: containerd.origin } : null,
    systemContainerdSocket: rootless
      ? posix.join(runtimeDir, 'containerd', 'containerd.sock')
      : '/run/containerd/containerd.sock',
    execRoot: execRoot
      ? absolute(execRoot.value, dockerd)
      : rootless
        ? posix.join(runtimeDir, 'docker')
        : '/var/run/docker',
    dataRoot,
    socketGroup: configured(settings, 'group')?.value ?? 'docker',
    serviceFragment: units?.service.fragment?.path ?? null,
    socketFragment: units?.sockets.find((s) => s.fragment)?.fragment?.path ?? null,
    dockerSocket,
  };
}

/** Every TCP listener dockerd's configuration declares: daemon.json, -H flags and systemd's ListenStream=. */
export function declaredListeners(
  settings: DaemonSettings,
  round: FirstRound,
  systemd: Fact<SystemdFacts>,
  baseline: Facts['configBaseline'],
): ExposureInput {
  const dockerd = processOf(round);
  const notes: string[] = [];
  const hosts: { value: string; origin: 'hosts_file' | 'hosts_flag' }[] = [];
  const file = round.daemonConfig.ok ? round.daemonConfig.value.parsed : null;
  for (const h of stringsOf(file?.hosts)) hosts.push({ value: h, origin: 'hosts_file' });
  // The file as dockerd read it: its listeners are live even after an edit it has not applied.
  if (baseline.ok && baseline.value.atStart.known) {
    for (const h of stringsOf(baseline.value.atStart.file.hosts))
      hosts.push({ value: h, origin: 'hosts_file' });
  }
  let flagArgs: readonly string[] | null = dockerd?.args ?? null;
  if (!flagArgs && systemd.ok && systemd.value.execStart.argv) {
    flagArgs = systemd.value.execStart.argv;
    notes.push(`dockerd not visible: -H flags taken from ${systemd.value.service.name}`);
  }
  if (flagArgs) {
    for (const o of parseDockerdArgs(flagArgs, settings.release).occurrences) {
      if (o.key === 'hosts') hosts.push({ value: o.value, origin: 'hosts_flag' });
    }
  }
  const declared: DeclaredListener[] = hosts
    .map((h) => declaredFromHost(h.value, h.origin))
    .filter((d): d is DeclaredListener => d !== null);
  const inheritsSockets = hosts.some((h) => h.value.trim().startsWith('fd://'));
  if (inheritsSockets) {
    const sockets = systemd.ok ? systemd.value.sockets.filter((s) => s.fragment && !s.masked) : [];
    if (sockets.length === 0) notes.push('dockerd runs with -H fd:// but no socket unit was found');
    for (const s of sockets) {
      for (const v of s.directives['Socket.ListenStream'] ?? []) {
        const d = declaredFromListenStream(v);
        if (d) declared.push({ ...d, text: `${s.name} ${d.text}` });
      }
    }
  }
  return { declared, dockerdPid: dockerd?.pid ?? null, inheritsSockets, notes };
}
