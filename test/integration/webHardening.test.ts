// "Never hang": listen() under hostile clients, on real sockets. A flood of wrong passwords, too many or too
// slow connections, a web config emptied under a running exporter, failed TLS handshakes by the dozen, and
// the security headers of the landing page.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { Registry } from 'prom-client';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';
import { createApp } from '../../src/outputs/http/app.js';
import { type Listening, type ListenOptions, listen } from '../../src/web/index.js';
import { selfSignedCert } from '../support/certs.js';
import { makeFacts } from '../support/facts.js';
import { sleep, waitFor } from '../support/wait.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/web-config/', import.meta.url));

let dir: string;
let tlsPem: { cert: string; key: string };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dockersec-webhardening-'));
  await selfSignedCert(dir, 'server', {
    subject: '/CN=localhost',
    days: 1,
    keyType: 'ec',
    ext: ['subjectAltName=DNS:localhost,IP:127.0.0.1'],
  });
  tlsPem = {
    cert: await readFile(join(dir, 'server.crt'), 'utf8'),
    key: await readFile(join(dir, 'server.key'), 'utf8'),
  };
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const evaluation = evaluate(makeFacts({}), CATALOG);
const app = createApp({
  telemetryPath: '/metrics',
  build: loadBuildInfo(),
  current: () => ({ evaluation, metricsText: 'dockersec_up 1\n' }),
  exporterRegistry: new Registry(),
});

interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
  at: number;
}

