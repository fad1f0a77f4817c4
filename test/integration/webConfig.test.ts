// listen() against real sockets, real certificates from openssl, and promtool as the reference
// implementation of the exporter-toolkit format.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { checkWebConfig, type Listening, type ListenOptions, listen } from '../../src/web/index.js';
import { type CertFiles, selfSignedCert, signedCert } from '../support/certs.js';

const run = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('../fixtures/web-config/', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../docs/web-config.example.yml', import.meta.url));
// exporter-toolkit web/testdata/web_config_users_noTLS.good.yml, password alice123.
const ALICE_HASH = '$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby';

let dir: string;
const pem: Record<string, string> = {};

const cert = (name: string, subject: string, ext: string, ca: CertFiles) =>
  signedCert(dir, name, { subject, ext, ca, days: 1, keyType: 'ec' });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dockersec-webconfig-'));
  const ca = await selfSignedCert(dir, 'ca', {
    subject: '/CN=dockersec test CA',
    days: 1,
    keyType: 'ec',
    ext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'],
  });
  const server = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth';
  await Promise.all([
    cert('server', '/CN=localhost', server, ca),
    cert('server2', '/CN=localhost rotated', server, ca),
    cert('client', '/CN=prometheus', 'subjectAltName=DNS:client.example\nextendedKeyUsage=clientAuth', ca),
    // Same SAN as the good client, but not issued by the CA.
    selfSignedCert(dir, 'rogue', {
      subject: '/CN=prometheus',
      days: 1,
      keyType: 'ec',
      ext: ['subjectAltName=DNS:client.example', 'extendedKeyUsage=clientAuth'],
    }),
  ]);
  for (const n of ['ca', 'server', 'server2', 'client', 'rogue']) {
    pem[`${n}.crt`] = await readFile(join(dir, `${n}.crt`), 'utf8');
    pem[`${n}.key`] = await readFile(join(dir, `${n}.key`), 'utf8');
  }
});

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const fingerprint = (certPem: string) => new X509Certificate(certPem).fingerprint256;

const app: http.RequestListener = (_req, res) => {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('dockersec_up 1\n');
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  peer?: string;
  protocol?: string | null;
  cipher?: string;
}

