// One immutable snapshot of everything the sources learned. Controls read only this,
// so every verdict can be reproduced from a fixture.
import type { ConfigBaseline } from './baselineTypes.js';
import type { ContainerInventory } from './containers.js';
import type { ExposureFacts } from './exposureTypes.js';
import type { FileStat } from './fileStat.js';
import type { HostFileFacts, SystemdFacts, TlsFileFacts } from './hostFileTypes.js';

export const SOURCE_NAMES = [
  'daemon_config',
  'dockerd_cmdline',
  'docker_api',
  'file_stats',
  'host',
  'containers',
  'systemd',
  'tls_files',
  'host_files',
  'exposure',
  'config_baseline',
] as const;

export type SourceName = (typeof SOURCE_NAMES)[number];

/** A source either produced its value or failed on its own; it never throws into the evaluation. */
export type { FileStat };

export type Fact<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

export const factOk = <T>(value: T): Fact<T> => ({ ok: true, value });
export const factError = <T>(error: string): Fact<T> => ({ ok: false, error });

export interface JsonParseError {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export type ConfigPathOrigin = 'flag' | 'dockerd' | 'rootless' | 'default';

export interface DaemonConfigFile {
  readonly path: string;
  readonly origin: ConfigPathOrigin;
  readonly exists: boolean;
  /** The file text; null when the file does not exist. */
  readonly text: string | null;
  /** The decoded top-level object; `{}` for a missing or empty file (as dockerd does), null when undecodable. */
  readonly parsed: Readonly<Record<string, unknown>> | null;
  readonly parseError: JsonParseError | null;
  /** Set when the file starts with a UTF-16 byte order mark: `text` is then the decoded content. */
  readonly encoding?: 'utf-16le' | 'utf-16be';
  /** Byte offset of the first sequence that is not UTF-8 (text has U+FFFD there); null or absent when valid. */
  readonly invalidUtf8Offset?: number | null;
}

export interface DockerdProcess {
  readonly pid: number;
  readonly uid: number;
  /** argv without argv[0]. */
  readonly args: readonly string[];
  /** Only DOCKER_*, XDG_*, HOME and ROOTLESSKIT_* variables are kept: the rest may hold secrets. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | null;
  readonly startTimeSeconds: number | null;
  /** How the process was tied to --docker.host. */
  readonly matchedBy: 'socket_inode' | 'hosts' | 'only_candidate' | 'pidfile';
}

export interface DockerEngineVersion {
  readonly version: string;
  readonly apiVersion: string;
  readonly minApiVersion: string | null;
  readonly os: string;
  readonly arch: string;
  readonly kernelVersion: string;
  readonly experimental: boolean;
}

/** The subset of GET /info the controls use. Container env and labels are never kept. */
export interface DockerInfo {
  readonly id: string;
  readonly name: string;
  readonly serverVersion: string;
  readonly driver: string;
  readonly driverStatus: readonly (readonly [string, string])[];
  readonly loggingDriver: string;
  readonly cgroupDriver: string;
  readonly cgroupVersion: string;
  readonly dockerRootDir: string;
  readonly debug: boolean;
  readonly experimentalBuild: boolean;
  readonly liveRestoreEnabled: boolean;
  readonly securityOptions: readonly string[];
  readonly warnings: readonly string[];
  readonly authorizationPlugins: readonly string[];
  readonly insecureRegistryCIDRs: readonly string[];
  readonly insecureIndexes: readonly string[];
  readonly swarmLocalNodeState: string;
  readonly swarmControlAvailable: boolean;
  readonly operatingSystem: string;
  readonly defaultRuntime: string;
  readonly containers: number;
}

export interface BridgeNetwork {
  readonly exists: boolean;
  readonly options: Readonly<Record<string, string>>;
}

export interface DockerApiFacts {
  readonly negotiatedApiVersion: string | null;
  readonly version: DockerEngineVersion;
  readonly info: DockerInfo;
  readonly bridge: BridgeNetwork;
}

export interface FileFacts {
  /** null when --docker.host is not a unix socket and dockerd declares none. */
  readonly socket: FileStat | null;
  readonly daemonJson: FileStat;
}

export interface HostFacts {
  readonly apparmorSupported: boolean;
  readonly selinuxSupported: boolean;
  readonly users: Readonly<Record<number, string>>;
  readonly groups: Readonly<Record<number, string>>;
}

export interface ExporterSettings {
  /** The --docker.host as given or defaulted. */
  readonly dockerHost: string;
  /** The unix socket path behind dockerHost, when it is one. */
  readonly socketPath: string | null;
  /** --swarm.expected: swarm mode is meant to run on this host (CIS 5.1). */
  readonly swarmExpected?: boolean;
  /** --tls.expiry-warning in seconds: certificates with less validity left fail (default 30 days). */
  readonly tlsExpiryWarningSeconds?: number;
  /** --host.trusted-users: members of the docker group allowed to be there (CIS 1.1.2); undefined = not judged. */
  readonly trustedUsers?: readonly string[];
  /** --cis.version: the CIS Docker Benchmark version whose ids results carry; default the newest. */
  readonly cisVersion?: string;
  /** check --docker.release: judge by this dockerd release's rules, whatever runs. */
  readonly dockerRelease?: string;
}

export interface Facts {
  readonly collectedAt: number;
  readonly exporter: ExporterSettings;
  readonly daemonConfig: Fact<DaemonConfigFile>;
  readonly dockerd: Fact<DockerdProcess>;
  readonly api: Fact<DockerApiFacts>;
  readonly files: Fact<FileFacts>;
  readonly host: Fact<HostFacts>;
  /** Containers that are not exited or dead, kept current by Docker events. */
  readonly containers: Fact<ContainerInventory>;
  /** docker.service / docker.socket units with drop-ins, and the dockerd command line systemd would start. */
  readonly systemd: Fact<SystemdFacts>;
  /** The TLS CA, certificate and key dockerd is configured with (certificates parsed, the key only stat'ed). */
  readonly tlsFiles: Fact<TlsFileFacts>;
  /** CIS section 1 and 3 host files, mounts, the docker group and audit rules. */
  readonly hostFiles: Fact<HostFileFacts>;
  /** The daemon's TCP listeners, probed without a client certificate. */
  readonly exposure: Fact<ExposureFacts>;
  /** daemon.json as the running dockerd read it, for drift. */
  readonly configBaseline: Fact<ConfigBaseline>;
  /** Seconds the last read of each source took (a source kept from an earlier collection keeps its time). */
  readonly sourceDurations?: Readonly<Partial<Record<SourceName, number>>>;
}

export const factsSource: Record<SourceName, (f: Facts) => Fact<unknown>> = {
  daemon_config: (f) => f.daemonConfig,
  dockerd_cmdline: (f) => f.dockerd,
  docker_api: (f) => f.api,
  file_stats: (f) => f.files,
  host: (f) => f.host,
  containers: (f) => f.containers,
  systemd: (f) => f.systemd,
  tls_files: (f) => f.tlsFiles,
  host_files: (f) => f.hostFiles,
  exposure: (f) => f.exposure,
  config_baseline: (f) => f.configBaseline,
};
