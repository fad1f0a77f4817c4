// The exporter reports --web.config.file reloads on /metrics: a broken edit keeps the old config and shows 0.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { selfSignedCert } from '../support/certs.js';
import {
  type Metrics,
  parseMetrics,
  ROOT,
  startTestExporter,
  type TestExporter,
  waitFor,
} from '../support/exporter.js';

let dir: string;
const exporters: TestExporter[] = [];

after(async () => {
  for (const e of exporters) await e.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function workDir(): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'dockersec-serve-web-'));
  return dir;
}

async function start(args: string[]): Promise<TestExporter> {
  const d = await workDir();
  // No daemon needed: the Docker API being down does not concern the web layer.
  const e = await startTestExporter([`--docker.host=unix://${d}/none.sock`, ...args]);
  exporters.push(e);
  return e;
}

/** GET over HTTP or HTTPS (trusting `ca`), with basic auth when given. */
function get(
  url: string,
  opts: { auth?: string; ca?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = opts.auth ? { Authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {};
    const req = (url.startsWith('https:') ? https : http).get(
      url,
      { headers, ca: opts.ca, agent: false, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

async function scrape(url: string, opts: { auth?: string; ca?: string } = {}): Promise<Metrics> {
  const r = await get(`${url}/metrics`, opts);
  assert.equal(r.status, 200, r.body);
  return parseMetrics(r.body);
}

test('dockersec_web_config_last_reload_successful follows a broken and a repaired web config', async () => {
  const file = join(await workDir(), 'web.yml');
  await copyFile(join(ROOT, 'test', 'fixtures', 'web-config', 'headers.good.yml'), file);
  const exporter = await start([`--web.config.file=${file}`]);
  const gauge = async () => (await exporter.scrape()).get('dockersec_web_config_last_reload_successful');
  assert.equal(await gauge(), 1);
  await writeFile(file, 'http_server_config:\n  headers:\n    X-Powered-By: me\n');
  await waitFor('reload failure reported', async () => (await gauge()) === 0, 10_000);
  await copyFile(join(ROOT, 'test', 'fixtures', 'web-config', 'headers.good.yml'), file);
  await waitFor('reload success reported', async () => (await gauge()) === 1, 10_000);
});

test('an emptied web config keeps basic auth on and reports the failed reload', {
  timeout: 60_000,
}, async () => {
  const file = join(await workDir(), 'auth.yml');
  await writeFile(file, `basic_auth_users:\n  prometheus: ${await bcrypt.hash('s3cret', 4)}\n`);
  const exporter = await start([`--web.config.file=${file}`]);
  const auth = 'prometheus:s3cret';
  const gauge = async () =>
    (await scrape(exporter.url, { auth })).get('dockersec_web_config_last_reload_successful');
  assert.equal(await gauge(), 1);
  assert.equal((await get(`${exporter.url}/metrics`)).status, 401);
  await writeFile(file, '');
  await waitFor('reload failure reported', async () => (await gauge()) === 0, 10_000);
  assert.equal((await get(`${exporter.url}/metrics`)).status, 401);
  assert.equal((await get(`${exporter.url}/`)).status, 401);
  const m = await scrape(exporter.url, { auth });
  for (const reason of ['client_failures', 'client_pending', 'queue_full'])
    assert.equal(m.get('dockersec_web_auth_throttled_total', { reason }), 0, reason);
  assert.equal(m.get('dockersec_web_connections_rejected_total', { reason: 'max_connections' }), 0);
});

test('failed TLS handshakes are counted on /metrics by reason', { timeout: 60_000 }, async () => {
  const d = await workDir();
  await selfSignedCert(d, 'tls', {
    subject: '/CN=localhost',
    days: 1,
    keyType: 'ec',
    ext: ['subjectAltName=IP:127.0.0.1'],
  });
  const file = join(d, 'tls.yml');
  await writeFile(file, 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n');
  const ca = await readFile(join(d, 'tls.crt'), 'utf8');
  const exporter = await start([`--web.config.file=${file}`, '--web.max-connections=64']);
  const url = exporter.url.replace('http:', 'https:');
  const failures = async (reason: string) =>
    (await scrape(url, { ca })).get('dockersec_web_tls_handshake_failures_total', { reason });
  assert.equal(await failures('not_tls'), 0);
  assert.equal(await failures('timeout'), 0);
  for (let i = 0; i < 3; i++) await assert.rejects(get(`${exporter.url}/metrics`)); // plain HTTP on the TLS port
  await waitFor('three failures counted', async () => (await failures('not_tls')) === 3, 10_000);
});
