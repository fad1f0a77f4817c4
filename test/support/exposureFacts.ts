// Fixture parts for the exposure and drift facts (systemd, TLS files, host files, probe, config baseline):
// a stock Debian host where dockerd runs from docker.service with -H fd:// and nothing listens on TCP.
import type { ConfigBaseline } from '../../src/facts/baselineTypes.js';
import type {
  CertificateInfo,
  ExposureFacts,
  ListenerProbe,
  TcpListener,
} from '../../src/facts/exposureTypes.js';
import type {
  AuditSubject,
  AuditTarget,
  HostFileFacts,
  SystemdFacts,
  TlsFile,
  UnitFiles,
} from '../../src/facts/hostFileTypes.js';
import type { Fact, Facts, FileStat } from '../../src/facts/types.js';
import { factError, factOk } from '../../src/facts/types.js';

export type ExposureSource = 'systemd' | 'tlsFiles' | 'hostFiles' | 'exposure' | 'configBaseline';

export interface ExposureOverrides {
  systemd?: Partial<SystemdFacts>;
  tlsFiles?: readonly TlsFile[];
  hostFiles?: Partial<HostFileFacts>;
  exposure?: Partial<ExposureFacts>;
  configBaseline?: Partial<ConfigBaseline>;
  /** These sources failed. */
  down?: readonly ExposureSource[];
}

export const NOW_SECONDS = 1_700_000_000;
const DAY = 86_400;

export const fileStat = (path: string, over: Partial<FileStat> = {}): FileStat => ({
  path,
  exists: true,
  kind: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtimeSeconds: NOW_SECONDS - 10 * DAY,
  ...over,
});

export const missing = (path: string): FileStat => ({
  path,
  exists: false,
  kind: null,
  mode: 0,
  uid: -1,
  gid: -1,
  mtimeSeconds: 0,
});

export function unit(
  name: string,
  directives: Record<string, string[]>,
  over: Partial<UnitFiles> = {},
): UnitFiles {
  return {
    name,
    fragment: fileStat(`/lib/systemd/system/${name}`),
    masked: false,
    dropIns: [],
    directives,
    ...over,
  };
}

export const stockSystemd = (): SystemdFacts => ({
  searchPath: [
    '/etc/systemd/system',
    '/run/systemd/system',
    '/lib/systemd/system',
    '/usr/lib/systemd/system',
  ],
  dockerdUnit: 'docker.service',
  service: unit('docker.service', {
    'Service.ExecStart': ['/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock'],
  }),
  sockets: [unit('docker.socket', { 'Socket.ListenStream': ['/run/docker.sock'] })],
  execStart: { argv: ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock'], problem: null },
});

export function certificate(daysLeft: number, over: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=dockerd',
    issuer: 'CN=test CA',
    serialNumber: '01',
    notBeforeSeconds: NOW_SECONDS - 300 * DAY,
    notAfterSeconds: NOW_SECONDS + daysLeft * DAY,
    fingerprint256: 'AA:BB',
    isCa: false,
    ...over,
  };
}

export function tlsFile(role: TlsFile['role'], over: Partial<TlsFile> = {}): TlsFile {
  const key = role === 'ca' ? 'tlscacert' : role === 'server' ? 'tlscert' : 'tlskey';
  const path = `/etc/docker/tls/${role === 'ca' ? 'ca.pem' : role === 'server' ? 'server.pem' : 'server-key.pem'}`;
  return {
    role,
    key,
    path,
    origin: 'file',
    stat: fileStat(path, { mode: role === 'key' ? 0o400 : 0o444 }),
    certificates:
      role === 'key' ? null : [certificate(200, role === 'ca' ? { isCa: true, subject: 'CN=test CA' } : {})],
    problem: null,
    ...over,
  };
}

const SUBJECT_PATHS: Record<AuditSubject, string> = {
  dockerd: '/usr/sbin/dockerd',
  run_containerd: '/run/containerd',
  data_root: '/var/lib/docker',
  config_dir: '/etc/docker',
  docker_service: '/lib/systemd/system/docker.service',
  containerd_socket: '/run/containerd/containerd.sock',
  docker_socket: '/lib/systemd/system/docker.socket',
  docker_sock: '/run/docker.sock',
  default_docker: '/etc/default/docker',
  daemon_json: '/etc/docker/daemon.json',
  containerd_config: '/etc/containerd/config.toml',
  sysconfig_docker: '/etc/sysconfig/docker',
  containerd: '/usr/bin/containerd',
  containerd_shim: '/usr/bin/containerd-shim',
  containerd_shim_runc_v1: '/usr/bin/containerd-shim-runc-v1',
  containerd_shim_runc_v2: '/usr/bin/containerd-shim-runc-v2',
  runc: '/usr/sbin/runc',
};

