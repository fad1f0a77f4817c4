// What the exposure probe learned about the daemon's TCP listeners, and the certificates involved.

/** The parts of an X.509 certificate the controls judge; never the key, never the raw DER. */
export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBeforeSeconds: number;
  readonly notAfterSeconds: number;
  readonly fingerprint256: string;
  readonly isCa: boolean;
}

/**
 * Where a TCP listener was learned: daemon.json `hosts`, a -H flag of the running dockerd, systemd's
 * docker.socket `ListenStream=` (dockerd with -H fd://), or a listening socket dockerd holds in /proc.
 */
export type ListenerOrigin = 'hosts_file' | 'hosts_flag' | 'listen_stream' | 'listening_socket';

export interface TcpListener {
  /** Each way the listener was written where it was found, e.g. "tcp://0.0.0.0:2375" or "ListenStream=2375". */
  readonly declared: readonly string[];
  readonly origins: readonly ListenerOrigin[];
  /** The bind address as declared ("0.0.0.0", "::", "localhost", an IP or a name). */
  readonly host: string;
  readonly port: number;
  /** Where the probe connects. */
  readonly probeHost: string;
  /** Why probeHost differs from host (wildcard or name rewritten to loopback), null when it does not. */
  readonly rewrite: string | null;
}

export type ProbeOutcome =
  /** A Docker API answered /_ping without a client certificate. */
  | 'answered'
  /** Something answered HTTP, but not the Docker API (e.g. the metrics address). */
  | 'not_docker'
  /** The plain-HTTP probe hit a TLS listener ("Client sent an HTTP request to an HTTPS server"). */
  | 'tls_required'
  /** The TLS probe hit a plain listener. */
  | 'not_tls'
  /** The TLS handshake or the first read failed because no client certificate was sent. */
  | 'client_cert_required'
  | 'refused'
  | 'timeout'
  | 'error'
  /** Not probed, with the reason in `detail`. */
  | 'skipped';

export interface ProbeAttempt {
  readonly scheme: 'http' | 'https';
  readonly outcome: ProbeOutcome;
  readonly status: number | null;
  readonly apiVersion: string | null;
  readonly server: string | null;
  readonly detail: string;
}

export interface ListenerProbe {
  readonly listener: TcpListener;
  readonly http: ProbeAttempt;
  readonly https: ProbeAttempt;
  /** The certificate the listener presented to the TLS probe, when it speaks TLS. */
  readonly certificate: CertificateInfo | null;
}

export interface ExposureFacts {
  readonly listeners: readonly ListenerProbe[];
  /**
   * Whether the exporter shares dockerd's network namespace: loopback probes from another namespace
   * would reach the wrong host, so they are skipped then.
   */
  readonly netns: 'same' | 'different' | 'unknown';
  /** dockerd runs with -H fd:// (listeners inherited from systemd). */
  readonly inheritsSockets: boolean;
  /** Things the reader of a finding should know, e.g. "docker.socket not found". */
  readonly notes: readonly string[];
}
