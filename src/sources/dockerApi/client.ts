// The Docker Engine API, read-only: version negotiated from /_ping, then /version, /info and the default bridge.
import http from 'node:http';
import https from 'node:https';
import Dockerode from 'dockerode';
import type {
  BridgeNetwork,
  DockerApiFacts,
  DockerEngineVersion,
  DockerInfo,
  Fact,
} from '../../facts/types.js';
import { factError, factOk } from '../../facts/types.js';
import { connectionOptions, type DockerEndpoint } from './endpoint.js';
import type { RequestLog } from './requestLog.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

export class ReadOnlyViolation extends Error {}

export interface DockerEvent {
  readonly Type?: string;
  readonly Action?: string;
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Readonly<Record<string, string>> };
  readonly time?: number;
  readonly timeNano?: number;
}

interface PingResult {
  readonly apiVersion: string | null;
}

const asString = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const asStrings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function pickVersion(raw: Record<string, unknown>): DockerEngineVersion {
  return {
    version: asString(raw.Version),
    apiVersion: asString(raw.ApiVersion),
    minApiVersion: typeof raw.MinAPIVersion === 'string' ? raw.MinAPIVersion : null,
    os: asString(raw.Os),
    arch: asString(raw.Arch),
    kernelVersion: asString(raw.KernelVersion),
    experimental: raw.Experimental === true,
  };
}

/** Keeps only what controls need from /info; labels and anything user-supplied stay out of the facts. */
export function pickInfo(raw: Record<string, unknown>): DockerInfo {
  const registry = (raw.RegistryConfig ?? {}) as Record<string, unknown>;
  const indexes = (registry.IndexConfigs ?? {}) as Record<string, { Secure?: boolean; Name?: string }>;
  const plugins = (raw.Plugins ?? {}) as Record<string, unknown>;
  const swarm = (raw.Swarm ?? {}) as Record<string, unknown>;
  const driverStatus = Array.isArray(raw.DriverStatus)
    ? (raw.DriverStatus as unknown[])
        .filter((p): p is [string, string] => Array.isArray(p) && p.length === 2)
        .map(([k, v]) => [String(k), String(v)] as const)
    : [];
  return {
    id: asString(raw.ID),
    name: asString(raw.Name),
    serverVersion: asString(raw.ServerVersion),
    driver: asString(raw.Driver),
    driverStatus,
    loggingDriver: asString(raw.LoggingDriver),
    cgroupDriver: asString(raw.CgroupDriver),
    cgroupVersion: asString(raw.CgroupVersion),
    dockerRootDir: asString(raw.DockerRootDir),
    debug: raw.Debug === true,
    experimentalBuild: raw.ExperimentalBuild === true,
    liveRestoreEnabled: raw.LiveRestoreEnabled === true,
    securityOptions: asStrings(raw.SecurityOptions),
    warnings: asStrings(raw.Warnings),
    authorizationPlugins: asStrings(plugins.Authorization),
    insecureRegistryCIDRs: asStrings(registry.InsecureRegistryCIDRs),
    insecureIndexes: Object.entries(indexes)
      .filter(([, v]) => v && v.Secure === false)
      .map(([k]) => k),
    swarmLocalNodeState: asString(swarm.LocalNodeState, 'inactive'),
    swarmControlAvailable: swarm.ControlAvailable === true,
    operatingSystem: asString(raw.OperatingSystem),
    defaultRuntime: asString(raw.DefaultRuntime),
    containers: typeof raw.Containers === 'number' ? raw.Containers : 0,
  };
}

export class DockerApiClient {
  private dockerode: Dockerode | null = null;
  private streaming: Dockerode | null = null;
  private negotiated: string | null = null;