export const stockAuditTargets = (): AuditTarget[] =>
  (Object.entries(SUBJECT_PATHS) as [AuditSubject, string][]).map(([subject, path]) => ({
    subject,
    path,
    aliases: subject === 'runc' ? ['/sbin/runc'] : [],
    exists: subject !== 'sysconfig_docker',
    how: 'fixture',
  }));

export const stockHostFiles = (): HostFileFacts => ({
  configDir: fileStat('/etc/docker', { kind: 'directory', mode: 0o755 }),
  registryCertsDir: '/etc/docker/certs.d',
  registryCerts: [],
  defaultDocker: fileStat('/etc/default/docker'),
  sysconfigDocker: missing('/etc/sysconfig/docker'),
  containerdSocket: {
    path: '/run/containerd/containerd.sock',
    origin: 'flag',
    stat: fileStat('/run/containerd/containerd.sock', { kind: 'socket', mode: 0o660 }),
  },
  dataRoot: {
    path: '/var/lib/docker',
    origin: 'api',
    mountPoint: '/',
    fsType: 'ext4',
    source: '/dev/vda',
    fsRoot: '/',
    sameDeviceAsRoot: true,
  },
  dockerGroup: { name: 'docker', gid: 999, members: [], primaryMembers: [] },
  audit: {
    ruleFiles: [],
    rules: [],
    loaded: null,
    loadedProblem: 'auditctl -l: auditctl not installed',
    targets: stockAuditTargets(),
  },
});

export function listener(host: string, port: number, over: Partial<TcpListener> = {}): TcpListener {
  const wildcard = host === '0.0.0.0';
  return {
    declared: [`tcp://${host}:${port}`],
    origins: ['hosts_file'],
    host,
    port,
    probeHost: wildcard ? '127.0.0.1' : host,
    rewrite: wildcard ? 'bound to every address; probed on 127.0.0.1' : null,
    ...over,
  };
}

/** A probed listener: 'plain' answers HTTP, 'tls' answers HTTPS without a client certificate, 'mtls' refuses. */
export function probed(
  l: TcpListener,
  kind: 'plain' | 'tls' | 'mtls' | 'closed',
  cert?: CertificateInfo,
): ListenerProbe {
  const a = (
    scheme: 'http' | 'https',
    outcome: ListenerProbe['http']['outcome'],
    status: number | null = null,
  ) => ({
    scheme,
    outcome,
    status,
    apiVersion: outcome === 'answered' ? '1.41' : null,
    server: outcome === 'answered' ? 'Docker/20.10.24 (linux)' : null,
    detail: outcome,
  });
  switch (kind) {
    case 'plain':
      return {
        listener: l,
        http: a('http', 'answered', 200),
        https: a('https', 'not_tls'),
        certificate: null,
      };
    case 'tls':
      return {
        listener: l,
        http: a('http', 'tls_required', 400),
        https: a('https', 'answered', 200),
        certificate: cert ?? null,
      };
    case 'mtls':
      return {
        listener: l,
        http: a('http', 'tls_required', 400),
        https: a('https', 'client_cert_required'),
        certificate: cert ?? null,
      };
    default:
      return { listener: l, http: a('http', 'refused'), https: a('https', 'refused'), certificate: null };
  }
}

export function exposureFacts(
  o: ExposureOverrides,
  parsedConfig: Readonly<Record<string, unknown>> | null,
): Pick<Facts, 'systemd' | 'tlsFiles' | 'hostFiles' | 'exposure' | 'configBaseline'> {
  const down = new Set(o.down ?? []);
  const fact = <T>(name: ExposureSource, value: T): Fact<T> =>
    down.has(name) ? factError(`${name}: unavailable in this fixture`) : factOk(value);
  return {
    systemd: fact('systemd', { ...stockSystemd(), ...o.systemd }),
    tlsFiles: fact('tlsFiles', { files: o.tlsFiles ?? [] }),
    hostFiles: fact('hostFiles', { ...stockHostFiles(), ...o.hostFiles }),
    exposure: fact('exposure', {
      listeners: [],
      netns: 'same' as const,
      inheritsSockets: true,
      notes: [],
      ...o.exposure,
    }),
    configBaseline: fact('configBaseline', {
      daemon: { pid: 4242, startTimeSeconds: NOW_SECONDS - DAY },
      configPath: '/etc/docker/daemon.json',
      configChangedSeconds: NOW_SECONDS - 2 * DAY,
      atStart: { known: true as const, file: parsedConfig ?? {} },
      lastReload: null,
      ...o.configBaseline,
    }),
  };
}
