// Host files beyond the socket and daemon.json: systemd units, TLS files, CIS section 1 and 3 targets, audit rules.
import type { CertificateInfo } from './exposureTypes.js';
import type { FileStat } from './fileStat.js';

export interface UnitFiles {
  readonly name: string;
  /** The unit file systemd loads: the first found along the search path; null when there is none. */
  readonly fragment: FileStat | null;
  /** The unit is masked (its file is a symlink to /dev/null). */
  readonly masked: boolean;
  /** `<name>.d/*.conf` drop-ins in effect, in the order systemd applies them. */
  readonly dropIns: readonly FileStat[];
  /** Values per "Section.Key" after drop-ins, in order; an empty assignment has already reset the list. */
  readonly directives: Readonly<Record<string, readonly string[]>>;
  /** Where the ExecStart= in effect is written (the last non-empty one after resets), for reports to point at. */
  readonly execStartAt?: { readonly path: string; readonly line: number } | null;
}

export interface SystemdFacts {
  /** Unit directories searched, highest precedence first (host paths). */
  readonly searchPath: readonly string[];
  /** The service whose cgroup dockerd runs in (from /proc/PID/cgroup); null when not a systemd service. */
  readonly dockerdUnit: string | null;
  readonly service: UnitFiles;
  /** The socket units of the service (`<base>.socket` and its `Sockets=`). */
  readonly sockets: readonly UnitFiles[];
  /**
   * The dockerd argv (without argv[0]) the service will start next time, after drop-ins and environment
   * expansion; null with a `problem` when it cannot be known.
   */
  readonly execStart: { readonly argv: readonly string[] | null; readonly problem: string | null };
}

export type TlsRole = 'ca' | 'server' | 'key';

export interface TlsFile {
  readonly role: TlsRole;
  readonly key: 'tlscacert' | 'tlscert' | 'tlskey';
  readonly path: string;
  /** daemon.json, a dockerd flag, or dockerd's default under DOCKER_CERT_PATH or ~/.docker. */
  readonly origin: 'file' | 'flag' | 'default';
  readonly stat: FileStat;
  /** Every certificate in the file (a CA file may hold several); null for the key, which is never read. */
  readonly certificates: readonly CertificateInfo[] | null;
  /** Why the certificates could not be read, when they could not. */
  readonly problem: string | null;
}

export interface TlsFileFacts {
  readonly files: readonly TlsFile[];
}

export interface ContainerdSocket {
  readonly path: string;
  /** dockerd's --containerd flag, daemon.json, the system containerd dockerd picks up, or the one it supervises. */
  readonly origin: 'flag' | 'file' | 'system' | 'supervised';
  readonly stat: FileStat;
}

export interface DataRootMount {
  /** The directory checked: the data root, or its parent when user namespaces add a <uid>.<gid> level. */
  readonly path: string;
  readonly origin: 'api' | 'config' | 'default';
  /** The mount point of the filesystem holding `path`, as dockerd's mount namespace sees it. */
  readonly mountPoint: string | null;
  readonly fsType: string | null;
  readonly source: string | null;
  /** The directory of its filesystem that is mounted there: "/" unless it is a bind mount of a subdirectory. */
  readonly fsRoot: string | null;
  /** Whether that filesystem is the one holding / (same device). */
  readonly sameDeviceAsRoot: boolean | null;
}

export interface DockerGroup {
  /** The group dockerd gives its socket (`group`, default "docker"). */
  readonly name: string;
  /** null when the group does not exist. */
  readonly gid: number | null;
  /** Members listed in /etc/group. */
  readonly members: readonly string[];
  /** Users whose primary group it is (/etc/passwd). */
  readonly primaryMembers: readonly string[];
}

/** What CIS 1.1.3-1.1.18 want audited. */
export type AuditSubject =
  | 'dockerd'
  | 'run_containerd'
  | 'data_root'
  | 'config_dir'
  | 'docker_service'
  | 'containerd_socket'
  | 'docker_socket'
  | 'docker_sock'
  | 'default_docker'
  | 'daemon_json'
  | 'containerd_config'
  | 'sysconfig_docker'
  | 'containerd'
  | 'containerd_shim'
  | 'containerd_shim_runc_v1'
  | 'containerd_shim_runc_v2'
  | 'runc';

export interface AuditTarget {
  readonly subject: AuditSubject;
  /** The host path to audit, null when it could not be located. */
  readonly path: string | null;
  /** Other names of the same file (symlinks, merged /usr), any of which a rule may use. */
  readonly aliases: readonly string[];
  readonly exists: boolean;
  /** How the path was found, for the reason text. */
  readonly how: string;
}

export interface AuditRule {
  /** The rules file, or "auditctl -l" for loaded rules. */
  readonly source: string;
  readonly line: number;
  readonly text: string;
  readonly path: string;
  /** `-w PATH`, `-F path=PATH` or `-F dir=PATH`. */
  readonly kind: 'watch' | 'path' | 'dir';
  /** `-p` / `-F perm=` permissions, null when the rule gives none (all). */
  readonly perms: string | null;
  readonly key: string | null;
}

export interface AuditFacts {
  /** Rules files read (host paths). */
  readonly ruleFiles: readonly string[];
  readonly rules: readonly AuditRule[];
  /** Rules loaded in the kernel (`auditctl -l`), null when that could not be asked. */
  readonly loaded: readonly AuditRule[] | null;
  readonly loadedProblem: string | null;
  readonly targets: readonly AuditTarget[];
}

export interface HostFileFacts {
  /** dockerd's configuration directory: /etc/docker, or $XDG_CONFIG_HOME/docker for a rootless daemon. */
  readonly configDir: FileStat;
  readonly registryCertsDir: string;
  /** Regular files under <configDir>/certs.d/<registry>/. */
  readonly registryCerts: readonly FileStat[];
  readonly defaultDocker: FileStat;
  readonly sysconfigDocker: FileStat;
  readonly containerdSocket: ContainerdSocket | null;
  readonly dataRoot: DataRootMount | null;
  readonly dockerGroup: DockerGroup | null;
  readonly audit: AuditFacts;
}
