// One Docker Engine API request, bounded: a deadline over the whole exchange (connect, headers and body), a cap on
// the body counted as it streams in (never buffered past the cap), and an answer that is either complete or a
// failure. Only GET and HEAD ever leave this module, and every request is counted. Over a unix socket or plain TCP
// the requests go through http1.ts (a tenth of Node's client's CPU per request); TLS endpoints and the events
// stream use Node's client.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { type ConnectionOptions, connectionOptions, type DockerEndpoint } from './endpoint.js';
import { Http1Client, Http1Error, type Http1Failure } from './http1.js';
import { normalizeEndpoint, type RequestLog } from './requestLog.js';

/** The largest answer the exporter takes; a big host's /containers/json is well under 1 MiB. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const READ_METHODS = new Set(['GET', 'HEAD']);

export class ReadOnlyViolation extends Error {}

/** A request that got no complete, well-formed answer; `statusCode` when the daemon answered with an error status. */
export class DockerApiError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DockerApiError';
  }
}

export interface Answer {
  readonly status: number;
  /** Lower-case field names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** A streaming answer (the events stream): its headers arrived in time; `close()` ends it. */
export interface OpenStream {
  readonly response: http.IncomingMessage;
  close(): void;
}

export interface TransportOptions {
  readonly timeoutMs: number;
  readonly maxBodyBytes?: number;
}

export const mib = (bytes: number): string =>
  bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;

const USER_AGENT = 'dockersec-exporter';

export class DockerTransport {
  /** TLS endpoints' pool; a plain endpoint's requests go through `plain`, its events stream has its own socket. */
  private readonly agent: https.Agent | null;
  /** Plain endpoints (a unix socket, TCP without TLS): everything but the events stream. */
  private readonly plain: Http1Client | null;
  readonly maxBodyBytes: number;

  constructor(
    private readonly endpoint: DockerEndpoint,
    private readonly requests: RequestLog,
    private readonly opts: TransportOptions,
  ) {
    this.maxBodyBytes = opts.maxBodyBytes ?? MAX_BODY_BYTES;
    const https_ = endpoint.tls !== null;
    // Idle kept-alive sockets are unref'd by the agent: they never keep the process alive.
    this.agent = https_ ? new https.Agent({ keepAlive: true, maxFreeSockets: 4 }) : null;
    this.plain = https_ ? null : plainClient(endpoint);
  }

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  /** The whole answer, within the deadline and the cap; an error status is an answer too (see `status`). */
  request(method: string, path: string): Promise<Answer> {
    return this.send(method, path, normalizeEndpoint(path), false).then((r) => r as Answer);
  }

  /** GET as JSON: an error status rejects with its statusCode; a body that does not parse counts as a failure. */
  async getJson(path: string): Promise<unknown> {
    const endpoint = normalizeEndpoint(path);
    const answer = (await this.send('GET', path, endpoint, false)) as Answer;
    try {
      return parseJsonBody(`GET ${endpoint}`, answer);
    } catch (e) {
      if (e instanceof DockerApiError && e.statusCode === undefined)
        this.requests.record('GET', endpoint, true);
      throw e;
    }
  }

  /**
   * Opens a long-lived stream: the deadline covers the connection and the headers only. An error status is read
   * (bounded) and rejected with its message.
   */
  stream(path: string): Promise<OpenStream> {
    return this.send('GET', path, normalizeEndpoint(path), true).then((r) => r as OpenStream);
  }

  close(): void {
    this.agent?.destroy();
    this.plain?.close();
  }

  private send(
    method: string,
    path: string,
    endpoint: string,
    streaming: boolean,
  ): Promise<Answer | OpenStream> {
    const what = `${method} ${endpoint}`;
    if (!READ_METHODS.has(method))
      return Promise.reject(new ReadOnlyViolation(`dockersec-exporter is read-only: refused ${what}`));
    this.requests.record(method, endpoint);
    if (this.plain && !streaming)
      return this.plainExchange(this.plain, method as 'GET' | 'HEAD', path, endpoint);
    return connectionOptions(this.endpoint).then(
      (conn) => this.exchange(method, path, endpoint, streaming, conn),
      (e: unknown) => {
        this.requests.record(method, endpoint, true);
        throw e;
      },
    );
  }

  private plainExchange(
    client: Http1Client,
    method: 'GET' | 'HEAD',
    path: string,
    endpoint: string,
  ): Promise<Answer> {
    const { timeoutMs } = this.opts;
    const onResend = () => this.requests.record(method, endpoint);
    return client
      .request(method, path, { timeoutMs, maxBodyBytes: this.maxBodyBytes, onResend })
      .catch((e: unknown) => {
        this.requests.record(method, endpoint, true);
        if (!(e instanceof Http1Error)) throw e;
        throw plainFailure(`${method} ${endpoint}`, e.failure, timeoutMs, this.maxBodyBytes);
      });
  }