  constructor(
    readonly endpoint: DockerEndpoint,
    private readonly requests: RequestLog,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The negotiated client, for the container inventory. Null until a ping succeeded. */
  get docker(): Dockerode | null {
    return this.dockerode;
  }

  private rawRequest(
    method: 'GET' | 'HEAD',
    path: string,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
    const conn = connectionOptions(this.endpoint);
    const lib = conn.protocol === 'https' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(
        {
          method,
          path,
          socketPath: conn.socketPath,
          host: conn.host,
          port: conn.port,
          ca: conn.ca,
          cert: conn.cert,
          key: conn.key,
          rejectUnauthorized: conn.rejectUnauthorized,
          timeout: this.timeoutMs,
          headers: { 'User-Agent': 'dockersec-exporter' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.timeoutMs} ms`)));
      req.on('error', (e) => {
        this.requests.record(method, path, true);
        reject(e);
      });
      this.requests.record(method, path);
      req.end();
    });
  }

  /** Negotiates the API version the way the docker CLI does: the daemon's API-Version header from /_ping. */
  async ping(): Promise<PingResult> {
    const res = await this.rawRequest('GET', '/_ping');
    if (res.status !== 200) throw new Error(`/_ping answered HTTP ${res.status}`);
    const header = res.headers['api-version'];
    const apiVersion = typeof header === 'string' && /^\d+\.\d+$/.test(header) ? header : null;
    if (apiVersion !== this.negotiated || !this.dockerode) this.connect(apiVersion);
    return { apiVersion };
  }

  private connect(apiVersion: string | null): void {
    const options = {
      ...connectionOptions(this.endpoint),
      // Without a header (very old daemons) the unversioned path lets the daemon pick.
      ...(apiVersion ? { version: `v${apiVersion}` } : {}),
    } as Dockerode.DockerOptions;
    const docker = new Dockerode({ ...options, timeout: this.timeoutMs });
    // docker-modem's timeout covers a whole request, so the long-lived /events stream gets a client without one:
    // with it, an idle stream would be cut (and the daemon re-read) every --docker.timeout.
    const streaming = new Dockerode(options);
    this.guard(docker);
    this.guard(streaming);
    this.dockerode = docker;
    this.streaming = streaming;
    this.negotiated = apiVersion;
  }

  /** Every request dockerode makes passes here: counted, and refused unless it only reads. */
  private guard(docker: Dockerode): void {
    const modem = (
      docker as unknown as { modem: { dial: (o: Record<string, unknown>, cb: unknown) => unknown } }
    ).modem;
    const dial = modem.dial.bind(modem);
    const requests = this.requests;
    modem.dial = (options, callback) => {
      const method = String(options.method ?? 'GET').toUpperCase();
      const path = String(options.path ?? '');
      if (!READ_METHODS.has(method)) {
        const err = new ReadOnlyViolation(`dockersec-exporter is read-only: refused ${method} ${path}`);
        if (typeof callback === 'function') (callback as (e: Error) => void)(err);
        return undefined;
      }
      requests.record(method, path);
      return dial(options, callback);
    };
  }

  private async bridge(docker: Dockerode): Promise<BridgeNetwork> {
    try {
      const net = (await docker.getNetwork('bridge').inspect()) as {
        Name?: string;
        Options?: Record<string, string>;
      };
      // Lookup by name also matches id prefixes; only the network named "bridge" is the default bridge.
      if (net.Name !== 'bridge') return { exists: false, options: {} };
      return { exists: true, options: { ...(net.Options ?? {}) } };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return { exists: false, options: {} };
      throw e;
    }
  }

  async collect(): Promise<Fact<DockerApiFacts>> {
    try {
      const { apiVersion } = await this.ping();
      const docker = this.dockerode!;
      const [version, info, bridge] = await Promise.all([
        docker.version() as Promise<unknown>,
        docker.info() as Promise<unknown>,
        this.bridge(docker),
      ]);
      return factOk({
        negotiatedApiVersion: apiVersion,
        version: pickVersion(version as Record<string, unknown>),
        info: pickInfo(info as Record<string, unknown>),
        bridge,
      });
    } catch (e) {
      return factError(`Docker API at ${this.endpoint.host}: ${(e as Error).message}`);
    }
  }

  /**
   * Follows /events until the stream ends; `onEnd` fires once with the reason. The caller reconnects
   * (and resyncs) because events missed while disconnected are gone.
   */
  async followEvents(
    onEvent: (e: DockerEvent) => void,
    onEnd: (err: Error | null) => void,
  ): Promise<() => void> {
    if (!this.streaming) await this.ping();
    const stream = (await this.streaming!.getEvents({
      filters: { type: ['daemon', 'container', 'network', 'plugin'] },
    })) as NodeJS.ReadableStream & { destroy?: () => void };
    let buffer = '';
    let ended = false;
    const finish = (err: Error | null) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) {
          let event: DockerEvent;
          try {
            event = JSON.parse(line) as DockerEvent;
          } catch (err) {
            // A malformed line is skipped; the periodic resync covers anything it meant.
            if (!(err instanceof SyntaxError)) throw err;
            nl = buffer.indexOf('\n');
            continue;
          }
          try {
            onEvent(event);
          } catch (err) {
            // The follower could not take the event: end the stream with that cause, so it is logged once and
            // the follower reconnects and resyncs, instead of losing events silently.
            finish(err instanceof Error ? err : new Error(String(err)));
            stream.destroy?.();
            return;
          }
        }
        nl = buffer.indexOf('\n');
      }
    });
    stream.on('end', () => finish(null));
    stream.on('close', () => finish(null));
    stream.on('error', (e: Error) => finish(e));
    return () => {
      ended = true;
      stream.destroy?.();
    };
  }
}
