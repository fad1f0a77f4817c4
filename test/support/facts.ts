// Builds complete facts snapshots for unit tests: a stock dockerd 20.10 on a host without AppArmor/SELinux,
// changed only where a test says so.

import type { ContainerFacts, ContainerInventory, DaemonSocket } from '../../src/facts/containers.js';
import { decodeDaemonJson } from '../../src/facts/daemonJson.js';
import type {
  DaemonConfigFile,
  DockerApiFacts,
  DockerdProcess,
  Fact,
  Facts,
  FileFacts,
  FileStat,
  HostFacts,
} from '../../src/facts/types.js';
import { factError, factOk } from '../../src/facts/types.js';
import { type ExposureOverrides, exposureFacts, fileStat } from './exposureFacts.js';

export interface FactsOverrides {
  /** daemon.json as an object, or as raw text (possibly broken); undefined = missing file. */
  config?: Record<string, unknown> | string;
  args?: string[];
  dockerdUid?: number;
  dockerdEnv?: Record<string, string>;
  noDockerd?: boolean;
  apiDown?: boolean;
  version?: string;
  info?: Partial<DockerApiFacts['info']>;
  bridge?: DockerApiFacts['bridge'];
  socket?: Partial<FileStat> | null;
  daemonJsonStat?: Partial<FileStat>;
  host?: Partial<HostFacts>;
  hostDown?: boolean;
  /** In-scope containers (see containerFacts.ts); default none. */
  containers?: readonly ContainerFacts[];
  /** Default: the exporter's socket /var/run/docker.sock, resolved to /run/docker.sock. */
  daemonSockets?: readonly DaemonSocket[];
  /** The inventory failed with this error. */
  containersDown?: string;
  swarmExpected?: boolean;
  /** Systemd, TLS files, host files, probe and config baseline (see exposureFacts.ts); default a stock host. */
  exposure?: ExposureOverrides;
  tlsExpiryWarningSeconds?: number;
  trustedUsers?: readonly string[];
}

export const baseInfo: DockerApiFacts['info'] = {
  id: 'ID',
  name: 'host',
  serverVersion: '20.10.24',
  driver: 'overlay2',
  driverStatus: [],
  loggingDriver: 'json-file',
  cgroupDriver: 'cgroupfs',
  cgroupVersion: '2',
  dockerRootDir: '/var/lib/docker',
  debug: false,
  experimentalBuild: false,
  liveRestoreEnabled: false,
  securityOptions: ['name=seccomp,profile=default'],
  warnings: [],
  authorizationPlugins: [],
  insecureRegistryCIDRs: ['127.0.0.0/8'],
  insecureIndexes: [],
  swarmLocalNodeState: 'inactive',
  swarmControlAvailable: false,
  operatingSystem: 'Debian GNU/Linux 12',
  defaultRuntime: 'runc',
  containers: 0,
};

const stat = (path: string, over: Partial<FileStat>): FileStat =>
  fileStat(path, { mtimeSeconds: 1_700_000_000, ...over });

export function makeFacts(o: FactsOverrides = {}): Facts {
  const configPath = '/etc/docker/daemon.json';
  let daemonConfig: Fact<DaemonConfigFile>;
  if (o.config === undefined) {
    daemonConfig = factOk({
      path: configPath,
      origin: 'default',
      exists: false,
      text: null,
      parsed: {},
      parseError: null,
    });
  } else {
    const text = typeof o.config === 'string' ? o.config : JSON.stringify(o.config, null, 2);
    const d = decodeDaemonJson(text);
    daemonConfig = factOk({
      path: configPath,
      origin: 'default',
      exists: true,
      text,
      parsed: d.parsed,
      parseError: d.error,
    });
  }
  const version = o.version ?? '20.10.24';
  const dockerd: Fact<DockerdProcess> = o.noDockerd
    ? factError('no dockerd process visible')
    : factOk({
        pid: 4242,
        uid: o.dockerdUid ?? 0,
        args: o.args ?? ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock'],
        env: o.dockerdEnv ?? {},
        cwd: '/',
        startTimeSeconds: 1_700_000_000,
        matchedBy: 'socket_inode',
      });
  const api: Fact<DockerApiFacts> = o.apiDown
    ? factError('Docker API at unix:///var/run/docker.sock: connect ENOENT')
    : factOk({
        negotiatedApiVersion: '1.41',
        version: {
          version,
          apiVersion: '1.41',
          minApiVersion: '1.12',
          os: 'linux',
          arch: 'amd64',
          kernelVersion: '6.1.0',
          experimental: false,
        },
        info: { ...baseInfo, serverVersion: version, ...o.info },
        bridge: o.bridge ?? { exists: true, options: { 'com.docker.network.bridge.name': 'docker0' } },
      });
  const files: Fact<FileFacts> = factOk({
    socket:
      o.socket === null
        ? null
        : stat('/var/run/docker.sock', { kind: 'socket', mode: 0o660, gid: 999, ...(o.socket ?? {}) }),
    daemonJson: stat(configPath, { exists: o.config !== undefined, ...(o.daemonJsonStat ?? {}) }),
  });
  const host: Fact<HostFacts> = o.hostDown
    ? factError('host facts: EACCES')
    : factOk({
        apparmorSupported: false,
        selinuxSupported: false,
        users: { 0: 'root', 1000: 'alice' },
        groups: { 0: 'root', 999: 'docker', 1000: 'alice', 50: 'staff' },
        ...o.host,
      });
  const containers: Fact<ContainerInventory> = o.containersDown
    ? factError(o.containersDown)
    : factOk({
        containers: o.containers ?? [],
        daemonSockets: o.daemonSockets ?? [
          { path: '/var/run/docker.sock', hostPath: '/run/docker.sock', exporter: true },
        ],
        syncedAt: 1_700_000_000_000,
      });
  return {
    collectedAt: 1_700_000_000_000,
    exporter: {
      dockerHost: 'unix:///var/run/docker.sock',
      socketPath: '/var/run/docker.sock',
      ...(o.swarmExpected === undefined ? {} : { swarmExpected: o.swarmExpected }),
      ...(o.tlsExpiryWarningSeconds === undefined
        ? {}
        : { tlsExpiryWarningSeconds: o.tlsExpiryWarningSeconds }),
      ...(o.trustedUsers === undefined ? {} : { trustedUsers: o.trustedUsers }),
    },
    daemonConfig,
    dockerd,
    api,
    files,
    host,
    containers,
    ...exposureFacts(o.exposure ?? {}, daemonConfig.ok ? daemonConfig.value.parsed : null),
  };
}