async function start(opts: Partial<ListenOptions> = {}) {
  const logs: LogLine[] = [];
  const reloads: boolean[] = [];
  const push = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    logs.push({ level, msg, fields, at: Date.now() });
  const l = await listen(app, {
    listenAddress: '127.0.0.1:0',
    logger: { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') },
    onReload: (ok) => reloads.push(ok),
    ...opts,
  });
  return { l, logs, reloads };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

function get(
  l: Listening,
  r: { auth?: string; path?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port: l.address.port,
        path: r.path ?? '/metrics',
        agent: false,
        localAddress: r.localAddress,
        timeout: r.timeoutMs ?? 20_000,
        headers: r.auth ? { Authorization: `Basic ${Buffer.from(r.auth).toString('base64')}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - t0 }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

/** A raw TCP connection: resolves once connected; `closed` resolves with the ms from connect to close. */
async function connect(l: Listening, localAddress = '127.0.0.1') {
  const socket = net.connect({ host: '127.0.0.1', port: l.address.port, localAddress });
  socket.on('error', () => undefined); // a reset is one of the outcomes under test; `closed` reports it
  let data = '';
  socket.on('data', (d) => {
    data += String(d);
  });
  await new Promise<void>((r, reject) => {
    socket.once('connect', r);
    socket.once('error', reject);
  });
  const t0 = performance.now();
  const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - t0)));
  return { socket, closed, data: () => data };
}

/** Resolves to the connection's lifetime, or Infinity if it is still open after `ms`. */
const closedWithin = (closed: Promise<number>, ms: number) =>
  Promise.race([closed, sleep(ms).then(() => Number.POSITIVE_INFINITY)]);

const connections = (l: Listening) =>
  new Promise<number>((r, reject) => l.server.getConnections((e, n) => (e ? reject(e) : r(n))));

async function configFile(name: string, yaml: string): Promise<string> {
  const path = join(dir, `${name}.yml`);
  await writeFile(path, yaml);
  return path;
}

describe('basic auth under a flood of wrong passwords', () => {
  test('150 concurrent wrong passwords from 150 clients do not delay a known-good scrape', {
    timeout: 60_000,
  }, async () => {
    // Cost 10, the toolkit's: each wrong password costs a real bcrypt run of tens of milliseconds.
    const hash = await bcrypt.hash('s3cret', 10);
    const throttled: string[] = [];
    const { l } = await start({
      webConfigFile: await configFile('flood', `basic_auth_users:\n  me: ${hash}\n`),
      onAuthThrottled: (r) => throttled.push(r),
    });
    try {
      assert.equal((await get(l, { auth: 'me:s3cret' })).status, 200); // one bcrypt run, then cached
      const flood = Array.from({ length: 150 }, (_, i) =>
        get(l, { auth: `me:guess${i}`, localAddress: `127.0.1.${i + 1}` }).then((r) => ({
          ...r,
          at: Date.now(),
        })),
      );
      // The bcrypt queue is full (it starts refusing) before the legitimate scrapes start.
      await waitFor('the bcrypt queue to fill', () => throttled.length > 0, 20_000, 10);
      const scrapes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await get(l, { auth: 'me:s3cret' });
        assert.equal(r.status, 200);
        scrapes.push(r.ms);
      }
      const scrapedAt = Date.now();
      const results = await Promise.all(flood);
      assert.ok(Math.max(...scrapes) < 1000, `cached scrapes took ${scrapes.map(Math.round)} ms`);
      const statuses = results.map((r) => r.status);
      assert.ok(
        statuses.every((s) => s === 401 || s === 429),
        `flood answered ${[...new Set(statuses)]}`,
      );
      // Refused at once rather than queued without bound...
      assert.ok(statuses.includes(429));
      assert.ok(
        throttled.every((r) => r === 'queue_full'),
        throttled.join(),
      );
      // ...and the queue was still being worked through after the scrapes were served.
      assert.ok(
        results.some((r) => r.status === 401 && r.at > scrapedAt),
        'bcrypt was busy during the scrapes',
      );
    } finally {
      await l.close();
    }
  });

  test('one client: two checks in flight and a failure budget; over them, 429 at once; others unaffected', {
    timeout: 30_000,
  }, async () => {
    const hash = await bcrypt.hash('s3cret', 4);
    const throttled: string[] = [];
    const { l, logs } = await start({
      webConfigFile: await configFile('one-client', `basic_auth_users:\n  me: ${hash}\n`),
      onAuthThrottled: (r) => throttled.push(r),
      authLimits: { perClientFailureBurst: 5, perClientFailureIntervalMs: 60_000 },
      logIntervalMs: 60_000,
    });
    try {
      assert.equal((await get(l, { auth: 'me:s3cret' })).status, 200);
      const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => get(l, { auth: `me:w${i}` })));
      const refused = burst.filter((r) => r.status === 429);
      const denied = burst.filter((r) => r.status === 401);
      assert.ok(
        denied.length >= 2 && denied.length + refused.length === 20,
        burst.map((r) => r.status).join(),
      );
      assert.equal(refused[0]!.headers['retry-after'], '1');
      assert.equal(refused[0]!.body, 'Too Many Requests\n');
      // Spend the rest of the failure budget, one at a time.
      let status = 401;
      for (let i = 0; i < 10 && status === 401; i++) status = (await get(l, { auth: `me:later${i}` })).status;
      assert.equal(status, 429);
      assert.equal(throttled.at(-1), 'client_failures');
      // Still in: its cached password; and another client, which gets its own bcrypt run.
      assert.equal((await get(l, { auth: 'me:s3cret' })).status, 200);
      const other = await get(l, { auth: 'me:wrong', localAddress: '127.0.0.2' });
      assert.equal(other.status, 401);
      assert.equal(other.headers['www-authenticate'], 'Basic');
      assert.equal(logs.filter((x) => x.msg === 'Basic auth throttled').length, 1, 'one line per window');
    } finally {
      await l.close();
    }
  });
});

describe('connections', () => {
  test('beyond maxConnections, and beyond a client share of it, connections are closed at once', {
    timeout: 30_000,
  }, async () => {
    const rejected: string[] = [];
    const { l } = await start({
      maxConnections: 4,
      maxConnectionsPerClient: 2,
      onConnectionRejected: (r) => rejected.push(r),
    });
    try {
      const a1 = await connect(l);
      const a2 = await connect(l);
      await waitFor('two connections', async () => (await connections(l)) === 2);
      const a3 = await connect(l);
      assert.ok((await closedWithin(a3.closed, 1000)) < 1000, 'a third connection from one client is closed');
      assert.equal(a3.data(), '');
      assert.deepEqual(rejected, ['max_connections_per_client']);

      const b = await connect(l, '127.0.0.2');
      const c = await connect(l, '127.0.0.3');
      await waitFor('four connections', async () => (await connections(l)) === 4);
      const d = await connect(l, '127.0.0.4');
      assert.ok((await closedWithin(d.closed, 1000)) < 1000, 'a fifth connection is closed');
      assert.deepEqual(rejected, ['max_connections_per_client', 'max_connections']);
      for (const x of [a1, a2, b, c]) assert.equal(await closedWithin(x.closed, 0), Number.POSITIVE_INFINITY);

      // A freed slot is usable again.
      a1.socket.destroy();
      await waitFor('a free slot', async () => (await connections(l)) === 3);
      assert.equal((await get(l, { localAddress: '127.0.0.5' })).status, 200);
      for (const x of [a2, b, c]) x.socket.destroy();
    } finally {
      await l.close();
    }
  });

  test('slow and idle connections are closed: no headers, headers too slow, idle keep-alive', {
    timeout: 30_000,
  }, async () => {
    const { l } = await start({ headersTimeoutMs: 400, idleTimeoutMs: 800 });
    try {
      const silent = await connect(l);
      // One header line every 100 ms: never finishes the headers in time (slowloris).
      const slow = await connect(l);
      slow.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => slow.socket.writable && slow.socket.write('X-Drip: 1\r\n'), 100);
      const idle = await connect(l);
      idle.socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
      await waitFor('the keep-alive response', () => idle.data().includes('dockersec_up 1'));
      try {
        const silentMs = await closedWithin(silent.closed, 5000);
        const slowMs = await closedWithin(slow.closed, 5000);
        assert.ok(silentMs >= 300 && silentMs < 3000, `silent connection closed after ${silentMs} ms`);
        assert.ok(slowMs >= 300 && slowMs < 3000, `slow headers closed after ${slowMs} ms`);
        assert.match(slow.data(), /^HTTP\/1\.1 408/);
        // Node closes an idle keep-alive connection keepAliveTimeout (+ up to 1 s of its own margin) after the response.
        const idleMs = await closedWithin(idle.closed, 8000);
        assert.ok(idleMs >= 700 && idleMs < 6000, `idle connection closed after ${idleMs} ms`);
      } finally {
        clearInterval(drip);
      }
    } finally {
      await l.close();
    }
  });
});

describe('reload', () => {
  test('an emptied web config does not turn basic auth off: refused, logged, the last good config kept', {
    timeout: 30_000,
  }, async () => {
    const hash = await bcrypt.hash('s3cret', 4);
    const file = await configFile('emptied', `basic_auth_users:\n  me: ${hash}\n`);
    const { l, logs, reloads } = await start({ webConfigFile: file });
    try {
      assert.equal((await get(l)).status, 401);
      for (const [i, content] of ['', '# nothing here\n', 'basic_auth_users: {}\n'].entries()) {
        await writeFile(file, content);
        await waitFor(`reload ${i} refused`, () => reloads.length > i && reloads[i] === false);
        assert.equal((await get(l)).status, 401);
        assert.equal((await get(l, { auth: 'me:s3cret' })).status, 200);
      }
      assert.ok(
        logs.some(
          (x) =>
            x.level === 'error' &&
            /keeping the last good one/.test(x.msg) &&
            /basic_auth_users.*requires a restart/.test(String(x.fields?.err)),
        ),
      );
      // Changing the users is fine.
      const other = await bcrypt.hash('other', 4);
      await writeFile(file, `basic_auth_users:\n  you: ${other}\n`);
      await waitFor('a good reload', () => reloads.at(-1) === true);
      assert.equal((await get(l, { auth: 'me:s3cret' })).status, 401);
      assert.equal((await get(l, { auth: 'you:other' })).status, 200);
    } finally {
      await l.close();
    }
  });
});

describe('security headers', () => {
  test('the landing page without a web config: CSP allowing only its own style sheet, nosniff, DENY, no-referrer', async () => {
    const { l } = await start();
    try {
      const r = await get(l, { path: '/' });
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/html/);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /^default-src 'none'; /);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      // What the page needs is what the policy allows: its one <style>, by hash; no inline style, no script.
      const styles = [...r.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
      assert.equal(styles.length, 1);
      const hash = createHash('sha256').update(styles[0]!).digest('base64');
      assert.ok(csp.includes(`style-src 'sha256-${hash}'`), csp);
      assert.ok(r.body.includes('class="badge badge-fail"'), 'the verdict rows are rendered');
      assert.ok(!/\sstyle=|<script|<img|<link/i.test(r.body), 'nothing the policy would block');
      // Every response carries them, not only HTML.
      for (const path of ['/metrics', '/report', '/nowhere']) {
        const other = await get(l, { path });
        assert.equal(other.headers['x-content-type-options'], 'nosniff', path);
        assert.equal(other.headers['x-frame-options'], 'DENY', path);
      }
    } finally {
      await l.close();
    }
  });

  test("the web config's headers win; X-Frame-Options: sameorigin relaxes frame-ancestors to match", async () => {
    const { l } = await start({ webConfigFile: join(FIXTURES, 'headers.good.yml') });
    try {
      const r = await get(l, { path: '/' });
      assert.equal(r.headers['content-security-policy'], "default-src 'self'");
      assert.equal(r.headers['x-frame-options'], 'deny');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
    } finally {
      await l.close();
    }
    const file = await configFile(
      'sameorigin',
      'http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n',
    );
    const { l: l2 } = await start({ webConfigFile: file });
    try {
      const r = await get(l2, { path: '/' });
      assert.equal(r.headers['x-frame-options'], 'sameorigin');
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'self'/);
    } finally {
      await l2.close();
    }
  });
});

describe('failed TLS handshakes', () => {
  test('are counted by reason, and logged at most once per window with a count of the others', {
    timeout: 30_000,
  }, async () => {
    const indent = (s: string) => s.trimEnd().replace(/^/gm, '    ');
    const file = await configFile(
      'tls',
      `tls_server_config:\n  cert: |\n${indent(tlsPem.cert)}\n  key: |\n${indent(tlsPem.key)}\n`,
    );
    const windowMs = 1500;
    const reasons: string[] = [];
    const { l, logs } = await start({
      webConfigFile: file,
      logIntervalMs: windowMs,
      onTlsHandshakeFailure: (r) => reasons.push(r),
    });
    const failedLines = () => logs.filter((x) => x.msg === 'TLS handshake failed');
    try {
      const t0 = Date.now();
      const plain = Array.from({ length: 10 }, () =>
        get(l).then(
          () => assert.fail('plain HTTP was answered on the TLS port'),
          () => undefined,
        ),
      );
      const oldTls = Array.from(
        { length: 3 },
        () =>
          new Promise<boolean>((resolve) => {
            const s = tls.connect({
              host: '127.0.0.1',
              port: l.address.port,
              ca: tlsPem.cert,
              servername: 'localhost',
              minVersion: 'TLSv1',
              maxVersion: 'TLSv1.1',
            });
            s.on('error', () => resolve(false));
            s.on('secureConnect', () => {
              s.destroy();
              resolve(true);
            });
          }),
      );
      await Promise.all(plain);
      assert.deepEqual(await Promise.all(oldTls), [false, false, false], 'TLS 1.1 handshakes fail');
      await waitFor('13 failures counted', () => reasons.length === 13, 5000, 10);
      assert.equal(reasons.filter((r) => r === 'not_tls').length, 10, reasons.join());
      assert.equal(reasons.filter((r) => r === 'protocol_version').length, 3, reasons.join());
      const sent = Date.now() - t0;
      if (sent < windowMs) assert.equal(failedLines().length, 1, 'one line in the first window');
      await waitFor('the summary line', () => failedLines().length === 2, windowMs + 3000, 20);
      const [first, summary] = failedLines();
      assert.ok(summary!.at - first!.at >= windowMs - 50, `${summary!.at - first!.at} ms apart`);
      assert.equal(summary!.fields?.suppressed, 12);
      assert.match(String(summary!.fields?.reasons), /not_tls=\d+/);
      // Quiet afterwards: nothing more to say.
      await sleep(windowMs + 300);
      assert.equal(failedLines().length, 2);
      // And the server still serves TLS.
      const ok = await new Promise<string>((resolve, reject) => {
        const s = tls.connect(
          { host: '127.0.0.1', port: l.address.port, ca: tlsPem.cert, servername: 'localhost' },
          () => {
            resolve(String(s.getProtocol()));
            s.destroy();
          },
        );
        s.on('error', reject);
      });
      assert.equal(ok, 'TLSv1.3');
    } finally {
      await l.close();
    }
  });
});
