// The Docker Engine API, read-only: version negotiated from /_ping, then /version, /info and the default bridge;
// the container endpoints for the inventory, and the events stream. Every request goes through DockerTransport:
// a deadline over the whole exchange, a cap on the body, JSON that must parse.
import type {
  BridgeNetwork,
  DockerApiFacts,
  DockerEngineVersion,
  DockerInfo,
  Fact,
} from '../../facts/types.js';
import { factError, factOk } from '../../facts/types.js';
import type { DockerEndpoint } from './endpoint.js';
import type { RequestLog } from './requestLog.js';
import { DockerApiError, DockerTransport, mib, statusError } from './transport.js';

export { DockerApiError, ReadOnlyViolation } from './transport.js';

/** The longest events line taken; a real event is a few KiB. A longer one means a broken stream: reconnect. */
export const MAX_EVENT_LINE_BYTES = 1024 * 1024;

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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** /version as the controls need it; an answer without the engine's version is a broken daemon or proxy. */
export function pickVersion(raw: unknown): DockerEngineVersion {
  if (!isObject(raw) || typeof raw.Version !== 'string' || raw.Version === '')
    throw new DockerApiError(
      'GET /version: answer has no engine Version (not a Docker daemon, or a broken one)',
    );
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
export function pickInfo(raw: unknown): DockerInfo {
  if (!isObject(raw) || typeof raw.ServerVersion !== 'string')
    throw new DockerApiError('GET /info: answer has no ServerVersion (not a Docker daemon, or a broken one)');
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

/** One row of /containers/json, as far as the inventory reads it. */
export interface ListedContainer {
  readonly Id: string;
  readonly State?: string;
  readonly Status?: string;
  readonly [key: string]: unknown;
}

export interface DockerApiLimits {
  /** Largest answer body taken (MAX_BODY_BYTES). */
  readonly maxBodyBytes?: number;
  /** Longest events line taken (MAX_EVENT_LINE_BYTES). */
  readonly maxEventLineBytes?: number;
}

export class DockerApiClient {
  private readonly transport: DockerTransport;
  /** The negotiated API version: undefined before a /_ping succeeded, null when the daemon sent none. */
  private negotiated: string | null | undefined = undefined;
  private readonly maxEventLineBytes: number;

  constructor(
    readonly endpoint: DockerEndpoint,
    requests: RequestLog,
    /** The deadline of one request, body included (--docker.timeout). */
    readonly timeoutMs = 10_000,
    limits: DockerApiLimits = {},
  ) {
    this.transport = new DockerTransport(endpoint, requests, {
      timeoutMs,
      maxBodyBytes: limits.maxBodyBytes,
    });
    this.maxEventLineBytes = limits.maxEventLineBytes ?? MAX_EVENT_LINE_BYTES;
  }

  /** Closes the kept-alive connections (requests in flight fail); later requests open new ones. */
  close(): void {
    this.transport.close();
  }

  /** Negotiates the API version the way the docker CLI does: the daemon's API-Version header from /_ping. */
  async ping(): Promise<PingResult> {
    const res = await this.transport.request('GET', '/_ping');
    if (res.status !== 200) throw statusError('GET /_ping', res.status, res.body);
    const header = res.headers['api-version'];
    const apiVersion = typeof header === 'string' && /^\d+\.\d+$/.test(header) ? header : null;
    this.negotiated = apiVersion;
    return { apiVersion };
  }

  /** The versioned path; negotiates first when no /_ping succeeded yet. */
  private async versioned(path: string): Promise<string> {
    if (this.negotiated === undefined) await this.ping();
    // Without a header (very old daemons) the unversioned path lets the daemon pick.
    return this.negotiated ? `/v${this.negotiated}${path}` : path;
  }

  /** GET `path` (unversioned, with its query) as JSON, within the deadline and the body cap. */
  async getJson(path: string): Promise<unknown> {
    return this.transport.getJson(await this.versioned(path));
  }

  async listContainers(filters: Record<string, readonly string[]>): Promise<ListedContainer[]> {
    const list = await this.getJson(
      `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(filters))}`,
    );
    if (!Array.isArray(list) || !list.every((c) => isObject(c) && typeof c.Id === 'string'))
      throw new DockerApiError('GET /containers/json: answer is not a list of containers');
    return list as ListedContainer[];
  }

  async inspectContainer(id: string): Promise<Record<string, unknown>> {
    const doc = await this.getJson(`/containers/${encodeURIComponent(id)}/json`);
    if (!isObject(doc)) throw new DockerApiError('GET /containers/{id}/json: answer is not an object');
    return doc;
  }

  /** `docker top`: the host's ps over the container's processes; `psArgs` as the CLI passes them. */
  topContainer(id: string, psArgs?: string): Promise<unknown> {
    const query = psArgs ? `?ps_args=${encodeURIComponent(psArgs)}` : '';
    return this.getJson(`/containers/${encodeURIComponent(id)}/top${query}`);
  }

  private async bridge(): Promise<BridgeNetwork> {
    let net: unknown;
    try {
      net = await this.getJson('/networks/bridge');
    } catch (e) {
      if (e instanceof DockerApiError && e.statusCode === 404) return { exists: false, options: {} };
      throw e;
    }
    if (!isObject(net)) throw new DockerApiError('GET /networks/{id}: answer is not an object');
    // Lookup by name also matches id prefixes; only the network named "bridge" is the default bridge.
    if (net.Name !== 'bridge') return { exists: false, options: {} };
    const options = isObject(net.Options) ? net.Options : {};
    return {
      exists: true,
      options: Object.fromEntries(
        Object.entries(options).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
    };
  }

  async collect(): Promise<Fact<DockerApiFacts>> {
    try {
      const { apiVersion } = await this.ping();
      const [version, info, bridge] = await Promise.all([
        this.getJson('/version').then(pickVersion),
        this.getJson('/info').then(pickInfo),
        this.bridge(),
      ]);
      return factOk({ negotiatedApiVersion: apiVersion, version, info, bridge });
    } catch (e) {
      return factError(`Docker API at ${this.endpoint.host}: ${(e as Error).message}`);
    }
  }

  /**
   * Follows /events until the stream ends; `onEnd` fires once with the reason. The caller reconnects
   * (and resyncs) because events missed while disconnected are gone. The deadline covers the connection and the
   * headers; after that the stream may stay silent for hours. A line longer than the cap ends the stream.
   */
  async followEvents(
    onEvent: (e: DockerEvent) => void,
    onEnd: (err: Error | null) => void,
  ): Promise<() => void> {
    const filters = encodeURIComponent(
      JSON.stringify({ type: ['daemon', 'container', 'network', 'plugin'] }),
    );
    const { response, close } = await this.transport.stream(
      await this.versioned(`/events?filters=${filters}`),
    );
    const max = this.maxEventLineBytes;
    // The bytes after the last newline: only new chunks are scanned, so a long line costs linear time.
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let ended = false;
    const finish = (err: Error | null) => {
      if (ended) return;
      ended = true;
      close();
      onEnd(err);
    };
    const line = (bytes: Buffer): boolean => {
      const text = bytes.toString('utf8').trim();
      if (!text) return true;
      let event: DockerEvent;
      try {
        event = JSON.parse(text) as DockerEvent;
      } catch (err) {
        // A malformed line is skipped; the periodic resync covers anything it meant.
        if (!(err instanceof SyntaxError)) throw err;
        return true;
      }
      try {
        onEvent(event);
      } catch (err) {
        // The follower could not take the event: end the stream with that cause, so it is logged once and
        // the follower reconnects and resyncs, instead of losing events silently.
        finish(err instanceof Error ? err : new Error(String(err)));
        return false;
      }
      return true;
    };
    response.on('data', (chunk: Buffer) => {
      if (ended) return;
      let start = 0;
      let nl = chunk.indexOf(10);
      while (nl >= 0) {
        const piece = chunk.subarray(start, nl);
        const whole = partialBytes > 0 ? Buffer.concat([...partial, piece]) : piece;
        partial = [];
        partialBytes = 0;
        if (whole.length > max) {
          finish(new DockerApiError(`GET /events: a line longer than ${mib(max)}: the stream is broken`));
          return;
        }
        if (!line(whole)) return;
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      if (start < chunk.length) {
        partial.push(chunk.subarray(start));
        partialBytes += chunk.length - start;
        if (partialBytes > max) {
          partial = [];
          finish(new DockerApiError(`GET /events: a line longer than ${mib(max)}: the stream is broken`));
        }
      }
    });
    response.on('end', () => finish(null));
    response.on('close', () => finish(null));
    response.on('error', (e: Error) => finish(e));
    return () => {
      ended = true;
      close();
    };
  }
}
