// /metrics compression: gzip when the scraper accepts it (Prometheus does), plain text otherwise, same content.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';
import { createApp, PROMETHEUS_CONTENT_TYPE } from '../../src/outputs/http/app.js';

const own = new Registry();
new Counter({ name: 'dockersec_test_total', help: 'A counter.', registers: [own] }).inc(3);
const evaluated = `# HELP dockersec_up Up.\n# TYPE dockersec_up gauge\ndockersec_up 1\n${'dockersec_x{a="b"} 1\n'.repeat(2000)}`;
const app = createApp({
  telemetryPath: '/metrics',
  build: loadBuildInfo(),
  current: () => ({ evaluation: null as never, metricsText: evaluated }),
  exporterRegistry: own,
});

/** The answer's bytes as sent (supertest would decompress them). */
async function rawGet(headers: Record<string, string>) {
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.get({ host: '127.0.0.1', port, path: '/metrics', headers }, resolve).on('error', reject),
    );
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { headers: res.headers, body: Buffer.concat(chunks) };
  } finally {
    server.close();
  }
}

describe('/metrics encoding', () => {
  test('gzip when accepted, with the same text as the plain answer', async () => {
    const plain = await request(app).get('/metrics').set('Accept-Encoding', 'identity');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['content-type'], PROMETHEUS_CONTENT_TYPE);
    assert.match(plain.text, /^dockersec_test_total 3$/m);
    const zipped = await rawGet({ 'Accept-Encoding': 'gzip, deflate' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'Accept-Encoding');
    const body = zipped.body;
    assert.equal(gunzipSync(body).toString('utf8'), plain.text);
    assert.ok(body.length * 5 < plain.text.length, `${body.length} bytes gzipped`);
  });

  test('no gzip without Accept-Encoding, or when refused with q=0', async () => {
    for (const accept of [null, 'gzip;q=0', 'br']) {
      const r = request(app).get('/metrics');
      if (accept === null) r.unset('Accept-Encoding');
      else r.set('Accept-Encoding', accept);
      const res = await r;
      assert.equal(res.headers['content-encoding'], undefined, String(accept));
      assert.match(res.text, /^dockersec_up 1$/m);
    }
  });
});
