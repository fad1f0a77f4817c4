// Where dockerd keeps what the second round of sources reads: its TLS files, its configuration and data
// directories, its TCP listeners. The dockerd model (src/dockerd/locations.ts) works them out from the first
// round of facts; the sources only read what they are given.

import type { ListenerOrigin } from './exposureTypes.js';
import type { DataRootMount, TlsFile } from './hostFileTypes.js';

/** A TLS file dockerd is configured with (or defaults to). */
export type TlsFileRef = Pick<TlsFile, 'role' | 'key' | 'path' | 'origin'>;

export interface HostFilesInput {
  readonly dockerdPid: number | null;
  /** dockerd's configuration directory (/etc/docker, or the rootless user's). */
  readonly configDir: string;
  readonly daemonJson: string | null;
  /** The containerd address dockerd was given (flag or daemon.json), if any. */
  readonly containerd: { readonly path: string; readonly origin: 'flag' | 'file' } | null;
  /** Where dockerd looks for a system containerd before starting its own. */
  readonly systemContainerdSocket: string;
  readonly execRoot: string;
  readonly dataRoot: {
    readonly path: string;
    readonly origin: DataRootMount['origin'];
    readonly userns: boolean;
  };
  /** The group dockerd gives its socket. */
  readonly socketGroup: string;
  readonly serviceFragment: string | null;
  readonly socketFragment: string | null;
  /** The Docker socket the exporter talks to (its --docker.host), null over TCP: CIS 1.8.0 1.1.9 audits it. */
  readonly dockerSocket: string | null;
}

export interface DeclaredListener {
  /** As written where it was found. */
  readonly text: string;
  readonly origin: ListenerOrigin;
  readonly host: string;
  readonly port: number;
}

export interface ExposureInput {
  /** Listeners from daemon.json, -H flags and systemd's ListenStream=. */
  readonly declared: readonly DeclaredListener[];
  readonly dockerdPid: number | null;
  readonly inheritsSockets: boolean;
  readonly notes: readonly string[];
  readonly timeoutMs?: number;
}