interface Req {
  tls?: boolean;
  host?: string;
  auth?: string;
  client?: 'client' | 'rogue';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

function get(l: Listening, r: Req = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      host: r.host ?? '127.0.0.1',
      port: l.address.port,
      path: '/metrics',
      agent: false,
      timeout: 5000,
      headers:
        r.auth === undefined ? {} : { Authorization: `Basic ${Buffer.from(r.auth).toString('base64')}` },
    };
    if (r.tls) {
      Object.assign(options, { ca: pem['ca.crt'], servername: 'localhost' });
      if (r.maxVersion) options.maxVersion = r.maxVersion;
      if (r.client) Object.assign(options, { cert: pem[`${r.client}.crt`], key: pem[`${r.client}.key`] });
    }
    const req = (r.tls ? https : http).request(options, (res) => {
      const socket = res.socket as TLSSocket;
      const tlsInfo = r.tls
        ? {
            peer: socket.getPeerCertificate().fingerprint256,
            protocol: socket.getProtocol(),
            cipher: socket.getCipher().name,
          }
        : {};
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ...tlsInfo }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

/** Starts listen() with a capturing logger and a record of reload outcomes; the caller closes it. */
async function start(opts: Partial<ListenOptions> = {}) {
  const logs: LogLine[] = [];
  const reloads: boolean[] = [];
  const logger = {
    debug: (msg: string, fields?: Record<string, unknown>) => logs.push({ level: 'debug', msg, fields }),
    info: (msg: string, fields?: Record<string, unknown>) => logs.push({ level: 'info', msg, fields }),
    warn: (msg: string, fields?: Record<string, unknown>) => logs.push({ level: 'warn', msg, fields }),
    error: (msg: string, fields?: Record<string, unknown>) => logs.push({ level: 'error', msg, fields }),
  };
  const l = await listen(app, {
    listenAddress: '127.0.0.1:0',
    logger,
    onReload: (ok) => reloads.push(ok),
    // Every refusal logged, so that each one's reason can be checked (webHardening.test.ts tests the limit).
    logIntervalMs: 0,
    ...opts,
  });
  return { l, logs, reloads };
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The request fails, and the server says why (its handshake error or our post-handshake check). */
async function refused(l: Listening, logs: LogLine[], r: Req, reason: RegExp): Promise<void> {
  const from = logs.length;
  await assert.rejects(get(l, r));
  const said = () =>
    logs
      .slice(from)
      .some(
        (x) =>
          /^TLS (handshake failed|client rejected)$/.test(x.msg) && reason.test(JSON.stringify(x.fields)),
      );
  await waitFor(`a server log matching ${reason} for ${JSON.stringify(r)}`, said, 1000);
}

/** Writes a web config into its own directory (with copies of the certificates) and returns its path. */
async function configDir(name: string, yaml: string, files: string[] = []): Promise<string> {
  const d = join(dir, name);
  await mkdir(d, { recursive: true });
  for (const f of files) await copyFile(join(dir, f), join(d, f));
  const path = join(d, 'web-config.yml');
  await writeFile(path, yaml);
  return path;
}

const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) =>
  (list ?? []).some((i) => i.family === 'IPv6' && i.address === '::1'),
);

describe('listen without a web config', () => {
  test('plain HTTP on 127.0.0.1:0', async () => {
    const { l, logs } = await start();
    try {
      assert.equal(l.address.host, '127.0.0.1');
      assert.ok(l.address.port > 0);
      const r = await get(l);
      assert.equal(r.status, 200);
      assert.equal(r.body, 'dockersec_up 1\n');
      assert.ok(logs.some((x) => x.msg === 'TLS is disabled.'));
    } finally {
      await l.close();
    }
    await assert.rejects(get(l), /ECONNREFUSED/);
  });

  test(':0 listens on all interfaces', async () => {
    const { l } = await start({ listenAddress: ':0' });
    try {
      assert.ok(['::', '0.0.0.0'].includes(l.address.host), l.address.host);
      assert.equal((await get(l)).status, 200);
    } finally {
      await l.close();
    }
  });

  test('[::1]:0 listens on the IPv6 loopback', { skip: !hasIpv6Loopback && 'no ::1 here' }, async () => {
    const { l } = await start({ listenAddress: '[::1]:0' });
    try {
      assert.equal(l.address.host, '::1');
      assert.equal((await get(l, { host: '::1' })).status, 200);
    } finally {
      await l.close();
    }
  });

  test('a port in use is an error', async () => {
    const { l } = await start();
    try {
      await assert.rejects(start({ listenAddress: `127.0.0.1:${l.address.port}` }), /EADDRINUSE/);
    } finally {
      await l.close();
    }
  });

  test('an invalid web config refuses to start', async () => {
    await assert.rejects(
      start({ webConfigFile: join(FIXTURES, 'header-not-allowed.bad.yml') }),
      /X-Powered-By.*can not be configured/,
    );
  });
});

describe('TLS', () => {
  test('tls.good.yml: HTTPS with the configured certificate, TLS 1.3 and the TLS 1.2 cipher list', async () => {
    const file = await configDir('tls', await readFile(join(FIXTURES, 'tls.good.yml'), 'utf8'), [
      'server.crt',
      'server.key',
    ]);
    const { l, logs } = await start({ webConfigFile: file });
    try {
      const r = await get(l, { tls: true });
      assert.equal(r.status, 200);
      assert.equal(r.peer, fingerprint(pem['server.crt']!));
      assert.equal(r.protocol, 'TLSv1.3');
      const r12 = await get(l, { tls: true, maxVersion: 'TLSv1.2' });
      assert.equal(r12.protocol, 'TLSv1.2');
      // Node's client prefers AES-GCM; the server's cipher_suites order (CHACHA20 first) wins.
      assert.equal(r12.cipher, 'ECDHE-ECDSA-CHACHA20-POLY1305');
      await assert.rejects(get(l), /socket hang up|ECONNRESET|HPE_/); // plain HTTP on the TLS port
      assert.ok(logs.some((x) => x.msg === 'TLS is enabled.'));
      assert.ok(logs.some((x) => /HTTP\/2 is not provided/.test(x.msg)));
    } finally {
      await l.close();
    }
    // prefer_server_cipher_suites: false hands the choice to the client.
    const clientOrder = await configDir(
      'tls-client-order',
      (await readFile(file, 'utf8')).replace(
        'prefer_server_cipher_suites: true',
        'prefer_server_cipher_suites: false',
      ),
      ['server.crt', 'server.key'],
    );
    const { l: l2 } = await start({ webConfigFile: clientOrder });
    try {
      assert.equal(
        (await get(l2, { tls: true, maxVersion: 'TLSv1.2' })).cipher,
        'ECDHE-ECDSA-AES128-GCM-SHA256',
      );
    } finally {
      await l2.close();
    }
  });

  test('inline cert and key (toolkit >= v0.11)', async () => {
    const indent = (s: string) => s.trimEnd().replace(/^/gm, '    ');
    const yaml = `tls_server_config:\n  cert: |\n${indent(pem['server.crt']!)}\n  key: |\n${indent(pem['server.key']!)}\n`;
    const { l } = await start({ webConfigFile: await configDir('inline', yaml) });
    try {
      const r = await get(l, { tls: true });
      assert.equal(r.status, 200);
      assert.equal(r.peer, fingerprint(pem['server.crt']!));
    } finally {
      await l.close();
    }
  });

  const certs = ['server.crt', 'server.key', 'ca.crt'];

  test('RequireAndVerifyClientCert: no certificate and a foreign one are refused, the CA-issued one is served', async () => {
    const file = await configDir('mtls', await readFile(join(FIXTURES, 'mtls.good.yml'), 'utf8'), certs);
    const { l, logs } = await start({ webConfigFile: file });
    try {
      await refused(l, logs, { tls: true }, /peer did not return a certificate/);
      await refused(
        l,
        logs,
        { tls: true, client: 'rogue' },
        /client certificate rejected: DEPTH_ZERO_SELF_SIGNED_CERT/,
      );
      assert.equal((await get(l, { tls: true, client: 'client' })).status, 200);
      assert.equal((await get(l, { tls: true, client: 'client', maxVersion: 'TLSv1.2' })).status, 200);
      await refused(l, logs, { tls: true, maxVersion: 'TLSv1.2' }, /peer did not return a certificate/);
    } finally {
      await l.close();
    }
  });

  test('VerifyClientCertIfGiven: no certificate is fine, a foreign one is refused', async () => {
    const yaml =
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n';
    const { l, logs } = await start({ webConfigFile: await configDir('verify-if-given', yaml, certs) });
    try {
      assert.equal((await get(l, { tls: true })).status, 200);
      assert.equal((await get(l, { tls: true, client: 'client' })).status, 200);
      await refused(l, logs, { tls: true, client: 'rogue' }, /client certificate rejected: .*SELF_SIGNED/);
    } finally {
      await l.close();
    }
  });

  test('RequireAnyClientCert (alias RequireClientCert): any certificate, but one is needed', async () => {
    const file = await configDir(
      'require-any',
      await readFile(join(FIXTURES, 'require-client-cert-alias.good.yml'), 'utf8'),
      certs,
    );
    const { l, logs } = await start({ webConfigFile: file });
    try {
      await refused(l, logs, { tls: true }, /client did not present a certificate/);
      assert.equal((await get(l, { tls: true, client: 'rogue' })).status, 200);
    } finally {
      await l.close();
    }
  });

  test('client_allowed_sans (toolkit >= v0.10)', async () => {
    const good = await readFile(join(FIXTURES, 'client-allowed-sans.newer.good.yml'), 'utf8');
    const { l } = await start({ webConfigFile: await configDir('sans-ok', good, certs) });
    try {
      assert.equal((await get(l, { tls: true, client: 'client' })).status, 200);
    } finally {
      await l.close();
    }
    const other = good.replace('[client.example, 127.0.0.1]', '[other.example]');
    const { l: l2, logs } = await start({ webConfigFile: await configDir('sans-other', other, certs) });
    try {
      await refused(l2, logs, { tls: true, client: 'client' }, /could not find allowed SANs/);
    } finally {
      await l2.close();
    }
  });
});

describe('basic auth, headers, rate limit', () => {
  test('401 with WWW-Authenticate: Basic unless the bcrypt hash matches; toolkit vectors', async () => {
    const meHash = await bcrypt.hash('s3cret', 4);
    const headers = await readFile(join(FIXTURES, 'headers.good.yml'), 'utf8');
    const yaml = `${headers}basic_auth_users:\n  alice: ${ALICE_HASH}\n  me: ${meHash}\n`;
    const { l } = await start({ webConfigFile: await configDir('auth', yaml) });
    try {
      const none = await get(l);
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Basic');
      assert.equal(none.body, 'Unauthorized\n');
      // Configured headers are on refusals too, as in the toolkit.
      assert.equal(none.headers['x-frame-options'], 'deny');

      const ok = await get(l, { auth: 'me:s3cret' });
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'dockersec_up 1\n');
      assert.equal(ok.headers['x-frame-options'], 'deny');
      assert.equal(ok.headers['x-content-type-options'], 'nosniff');
      assert.equal(ok.headers['x-xss-protection'], '1');
      assert.equal(ok.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
      assert.equal(ok.headers['content-security-policy'], "default-src 'self'");

      assert.equal((await get(l, { auth: 'me:wrong' })).status, 401);
      assert.equal((await get(l, { auth: 'me' })).status, 401); // no colon: not basic auth
      assert.equal((await get(l, { auth: 'alice:alice123' })).status, 200);
      assert.equal((await get(l, { auth: 'alice:alice123' })).status, 200); // cached
      assert.equal((await get(l, { auth: 'alice:alice1234' })).status, 401);
      // Unknown users are checked against the fake hash of "fakepassword" and must still fail (cold, then cached).
      assert.equal((await get(l, { auth: 'fakeuser:fakepassword' })).status, 401);
      assert.equal((await get(l, { auth: 'fakeuser:fakepassword' })).status, 401);
      // CVE-2022-46146: a poisoned cache entry must not let a wrong password in.
      assert.equal((await get(l, { auth: `alice${ALICE_HASH}:fakepassword` })).status, 401);
      assert.equal(
        (
          await get(l, {
            auth: 'alice:$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSifakepassword',
          })
        ).status,
        401,
      );
      // Concurrent checks are serialised but all answered.
      const many = await Promise.all(
        Array.from({ length: 6 }, (_, i) => get(l, { auth: i % 2 ? 'me:s3cret' : 'me:nope' })),
      );
      assert.deepEqual(
        many.map((r) => r.status),
        [401, 200, 401, 200, 401, 200],
      );
    } finally {
      await l.close();
    }
  });

  test('rate_limit: burst requests pass, the next one gets 429', async () => {
    const { l } = await start({
      webConfigFile: await configDir('rate', 'rate_limit:\n  interval: 1h\n  burst: 2\n'),
    });
    try {
      assert.equal((await get(l)).status, 200);
      assert.equal((await get(l)).status, 200);
      const r = await get(l);
      assert.equal(r.status, 429);
      assert.equal(r.body, 'Too Many Requests\n');
    } finally {
      await l.close();
    }
  });

  test('the shipped docs/web-config.example.yml serves HTTPS with auth and headers', async () => {
    const file = await configDir('example', await readFile(EXAMPLE, 'utf8'), ['server.crt', 'server.key']);
    const { l } = await start({ webConfigFile: file });
    try {
      const r = await get(l, { tls: true });
      assert.equal(r.status, 401);
      assert.equal(r.headers['x-frame-options'], 'deny');
    } finally {
      await l.close();
    }
  });
});

describe('hot reload', () => {
  test('rotated certificate files are served to new connections; a broken rotation keeps the last good one', async () => {
    const file = await configDir(
      'rotate',
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n',
      ['server.crt', 'server.key'],
    );
    const d = join(dir, 'rotate');
    const { l, reloads, logs } = await start({ webConfigFile: file });
    try {
      assert.equal((await get(l, { tls: true })).peer, fingerprint(pem['server.crt']!));

      // Atomic replacement (write elsewhere, rename over), the way cert-manager & co. do it.
      await writeFile(join(d, 'new.key'), pem['server2.key']!);
      await writeFile(join(d, 'new.crt'), pem['server2.crt']!);
      await rename(join(d, 'new.key'), join(d, 'server.key'));
      await rename(join(d, 'new.crt'), join(d, 'server.crt'));
      await waitFor(
        'the rotated certificate',
        async () => (await get(l, { tls: true })).peer === fingerprint(pem['server2.crt']!),
      );

      // A certificate that does not match the key: the reload fails, the previous pair stays.
      const before = reloads.length;
      await writeFile(join(d, 'server.crt'), pem['server.crt']!);
      await waitFor('a failed reload', () => reloads.length > before && reloads.at(-1) === false);
      assert.ok(logs.some((x) => x.level === 'error' && /X509KeyPair/.test(String(x.fields?.err))));
      const still = await get(l, { tls: true });
      assert.equal(still.status, 200);
      assert.equal(still.peer, fingerprint(pem['server2.crt']!));

      // Rewriting in place works too.
      await writeFile(join(d, 'server.key'), pem['server.key']!);
      await waitFor(
        'the original certificate back',
        async () => (await get(l, { tls: true })).peer === fingerprint(pem['server.crt']!),
      );
      assert.equal(reloads.at(-1), true);

      // The config moves to other files: those are served, and watched from then on.
      await writeFile(join(d, 'other.crt'), pem['server2.crt']!);
      await writeFile(join(d, 'other.key'), pem['server2.key']!);
      await writeFile(file, 'tls_server_config:\n  cert_file: other.crt\n  key_file: other.key\n');
      await waitFor(
        'the newly named files',
        async () => (await get(l, { tls: true })).peer === fingerprint(pem['server2.crt']!),
      );
      await writeFile(join(d, 'other.key'), pem['server.key']!);
      await writeFile(join(d, 'other.crt'), pem['server.crt']!);
      await waitFor(
        'a rotation of the newly named files',
        async () => (await get(l, { tls: true })).peer === fingerprint(pem['server.crt']!),
      );
    } finally {
      await l.close();
    }
  });

  test('config edits apply; an invalid edit is logged and the last good config stays', async () => {
    const meHash = await bcrypt.hash('s3cret', 4);
    const file = await configDir('edit', `basic_auth_users:\n  me: ${meHash}\n`);
    const { l, reloads, logs } = await start({ webConfigFile: file });
    try {
      assert.equal((await get(l)).status, 401);

      await writeFile(file, `basic_auth_user:\n  me: ${meHash}\n`);
      await waitFor('a failed reload', () => reloads.includes(false));
      assert.ok(
        logs.some((x) => x.level === 'error' && /basic_auth_user not found/.test(String(x.fields?.err))),
      );
      assert.equal((await get(l)).status, 401);
      assert.equal((await get(l, { auth: 'me:s3cret' })).status, 200);

      // TLS cannot be switched on under a running plain server.
      const n = reloads.length;
      await copyFile(join(dir, 'server.crt'), join(dir, 'edit', 'server.crt'));
      await copyFile(join(dir, 'server.key'), join(dir, 'edit', 'server.key'));
      await writeFile(file, 'tls_server_config: {cert_file: server.crt, key_file: server.key}\n');
      await waitFor('the TLS switch to be refused', () => reloads.length > n && reloads.at(-1) === false);
      assert.ok(logs.some((x) => /requires a restart/.test(String(x.fields?.err))));
      assert.equal((await get(l)).status, 401);

      // Nor can basic auth be switched off (webHardening.test.ts: an emptied file).
      const m = reloads.length;
      await writeFile(file, 'http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\n');
      await waitFor('the auth removal to be refused', () => reloads.length > m && reloads.at(-1) === false);
      assert.ok(logs.some((x) => /basic_auth_users.*requires a restart/.test(String(x.fields?.err))));
      assert.equal((await get(l)).status, 401);

      await writeFile(
        file,
        `http_server_config:\n  headers:\n    X-Frame-Options: sameorigin\nbasic_auth_users:\n  me: ${meHash}\n`,
      );
      await waitFor('a good reload', () => reloads.at(-1) === true);
      assert.equal((await get(l)).status, 401);
      const r = await get(l, { auth: 'me:s3cret' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-frame-options'], 'sameorigin');
      assert.equal(await l.reload(), true);
    } finally {
      await l.close();
    }
  });
});

describe('compatibility with promtool check web-config (exporter-toolkit v0.8 in promtool 2.42)', () => {
  test('every fixture and the docs example: same verdict as promtool', async () => {
    const d = join(dir, 'promtool');
    await mkdir(d);
    for (const f of ['server.crt', 'server.key', 'ca.crt', 'ca.key'])
      await copyFile(join(dir, f), join(d, f));
    const names = (await readdir(FIXTURES)).filter((f) => f.endsWith('.yml'));
    for (const f of names) await copyFile(join(FIXTURES, f), join(d, f));
    await copyFile(EXAMPLE, join(d, 'web-config.example.good.yml'));
    names.push('web-config.example.good.yml');

    const promtool = async (f: string) => {
      try {
        await run('promtool', ['check', 'web-config', f], { cwd: d });
        return { ok: true, out: '' };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    };
    const ours = async (f: string) =>
      checkWebConfig(join(d, f)).then(
        () => ({ ok: true, out: '' }),
        (err: Error) => ({ ok: false, out: err.message }),
      );
    const verdicts = await Promise.all(
      names.map(async (f) => ({ f, p: await promtool(f), o: await ours(f) })),
    );
    assert.ok(verdicts.filter((v) => v.f.endsWith('.bad.yml')).length >= 15);
    for (const { f, p, o } of verdicts) {
      if (f.endsWith('.newer.good.yml')) {
        assert.ok(o.ok, `${f}: we reject it: ${o.out}`);
        // promtool's toolkit predates the feature; make sure that is the only reason it refuses.
        const field = (await readFile(join(d, f), 'utf8')).match(/^# (\w+):/)![1];
        assert.ok(!p.ok, `${f}: promtool 2.42 was expected not to know ${field}`);
        assert.match(p.out, new RegExp(`field ${field} not found`), f);
      } else if (f.endsWith('.good.yml')) {
        assert.ok(p.ok, `${f}: promtool rejects it: ${p.out}`);
        assert.ok(o.ok, `${f}: we reject it: ${o.out}`);
      } else {
        assert.ok(f.endsWith('.bad.yml'), f);
        assert.ok(!p.ok, `${f}: promtool accepts it`);
        assert.ok(!o.ok, `${f}: we accept it`);
      }
    }
  });
});
