// Where the Docker API is and how to reach it, from --docker.host and the TLS client flags (or the docker CLI's env).
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { READ_LIMITS, readBounded } from '../boundedRead.js';

export interface DockerTlsOptions {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Verify the daemon's certificate against the CA (DOCKER_TLS_VERIFY). */
  readonly verify: boolean;
}

export interface DockerEndpoint {
  readonly host: string;
  readonly socketPath: string | null;
  readonly tcp: { readonly host: string; readonly port: number } | null;
  readonly tls: DockerTlsOptions | null;
}

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** Whether `path` is a unix socket the exporter can see. */
function isUnixSocket(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isSocket() ?? false;
  } catch (err) {
    // Not ours to see (EACCES) or a file on the way (ENOTDIR): no socket this exporter could use there.
    if (typeof (err as NodeJS.ErrnoException).code === 'string') return false;
    throw err;
  }
}

/**
 * The Docker API address when neither --docker.host nor $DOCKER_HOST names one. An exporter run by a non-root
 * user whose $XDG_RUNTIME_DIR holds docker.sock audits that user's rootless daemon: dockerd-rootless.sh puts
 * its socket there (dockerd's rootless default), and the system daemon is not the one that user runs. Else
 * the system socket, as for the docker CLI (which, unlike this, needs DOCKER_HOST or a context for rootless).
 */
export function defaultDockerHost(
  env: NodeJS.ProcessEnv,
  uid: number | undefined = process.getuid?.(),
  isSocket: (path: string) => boolean = isUnixSocket,
): string {
  const runtimeDir = env.XDG_RUNTIME_DIR;
  if (uid !== undefined && uid !== 0 && runtimeDir && isAbsolute(runtimeDir)) {
    const socket = join(runtimeDir, 'docker.sock');
    if (isSocket(socket)) return `unix://${socket}`;
  }
  return DEFAULT_DOCKER_HOST;
}

export class EndpointError extends Error {}

export function parseDockerHost(host: string, tls: DockerTlsOptions | null): DockerEndpoint {
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || '/var/run/docker.sock';
    return { host, socketPath, tcp: null, tls: null };
  }
  const withScheme = host.includes('://') ? host : `tcp://${host}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (err) {
    throw new EndpointError(`--docker.host ${JSON.stringify(host)} is not a valid address`, { cause: err });
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointError(
      `--docker.host scheme ${url.protocol.replace(':', '')} is not supported (use unix:// or tcp://)`,
    );
  }
  const port = Number(url.port || (tls || url.protocol === 'https:' ? 2376 : 2375));
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    socketPath: null,
    tcp: { host: hostname, port },
    tls: url.protocol === 'https:' && !tls ? { verify: true } : tls,
  };
}

/** TLS client settings as the docker CLI derives them from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, unless flags say otherwise. */
export function tlsFromEnvAndFlags(
  env: NodeJS.ProcessEnv,
  flags: { ca?: string; cert?: string; key?: string; verify?: boolean; enabled?: boolean },
): DockerTlsOptions | null {
  const certPath = env.DOCKER_CERT_PATH || join(homedir(), '.docker');
  const envVerify = Boolean(env.DOCKER_TLS_VERIFY);
  const enabled = flags.enabled ?? (envVerify || Boolean(flags.ca || flags.cert || flags.key));
  if (!enabled) return null;
  return {
    caFile: flags.ca ?? (envVerify ? join(certPath, 'ca.pem') : undefined),
    certFile: flags.cert ?? (envVerify ? join(certPath, 'cert.pem') : undefined),
    keyFile: flags.key ?? (envVerify ? join(certPath, 'key.pem') : undefined),
    verify: flags.verify ?? true,
  };
}

export interface ConnectionOptions {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
}

/**
 * How long a client certificate file read is reused: every request asks for the files (one inspect per
 * container), and a rotated certificate must still be picked up soon after it is replaced.
 */
const TLS_FILE_REUSE_MS = 5_000;
const tlsFileCache = new Map<string, { readonly at: number; readonly bytes: Promise<Buffer> }>();

/**
 * A client TLS file, read without blocking the event loop: a regular file of at most 1 MiB (a FIFO or a
 * device at the path is refused, not waited on), reused for a few seconds.
 */
function readTlsFile(file: string): Promise<Buffer> {
  const now = Date.now();
  const cached = tlsFileCache.get(file);
  if (cached && now - cached.at < TLS_FILE_REUSE_MS) return cached.bytes;
  const bytes = readBounded(file, READ_LIMITS.tlsFile).catch((e: unknown) => {
    tlsFileCache.delete(file);
    throw new EndpointError(`cannot read TLS file ${file}: ${(e as Error).message}`, { cause: e });
  });
  tlsFileCache.set(file, { at: now, bytes });
  return bytes;
}

/** Reads the client certificate files afresh (within seconds), so rotated certificates are picked up at the next connect. */
export async function connectionOptions(ep: DockerEndpoint): Promise<ConnectionOptions> {
  if (ep.socketPath) return { socketPath: ep.socketPath };
  const base: ConnectionOptions = {
    host: ep.tcp!.host,
    port: ep.tcp!.port,
    protocol: ep.tls ? 'https' : 'http',
  };
  if (!ep.tls) return base;
  const read = (f: string | undefined) => (f ? readTlsFile(f) : Promise.resolve(undefined));
  const [ca, cert, key] = await Promise.all([
    read(ep.tls.caFile),
    read(ep.tls.certFile),
    read(ep.tls.keyFile),
  ]);
  return { ...base, ca, cert, key, rejectUnauthorized: ep.tls.verify };
}
