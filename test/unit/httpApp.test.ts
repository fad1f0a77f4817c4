// The HTTP surface on plain node:http: routes matched exactly, GET and HEAD only, the answers' types and
// lengths, the security headers, the report formats, a handler that throws, and Accept-Encoding read as
// Express (negotiator) read it when the app ran on Express.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import request from 'supertest';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';
import { prefersGzip } from '../../src/outputs/http/acceptEncoding.js';
import { createApp, type RequestHandler } from '../../src/outputs/http/app.js';
import { makeFacts } from '../support/facts.js';

const evaluation = evaluate(makeFacts({}), CATALOG);
const errors: string[] = [];
const appWith = (ready: boolean, registry = new Registry()): RequestHandler =>
  createApp({
    telemetryPath: '/metrics',
    build: loadBuildInfo(),
    current: () => (ready ? { evaluation, metricsText: 'dockersec_up 1\n' } : null),
    exporterRegistry: registry,
    onError: (err, path) => errors.push(`${path}: ${(err as Error).message}`),
  });
const app = appWith(true);

describe('routes', () => {
  test('each route answers with its type and length; anything else is 404', async () => {
    const cases: [string, number, RegExp][] = [
      ['/metrics', 200, /^text\/plain; version=0\.0\.4; charset=utf-8$/],
      ['/-/healthy', 200, /^text\/plain; charset=utf-8$/],
      ['/-/ready', 200, /^text\/plain; charset=utf-8$/],
      ['/', 200, /^text\/html; charset=utf-8$/],
      ['/report', 200, /^application\/json; charset=utf-8$/],
      ['/report?format=json', 200, /^application\/json; charset=utf-8$/],
      ['/report?format=text', 200, /^text\/plain; charset=utf-8$/],
      ['/report?format=sarif', 200, /^application\/sarif\+json; charset=utf-8$/],
      ['/report?format=xml', 400, /^text\/plain/],
      ['/metrics?x=1', 200, /^text\/plain; version=0\.0\.4/],
      ['/nope', 404, /^text\/plain/],
      ['/metrics/extra', 404, /^text\/plain/],
      ['/Metrics', 404, /^text\/plain/],
    ];
    for (const [path, status, type] of cases) {
      const r = await request(app).get(path).set('Accept-Encoding', 'identity');
      assert.equal(r.status, status, path);
      assert.match(String(r.headers['content-type']), type, path);
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.text), path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(r.headers['x-frame-options'], 'DENY', path);
      assert.equal(r.headers['x-powered-by'], undefined, path);
    }
    const json = await request(app).get('/report');
    assert.equal(json.body.summary.pass, evaluation.summary.pass);
    const sarif = await request(app).get('/report?format=sarif');
    assert.equal(JSON.parse(sarif.text).version, '2.1.0');
  });

  test('before the first evaluation: healthy, not ready, no report', async () => {
    const early = appWith(false);
    assert.equal((await request(early).get('/-/healthy')).status, 200);
    const ready = await request(early).get('/-/ready');
    assert.equal(ready.status, 503);
    assert.match(ready.text, /first evaluation in progress/);
    assert.equal((await request(early).get('/report')).status, 503);
    assert.equal((await request(early).get('/metrics')).status, 200);
  });

  test('GET and HEAD only: HEAD has the length and no body; other methods get 405 and Allow', async () => {
    const head = await request(app).head('/-/ready');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '6');
    assert.equal(head.text, undefined);
    for (const method of ['post', 'put', 'delete', 'options'] as const) {
      const r = await request(app)[method]('/metrics');
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD', method);
    }
  });

  test('a request target in absolute form (through a proxy) is routed by its path', async () => {
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const status = (path: string) =>
        new Promise<number>((resolve, reject) =>
          http
            .get({ host: '127.0.0.1', port, path }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            })
            .on('error', reject),
        );
      assert.equal(await status(`http://127.0.0.1:${port}/-/healthy`), 200);
      assert.equal(await status(`http://127.0.0.1:${port}/elsewhere`), 404);
    } finally {
      server.close();
    }
  });

  test('headers set before the app (web config) win; X-Frame-Options sameorigin relaxes frame-ancestors', async () => {
    const server = http
      .createServer((req, res) => {
        res.setHeader('X-Frame-Options', 'sameorigin');
        res.setHeader('Referrer-Policy', 'same-origin');
        app(req, res);
      })
      .listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const r = await request(server).get('/');
      assert.equal(r.headers['x-frame-options'], 'sameorigin');
      assert.equal(r.headers['referrer-policy'], 'same-origin');
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'self'/);
    } finally {
      server.close();
    }
  });

  test('a handler that throws answers 500 and tells the server', async () => {
    const broken = new Registry();
    broken.metrics = () => Promise.reject(new Error('registry broke'));
    const r = await request(appWith(true, broken)).get('/metrics');
    assert.equal(r.status, 500);
    assert.equal(r.text, 'Internal Server Error\n');
    assert.ok(errors.includes('/metrics: registry broke'), errors.join('; '));
  });
});

describe('Accept-Encoding', () => {
  test('gzip only when acceptable and not ranked below identity', () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ['', false],
      ['gzip', true],
      ['GZIP', true],
      ['gzip, deflate', true],
      ['deflate, gzip, br, zstd', true],
      ['br', false],
      ['identity', false],
      ['identity, gzip', false],
      ['gzip, identity', true],
      ['gzip;q=0', false],
      ['gzip;q=0.5, identity', false],
      ['gzip;q=0.5, identity;q=0.4', true],
      ['gzip;q=0.5', true],
      ['gzip;q=0.5, br;q=0.8', true],
      ['*', true],
      ['*;q=0', false],
      ['*;q=0, gzip', true],
      ['identity;q=0, gzip;q=0.1', true],
      // Equal quality: the named coding before `*`.
      ['*, identity', false],
      ['identity, *', false],
      ['gzip;q=0.5, *;q=1', false],
      ['gzip;q=abc', false],
      ['gzip;q=0.5, gzip;q=1', true],
    ];
    for (const [header, want] of cases) assert.equal(prefersGzip(header), want, String(header));
  });
});
