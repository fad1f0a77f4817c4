// What the runtime controls know about each container: only the fields they judge. Env is never kept and labels
// only as digests (to match waivers), because both often hold secrets.
import { createHash } from 'node:crypto';

/** Containers that are not exited or dead: a created one is one `docker start` away from running. */
export const CONTAINER_STATES_IN_SCOPE = ['created', 'running', 'restarting', 'paused'] as const;
export type ContainerState = (typeof CONTAINER_STATES_IN_SCOPE)[number];

export const inScope = (state: string): state is ContainerState =>
  (CONTAINER_STATES_IN_SCOPE as readonly string[]).includes(state);

export interface ContainerMount {
  /** bind, volume, tmpfs, npipe, cluster. */
  readonly type: string;
  readonly source: string;
  readonly destination: string;
  readonly rw: boolean;
  /** '' when the mount has no propagation mode (volumes, tmpfs). */
  readonly propagation: string;
  /** For binds: the source with every symlink resolved on the host (/var/run/x -> /run/x); else null. */
  readonly hostPath: string | null;
}

export interface PortBinding {
  /** "80/tcp". */
  readonly containerPort: string;
  /** As published; '' means the daemon's default bind address. */
  readonly hostIp: string;
  /** A port, a range "8000-8010", or '' for an ephemeral port. */
  readonly hostPort: string;
}

export interface ContainerFacts {
  readonly id: string;
  /** Without the leading slash. */
  readonly name: string;
  /** The image reference the container was created from (Config.Image). */
  readonly image: string;
  readonly state: ContainerState;
  /** Config.User, which already holds the image's USER when the container does not override it. */
  readonly user: string;
  readonly privileged: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly securityOpt: readonly string[];
  readonly mounts: readonly ContainerMount[];
  /** Published ports: the daemon's runtime bindings when it made them, else the requested ones. */
  readonly ports: readonly PortBinding[];
  readonly networkMode: string;
  readonly networks: readonly string[];
  readonly memory: number;
  readonly cpuShares: number;
  readonly nanoCpus: number;
  readonly cpuQuota: number;
  readonly cpusetCpus: string;
  readonly cpuCount: number;
  /** null when unset; 0 and -1 also mean unlimited. */
  readonly pidsLimit: number | null;
  readonly restartPolicy: { readonly name: string; readonly maximumRetryCount: number };
  readonly pidMode: string;
  readonly ipcMode: string;
  readonly utsMode: string;
  readonly usernsMode: string;
  /** PathOnHost of each device passed in. */
  readonly devices: readonly string[];
  readonly deviceRequests: number;
  readonly deviceCgroupRules: readonly string[];
  readonly cgroupParent: string;
  readonly readonlyRootfs: boolean;
  readonly healthcheck: boolean;
  readonly appArmorProfile: string;
  readonly processLabel: string;
  /** NoNewPrivs of the container's init process read from /proc on the host; null when not visible. */
  readonly noNewPrivsProc: boolean | null;
  /** Whether an sshd process runs in it (GET /containers/{id}/top); false when it runs nothing; null if unknown. */
  readonly sshd: boolean | null;
  /** Why the process list is unknown, when it is. */
  readonly processListError: string | null;
  /**
   * labelDigest(key, value) of each label, sorted: enough for a waiver to match a label exactly, while the
   * label's text, which may hold a secret, is never kept, exported or logged.
   */
  readonly labelDigests: readonly string[];
}

/** A digest of one container label: key and value, separated by a byte neither can hold. */
export const labelDigest = (key: string, value: string): string =>
  createHash('sha256').update(key).update('\0').update(value).digest('hex').slice(0, 32);

/** A unix socket the daemon listens on, as bound and with symlinks resolved. */
export interface DaemonSocket {
  readonly path: string;
  readonly hostPath: string;
  /** The socket --docker.host points at: certainly the API. */
  readonly exporter: boolean;
}

export interface ContainerInventory {
  /** In-scope containers, sorted by name. */
  readonly containers: readonly ContainerFacts[];
  /** The exporter's socket and dockerd's listening unix sockets (when dockerd is visible in /proc). */
  readonly daemonSockets: readonly DaemonSocket[];
  /** Unix time (ms) of the last full list. */
  readonly syncedAt: number;
}
