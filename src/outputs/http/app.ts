// The HTTP surface. Every handler renders what the monitor already evaluated: no request reaches Docker.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Evaluation } from '../../evaluation/types.js';
import type { BuildInfo } from '../buildInfo.js';
import { jsonReport } from '../report/jsonReport.js';
import { sarifReport } from '../report/sarifReport.js';
import { textReport } from '../report/textReport.js';
import { prefersGzip } from './acceptEncoding.js';
import { type GzipPrefix, gzipJoin, gzipPrefix } from './gzipJoin.js';
import { LANDING_PAGE_CSP, landingPage } from './landingPage.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Sent with every response, web config or not. A header the web config's http_server_config.headers sets
 * (it is set before the app runs) wins; an X-Frame-Options: sameorigin there relaxes frame-ancestors to match.
 */
export const DEFAULT_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': LANDING_PAGE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

export interface AppOptions {
  readonly telemetryPath: string;
  readonly build: BuildInfo;
  /** The latest evaluation and its pre-rendered metrics text, or null before the first one. */
  readonly current: () => { evaluation: Evaluation; metricsText: string } | null;
  readonly exporterRegistry: Registry;
  /** A handler that threw: the client gets a 500, the operator this call (the server's log). */
  readonly onError?: (err: unknown, path: string) => void;
}

/** What the web layer serves: a plain Node request handler. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const TEXT = 'text/plain; charset=utf-8';
const NOT_READY = 'Not ready: first evaluation in progress\n';

/** A whole answer with its length; for HEAD, Node sends the headers only. */
function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

/** The path and query of a request target, origin-form (`/metrics?x`) or absolute-form (through a proxy). */
function target(url: string): { path: string; query: URLSearchParams } | null {
  if (url.startsWith('/')) {
    const q = url.indexOf('?');
    return q < 0
      ? { path: url, query: new URLSearchParams() }
      : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
  }
  if (!URL.canParse(url)) return null;
  const u = new URL(url);
  return { path: u.pathname, query: u.searchParams };
}

/**
 * The exporter's few routes, matched exactly (as Go's ServeMux matches exporter-toolkit's handlers), on plain
 * node:http: a web framework cost more start-up time and memory than the rest of the HTTP side (issue 12).
 */
export function createApp(opts: AppOptions): RequestHandler {
  /**
   * The evaluation's metrics encoded once, at the first scrape after it: about 130 KB at 1,000 containers, which
   * encoded per scrape was a quarter of a scrape's time (issue 12). Deflated once too, for gzip (gzipJoin.ts).
   */
  const encoded = new WeakMap<object, Buffer>();
  const deflated = new WeakMap<object, Promise<GzipPrefix>>();
  const bytesOf = (current: { metricsText: string }): Buffer => {
    let bytes = encoded.get(current);
    if (!bytes) {
      bytes = Buffer.from(current.metricsText, 'utf8');
      encoded.set(current, bytes);
    }
    return bytes;
  };

  const metrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const own = await opts.exporterRegistry.metrics();
    const current = opts.current();
    res.setHeader('Vary', 'Accept-Encoding');
    // Prometheus asks for gzip; a client that does not (curl without --compressed) gets plain text.
    if (prefersGzip(req.headers['accept-encoding'])) {
      let prefix = current ? deflated.get(current) : undefined;
      if (current && !prefix) {
        prefix = gzipPrefix(bytesOf(current));
        deflated.set(current, prefix);
      }
      const body = gzipJoin(await (prefix ?? gzipPrefix('')), own);
      res.setHeader('Content-Encoding', 'gzip');
      send(res, 200, PROMETHEUS_CONTENT_TYPE, body);
    } else {
      // Two writes of the kept bytes and the exporter's own, not a copy of both per scrape.
      const head = current ? bytesOf(current) : Buffer.alloc(0);
      const tail = Buffer.from(own, 'utf8');
      res.statusCode = 200;
      res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
      res.setHeader('Content-Length', head.length + tail.length);
      res.write(head);
      res.end(tail);
    }
  };

  const report = (query: URLSearchParams, res: ServerResponse): void => {
    const current = opts.current();
    if (!current) {
      send(res, 503, TEXT, NOT_READY);
      return;
    }
    const format = query.get('format') ?? 'json';
    if (format === 'text') send(res, 200, TEXT, textReport(current.evaluation, false));
    else if (format === 'sarif')
      send(
        res,
        200,
        'application/sarif+json; charset=utf-8',
        JSON.stringify(sarifReport(current.evaluation, opts.build)),
      );
    else if (format === 'json')
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(jsonReport(current.evaluation)));
    else send(res, 400, TEXT, 'format must be json, text or sarif\n');
  };

  /** Answers the request; a promise when the answer is still being made (only /metrics). */
  const route = (req: IncomingMessage, res: ServerResponse): Promise<void> | undefined => {
    const sameOrigin = String(res.getHeader('X-Frame-Options') ?? '').toLowerCase() === 'sameorigin';
    for (const [name, value] of Object.entries(DEFAULT_SECURITY_HEADERS)) {
      if (res.hasHeader(name)) continue;
      res.setHeader(
        name,
        sameOrigin && name === 'Content-Security-Policy'
          ? value.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
          : value,
      );
    }
    const t = target(req.url ?? '/');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, TEXT, 'Method Not Allowed\n');
    } else if (!t) send(res, 400, TEXT, 'Bad Request\n');
    else if (t.path === opts.telemetryPath) return metrics(req, res);
    else if (t.path === '/-/healthy') send(res, 200, TEXT, 'Healthy\n');
    else if (t.path === '/-/ready') {
      if (opts.current()) send(res, 200, TEXT, 'Ready\n');
      else send(res, 503, TEXT, NOT_READY);
    } else if (t.path === '/report') report(t.query, res);
    else if (t.path === '/') {
      const page = landingPage(opts.build, opts.telemetryPath, opts.current()?.evaluation ?? null);
      send(res, 200, 'text/html; charset=utf-8', page);
    } else send(res, 404, TEXT, 'Not Found\n');
    return undefined;
  };

  const failed = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    opts.onError?.(err, target(req.url ?? '/')?.path ?? '');
    if (res.headersSent) res.destroy();
    else send(res, 500, TEXT, 'Internal Server Error\n');
  };
  return (req, res) => {
    try {
      const pending = route(req, res);
      if (pending) pending.catch((err: unknown) => failed(req, res, err));
    } catch (err) {
      failed(req, res, err);
    }
  };
}
