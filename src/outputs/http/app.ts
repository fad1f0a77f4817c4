// The HTTP surface. Every handler renders what the monitor already evaluated: no request reaches Docker.
import { promisify } from 'node:util';
import { gzip, constants as zlibConstants } from 'node:zlib';
import express from 'express';
import type { Registry } from 'prom-client';
import type { Evaluation } from '../../evaluation/types.js';
import type { BuildInfo } from '../buildInfo.js';
import { jsonReport } from '../report/jsonReport.js';
import { sarifReport } from '../report/sarifReport.js';
import { textReport } from '../report/textReport.js';
import { LANDING_PAGE_CSP, landingPage } from './landingPage.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const gzipAsync = promisify(gzip);
/**
 * The fastest level: a 120 KB page shrinks about tenfold all the same, and the work runs on libuv's thread
 * pool, not on the event loop.
 */
const GZIP_OPTIONS = { level: zlibConstants.Z_BEST_SPEED };

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
    const text = (current?.metricsText ?? '') + own;
    res.set('Content-Type', PROMETHEUS_CONTENT_TYPE).set('Vary', 'Accept-Encoding');
    // Prometheus asks for gzip; a client that does not (curl without --compressed) gets plain text.
    if (req.acceptsEncodings('gzip', 'identity') === 'gzip') {
      res.set('Content-Encoding', 'gzip').send(await gzipAsync(text, GZIP_OPTIONS));
    } else res.send(text);
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
