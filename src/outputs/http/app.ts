// The HTTP surface. Every handler renders what the monitor already evaluated: no request reaches Docker.
import express from 'express';
import type { Registry } from 'prom-client';
import type { Evaluation } from '../../evaluation/types.js';
import type { BuildInfo } from '../buildInfo.js';
import { jsonReport } from '../report/jsonReport.js';
import { sarifReport } from '../report/sarifReport.js';
import { textReport } from '../report/textReport.js';
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
}

export function createApp(opts: AppOptions): express.Express {
  const app = express();
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
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, res, next) => {
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
    next();
  });
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.set('Allow', 'GET, HEAD').status(405).type('text/plain').send('Method Not Allowed\n');
      return;
    }
    next();
  });

  app.get(opts.telemetryPath, async (req, res) => {
    const own = await opts.exporterRegistry.metrics();
    const current = opts.current();
    res.set('Content-Type', PROMETHEUS_CONTENT_TYPE).set('Vary', 'Accept-Encoding');
    // Prometheus asks for gzip; a client that does not (curl without --compressed) gets plain text.
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      let prefix = current ? deflated.get(current) : undefined;
      if (current && !prefix) {
        prefix = gzipPrefix(bytesOf(current));
        deflated.set(current, prefix);
      }
      res.set('Content-Encoding', 'gzip').send(gzipJoin(await (prefix ?? gzipPrefix('')), own));
    } else {
      // Two writes of the kept bytes and the exporter's own, not a copy of both per scrape.
      const head = current ? bytesOf(current) : Buffer.alloc(0);
      const tail = Buffer.from(own, 'utf8');
      res.status(200).set('Content-Length', String(head.length + tail.length));
      res.write(head);
      res.end(tail);
    }
  });

  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send('Healthy\n');
  });
  app.get('/-/ready', (_req, res) => {
    if (opts.current()) res.type('text/plain').send('Ready\n');
    else res.status(503).type('text/plain').send('Not ready: first evaluation in progress\n');
  });

  app.get('/report', (req, res) => {
    const current = opts.current();
    if (!current) {
      res.status(503).type('text/plain').send('Not ready: first evaluation in progress\n');
      return;
    }
    const format = String(req.query.format ?? 'json');
    if (format === 'text') res.type('text/plain').send(textReport(current.evaluation, false));
    else if (format === 'sarif')
      res.type('application/sarif+json').send(JSON.stringify(sarifReport(current.evaluation, opts.build)));
    else if (format === 'json') res.json(jsonReport(current.evaluation));
    else res.status(400).type('text/plain').send('format must be json, text or sarif\n');
  });

  if (opts.telemetryPath !== '/') {
    app.get('/', (_req, res) => {
      res.type('html').send(landingPage(opts.build, opts.telemetryPath, opts.current()?.evaluation ?? null));
    });
  }
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not Found\n');
  });
  return app;
}