  private exchange(
    method: string,
    path: string,
    endpoint: string,
    streaming: boolean,
    conn: ConnectionOptions,
  ): Promise<Answer | OpenStream> {
    const what = `${method} ${endpoint}`;
    const lib = conn.protocol === 'https' ? https : http;
    const { timeoutMs } = this.opts;
    const max = this.maxBodyBytes;
    return new Promise((resolve, reject) => {
      let settled = false;
      let received = 0;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.requests.record(method, endpoint, true);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new DockerApiError(`${what}: no complete answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
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
          // The events stream holds its connection for hours: it gets its own, outside the pool.
          agent: streaming ? false : (this.agent ?? false),
          headers: { 'User-Agent': USER_AGENT },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (streaming && status >= 200 && status < 300) {
            settled = true;
            clearTimeout(timer);
            resolve({ response: res, close: () => req.destroy() });
            return;
          }
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > max) {
            received = declared;
            fail(tooBig(what, max, received));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            received += chunk.length;
            if (received > max) fail(tooBig(what, max, received));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            if (settled) return;
            if (!res.complete) {
              fail(cutOff(what, received));
              return;
            }
            settled = true;
            clearTimeout(timer);
            const body = Buffer.concat(chunks);
            if (streaming) reject(statusError(what, status, body));
            else resolve({ status, headers: res.headers, body });
          });
          res.on('error', (e) => fail(cutOff(what, received, e)));
          // Every answer closes; only one that closed unfinished is an error (not built for the others: an
          // error's stack trace costs more than the rest of a small answer).
          res.on('close', () => {
            if (!settled) fail(cutOff(what, received));
          });
        },
      );
      req.on('error', (e) =>
        fail(
          e instanceof DockerApiError
            ? e
            : new DockerApiError(`${what}: ${e.message}`, undefined, { cause: e }),
        ),
      );
      if (streaming)
        req.on('socket', (s) => {
          // A TCP peer that vanished without a FIN is noticed by keep-alive probes, not by waiting for events.
          s.setKeepAlive(true, 15_000);
        });
      req.end();
    });
  }
}

/** A client for an endpoint without TLS; Host as Node's client would send it. */
function plainClient(endpoint: DockerEndpoint): Http1Client {
  if (endpoint.socketPath) {
    const path = endpoint.socketPath;
    return new Http1Client(() => net.connect({ path }), 'localhost', USER_AGENT);
  }
  const { host, port } = endpoint.tcp!;
  const hostHeader = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  // Keep-alive probes, as Node's agent sets them on its sockets: a peer gone without a FIN is noticed.
  return new Http1Client(() => net.connect({ host, port }).setKeepAlive(true, 1_000), hostHeader, USER_AGENT);
}

/**
 * A timeout, a cut-off body, an answer over the cap and a connection error in the words of the Node client path
 * below, so that a failure reads alike whichever client carried it.
 */
function plainFailure(what: string, f: Http1Failure, timeoutMs: number, max: number): DockerApiError {
  switch (f.kind) {
    case 'timeout':
      return new DockerApiError(`${what}: no complete answer within ${timeoutMs} ms`);
    case 'tooBig':
      return tooBig(what, max, f.received);
    case 'cutOff':
      return cutOff(what, f.received, f.cause);
    case 'connection':
      return new DockerApiError(`${what}: ${f.cause.message}`, undefined, { cause: f.cause });
    case 'protocol':
      return new DockerApiError(`${what}: not a valid HTTP answer (${f.detail})`);
    case 'target':
      return new DockerApiError(
        `${what}: request target ${JSON.stringify(f.target)} has characters that cannot be sent`,
      );
  }
}

function tooBig(what: string, max: number, received: number): DockerApiError {
  return new DockerApiError(
    `${what}: answer larger than ${mib(max)}, refused (${received} bytes read; the rest never buffered)`,
  );
}

function cutOff(what: string, received: number, cause?: Error): DockerApiError {
  return new DockerApiError(
    `${what}: connection closed after ${received} bytes, before the answer was complete (cut off)`,
    undefined,
    cause ? { cause } : undefined,
  );
}

/** The daemon's error status, with its {"message": ...} when it sent one. */
export function statusError(what: string, status: number, body: Buffer): DockerApiError {
  let detail = '';
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown };
    if (typeof parsed?.message === 'string') detail = parsed.message;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    detail = body.toString('utf8', 0, Math.min(body.length, 200)).trim();
  }
  return new DockerApiError(`${what} answered HTTP ${status}${detail ? `: ${detail}` : ''}`, status);
}

/** The body as JSON, or a clear error: a 2xx answer that is not JSON is a broken daemon or proxy, not an empty one. */
export function parseJsonBody(what: string, answer: Answer): unknown {
  if (answer.status < 200 || answer.status >= 300) throw statusError(what, answer.status, answer.body);
  const text = answer.body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const type = answer.headers['content-type'] ?? 'no content type';
    throw new DockerApiError(
      `${what}: answer is not valid JSON (${type}, ${answer.body.length} bytes: ${e.message})`,
      undefined,
      { cause: e },
    );
  }
}
