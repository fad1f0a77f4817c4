// Where the Docker API is and how to reach it, from --docker.host and the TLS client flags (or the docker CLI's env).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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

/** Reads the client certificate files afresh, so rotated certificates are picked up at the next connect. */
export function connectionOptions(ep: DockerEndpoint): ConnectionOptions {
  if (ep.socketPath) return { socketPath: ep.socketPath };
  const base: ConnectionOptions = {
    host: ep.tcp!.host,
    port: ep.tcp!.port,
    protocol: ep.tls ? 'https' : 'http',
  };
  if (!ep.tls) return base;
  const read = (f: string | undefined) => {
    if (!f) return undefined;
    try {
      return readFileSync(f);
    } catch (e) {
      throw new EndpointError(`cannot read TLS file ${f}: ${(e as Error).message}`);
    }
  };
  return {
    ...base,
    ca: read(ep.tls.caFile),
    cert: read(ep.tls.certFile),
    key: read(ep.tls.keyFile),
    rejectUnauthorized: ep.tls.verify,
  };
}
