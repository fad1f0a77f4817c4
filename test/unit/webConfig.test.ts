import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getCiphers } from 'node:tls';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import {
  BasicAuthVerifier,
  CIPHER_SUITES,
  checkWebConfig,
  clientKey,
  FAKE_BCRYPT_HASH,
  loadWebConfig,
  parseGoDuration,
  parseListenAddress,
  tlsFailureReason,
  WebConfigError,
} from '../../src/web/index.js';
import { parseWebConfig } from '../../src/web/webConfigParser.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/web-config/', import.meta.url));
const ALICE = '$2y$12$1DpfPeqF9HzHJt.EWswy1exHluGfbhnn3yXhR7Xes6m3WJqFg0Wby';

function parseError(yaml: string): WebConfigError {
  try {
    parseWebConfig(yaml, '/etc/dockersec');
  } catch (err) {
    assert.ok(err instanceof WebConfigError, `expected WebConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected this config to be rejected:\n${yaml}`);
}

describe('parseWebConfig: valid files', () => {
  test('an empty file means plain HTTP, no auth, toolkit defaults', () => {
    const c = parseWebConfig('', '/etc/dockersec');
    assert.equal(c.tls, undefined);
    assert.deepEqual(c.http, { http2: true, headers: {} });
    assert.equal(c.basicAuthUsers.size, 0);
    assert.equal(c.rateLimit, undefined);
    assert.deepEqual(c.warnings, []);
  });

  test('every field, with relative paths resolved against the config directory', () => {
    const c = parseWebConfig(
      `
tls_server_config:
  cert_file: certs/server.crt
  key_file: /abs/server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans: [prometheus.example]
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
  prefer_server_cipher_suites: no
  curve_preferences: [X25519]
http_server_config:
  http2: off
  headers:
    X-Frame-Options: sameorigin
    X-XSS-Protection: 1
    Content-Security-Policy: "default-src 'none'"
basic_auth_users:
  alice: ${ALICE}
rate_limit:
  interval: 1m30s
  burst: 3
`,
      '/etc/dockersec',
    );
    assert.deepEqual(c.tls, {
      cert: { kind: 'file', path: '/etc/dockersec/certs/server.crt' },
      key: { kind: 'file', path: '/abs/server.key' },
      clientCa: { kind: 'file', path: '/etc/dockersec/ca.crt' },
      clientAuthType: 'RequireAndVerifyClientCert',
      clientAllowedSans: ['prometheus.example'],
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      preferServerCipherSuites: false,
      curvePreferences: ['X25519'],
    });
    // go-yaml v2 reads YAML 1.1 booleans and keeps scalars' text for string fields.
    assert.deepEqual(c.http, {
      http2: false,
      headers: {
        'X-Frame-Options': 'sameorigin',
        'X-XSS-Protection': '1',
        'Content-Security-Policy': "default-src 'none'",
      },
    });
    assert.deepEqual([...c.basicAuthUsers], [['alice', ALICE]]);
    assert.deepEqual(c.rateLimit, { intervalMs: 90_000, burst: 3 });
  });

  test('TLS defaults: TLS12..TLS13, server cipher order, NoClientCert', () => {
    const c = parseWebConfig('tls_server_config: {cert_file: a.crt, key_file: a.key}', '/d');
    assert.equal(c.tls?.minVersion, 'TLSv1.2');
    assert.equal(c.tls?.maxVersion, 'TLSv1.3');
    assert.equal(c.tls?.preferServerCipherSuites, true);
    assert.equal(c.tls?.clientAuthType, 'NoClientCert');
  });

  test('inline cert, key and client CA (toolkit >= v0.11)', () => {
    const c = parseWebConfig(
      'tls_server_config:\n  cert: |\n    CERT\n  key: |\n    KEY\n  client_ca: CA\n  client_auth_type: VerifyClientCertIfGiven\n',
      '/d',
    );
    assert.deepEqual(c.tls?.cert, { kind: 'inline', pem: 'CERT\n' });
    assert.deepEqual(c.tls?.key, { kind: 'inline', pem: 'KEY\n' });
    assert.deepEqual(c.tls?.clientCa, { kind: 'inline', pem: 'CA' });
  });

  test('cert_file wins over cert, as in the toolkit, with a warning', () => {
    const c = parseWebConfig('tls_server_config: {cert_file: a.crt, cert: CERT, key_file: a.key}', '/d');
    assert.deepEqual(c.tls?.cert, { kind: 'file', path: '/d/a.crt' });
    assert.match(c.warnings.join('\n'), /both cert_file and cert/);
  });

  test('RequireClientCert is the legacy alias of RequireAnyClientCert', () => {
    const c = parseWebConfig(
      'tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireClientCert}',
      '/d',
    );
    assert.equal(c.tls?.clientAuthType, 'RequireAnyClientCert');
  });

  test('tls_server_config without certificate fields leaves TLS off (IsEnabled), with a warning', () => {
    const c = parseWebConfig('tls_server_config:\n  min_version: TLS13\n', '/d');
    assert.equal(c.tls, undefined);
    assert.match(c.warnings.join('\n'), /plain HTTP/);
  });

  test('rate_limit interval 0 disables the limiter; burst 0 is kept but warned about', () => {
    assert.equal(parseWebConfig('rate_limit: {interval: 0, burst: 5}', '/d').rateLimit, undefined);
    const c = parseWebConfig('rate_limit: {interval: 1s}', '/d');
    assert.deepEqual(c.rateLimit, { intervalMs: 1000, burst: 0 });
    assert.match(c.warnings.join('\n'), /burst is 0/);
  });

  test('every *.good.yml fixture parses', () => {
    const good = readdirSync(FIXTURES).filter((f) => f.endsWith('.good.yml'));
    assert.ok(good.length >= 8);
    for (const f of good) parseWebConfig(readFileSync(join(FIXTURES, f), 'utf8'), FIXTURES);
  });
});

describe('parseWebConfig: invalid files', () => {
  test('an unknown key is an error naming the key and its line', () => {
    const err = parseError('http_server_config:\n  headers: {}\nbasic_auth_user:\n  alice: x\n');
    assert.match(err.message, /^line 3: basic_auth_user: field basic_auth_user not found/);
    assert.match(
      parseError('tls_server_config:\n  cert_file: a\n  certfile: b\n').message,
      /line 3: .*certfile not found/,
    );
    assert.match(parseError('http_server_config: {http3: true}').message, /http3 not found/);
    assert.match(parseError('rate_limit: {interval: 1s, bucket: 3}').message, /bucket not found/);
  });

  test('headers outside the five allowed ones, and bad enum values', () => {
    assert.match(
      parseError('http_server_config:\n  headers:\n    X-Powered-By: x\n').message,
      /HTTP header "X-Powered-By" can not be configured/,
    );
    // Header names are matched exactly, as in Go's map lookup.
    assert.match(
      parseError('http_server_config: {headers: {x-frame-options: deny}}').message,
      /can not be configured/,
    );
    assert.match(
      parseError('http_server_config: {headers: {X-Frame-Options: DENY}}').message,
      /invalid value for X-Frame-Options. Expected one of: "deny" "sameorigin", but got: "DENY"/,
    );
    assert.match(
      parseError('http_server_config: {headers: {X-Content-Type-Options: ""}}').message,
      /nosniff/,
    );
  });

  test('enum fields: client_auth_type, TLS versions, curves, cipher suites', () => {
    const tls = (extra: string) => `tls_server_config: {cert_file: a, key_file: b, ${extra}}`;
    assert.match(
      parseError(tls('client_auth_type: VerifyClientCert')).message,
      /invalid ClientAuth: VerifyClientCert/,
    );
    assert.match(parseError(tls('min_version: TLS1.2')).message, /unknown TLS version: TLS1.2/);
    assert.match(parseError(tls('max_version: TLS14')).message, /unknown TLS version: TLS14/);
    assert.match(parseError(tls('curve_preferences: [P-256]')).message, /unknown curve: P-256/);
    assert.match(parseError(tls('cipher_suites: [ECDHE-RSA-AES128-GCM-SHA256]')).message, /unknown cipher/);
    assert.match(parseError(tls('cipher_suites: [TLS_RSA_WITH_3DES_EDE_CBC_SHA]')).message, /unknown cipher/);
    assert.match(parseError(tls('min_version: TLS13, max_version: TLS12')).message, /min_version is greater/);
    assert.match(parseError(tls('prefer_server_cipher_suites: "true"')).message, /expected true or false/);
  });

  test('basic_auth_users values must be bcrypt hashes', () => {
    assert.match(parseError('basic_auth_users: {alice: alice123}').message, /hashedSecret too short/);
    assert.match(parseError('basic_auth_users: {alice: }').message, /hashedSecret too short/);
    assert.match(
      parseError(`basic_auth_users: {alice: "x${ALICE.slice(1)}"}`).message,
      /must start with '\$'/,
    );
    assert.match(
      parseError(`basic_auth_users: {alice: "${ALICE.replace('$12$', '$03$')}"}`).message,
      /cost 3/,
    );
    assert.match(parseError(`basic_auth_users: {alice: "${ALICE}!"}`).message, /not a bcrypt hash/);
    assert.match(parseError('basic_auth_users: [alice]').message, /expected a mapping/);
  });

  test('TLS enabled without a certificate or key', () => {
    assert.match(
      parseError('tls_server_config: {key_file: server.key}').message,
      /missing one of cert or cert_file/,
    );
    assert.match(
      parseError('tls_server_config: {cert_file: server.crt}').message,
      /missing one of key or key_file/,
    );
    // client_auth_type alone switches TLS on (IsEnabled), so the certificate is then missing.
    assert.match(
      parseError('tls_server_config: {client_auth_type: RequireAndVerifyClientCert}').message,
      /missing one of cert/,
    );
  });

  test('client CA or allowed SANs without a client auth type that uses them', () => {
    assert.match(
      parseError('tls_server_config: {cert_file: a, key_file: b, client_ca_file: ca.crt}').message,
      /client CA's have been configured without a Client Auth Policy/,
    );
    assert.match(
      parseError(
        'tls_server_config: {cert_file: a, key_file: b, client_auth_type: VerifyClientCertIfGiven, client_allowed_sans: [x]}',
      ).message,
      /client_allowed_sans requires/,
    );
  });

  test('YAML errors: syntax, duplicate keys, wrong types, bad durations', () => {
    assert.match(parseError('basic_auth_users: [\n').message, /invalid YAML/);
    assert.match(parseError(`basic_auth_users:\n  a: ${ALICE}\n  a: ${ALICE}\n`).message, /unique/);
    assert.match(parseError('- tls_server_config').message, /expected a mapping/);
    assert.match(parseError('rate_limit: {interval: 5, burst: 1}').message, /invalid duration/);
    assert.match(parseError('rate_limit: {interval: 1s, burst: 1.5}').message, /expected an integer/);
    assert.match(parseError('rate_limit: {interval: 1s, burst: -1}').message, /negative/);
  });

  const expected: Record<string, RegExp> = {
    'unknown-key.bad.yml': /basic_auth_user not found/,
    'unknown-tls-key.bad.yml': /certificate_file not found/,
    'header-not-allowed.bad.yml': /X-Powered-By/,
    'header-frame-options.bad.yml': /X-Frame-Options/,
    'header-content-type-options.bad.yml': /X-Content-Type-Options/,
    'client-auth-type.bad.yml': /invalid ClientAuth/,
    'tls-version.bad.yml': /unknown TLS version/,
    'curve.bad.yml': /unknown curve/,
    'cipher-insecure.bad.yml': /unknown cipher: TLS_RSA_WITH_RC4_128_SHA/,
    'user-not-bcrypt.bad.yml': /hashedSecret too short/,
    'missing-cert.bad.yml': /missing one of cert or cert_file/,
    'missing-key.bad.yml': /missing one of key or key_file/,
    'ca-without-client-auth.bad.yml': /without a Client Auth Policy/,
    'duplicate-key.bad.yml': /unique/,
    'wrong-type.bad.yml': /expected a mapping/,
  };
  // These two parse; their problem is in the files they name (see the integration test).
  const needFiles = new Set(['cert-file-missing.bad.yml', 'key-mismatch.bad.yml']);

  test('every *.bad.yml fixture is rejected for its stated reason', () => {
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.bad.yml'))) {
      if (needFiles.has(f)) continue;
      assert.ok(expected[f], `no expectation for fixture ${f}`);
      const err = parseError(readFileSync(join(FIXTURES, f), 'utf8'));
      assert.match(err.message, expected[f], f);
    }
  });
});

describe('loadWebConfig / checkWebConfig', () => {
  test('paths resolve against the file directory; errors name the file', async () => {
    const c = await loadWebConfig(join(FIXTURES, 'mtls.good.yml'));
    assert.deepEqual(c.tls?.cert, { kind: 'file', path: join(FIXTURES, 'server.crt') });
    await assert.rejects(loadWebConfig(join(FIXTURES, 'curve.bad.yml')), (err: Error) => {
      assert.ok(err instanceof WebConfigError);
      assert.match(err.message, /curve\.bad\.yml: line 5: .*unknown curve: CurveP999/);
      return true;
    });
    await assert.rejects(loadWebConfig(join(FIXTURES, 'nope.yml')), /reading web config file: .*ENOENT/);
  });

  test('a cert_file that does not exist fails the check', async () => {
    await assert.rejects(checkWebConfig(join(FIXTURES, 'cert-file-missing.bad.yml')), (err: Error) => {
      assert.ok(err instanceof WebConfigError);
      assert.match(err.message, /failed to read cert_file \(.*does-not-exist\.crt\)/);
      return true;
    });
  });

  test('files without TLS need no certificates to pass the check', async () => {
    const c = await checkWebConfig(join(FIXTURES, 'users.good.yml'));
    assert.equal(c.basicAuthUsers.size, 4);
  });
});

describe('tables and helpers', () => {
  test('every OpenSSL name in the cipher table is known to this Node.js', () => {
    const known = new Set(getCiphers());
    for (const [go, openssl] of Object.entries(CIPHER_SUITES)) {
      const name = openssl ?? go; // TLS 1.3 suites share their IANA name
      assert.ok(known.has(name.toLowerCase()), `${go} -> ${name} unknown to OpenSSL`);
    }
  });

  test("Go's time.ParseDuration", () => {
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('1h2m3s'), 3_723_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('10us'), 0.01);
    assert.equal(parseGoDuration('-1s'), -1000);
    for (const bad of ['1', 's', '1d', '1 s', ''])
      assert.throws(() => parseGoDuration(bad), /invalid duration/, bad);
  });

  test('the fake hash for unknown users is the toolkit one, of "fakepassword"', async () => {
    assert.equal(await bcrypt.compare('fakepassword', FAKE_BCRYPT_HASH), true);
    assert.equal(await bcrypt.compare('alice123', FAKE_BCRYPT_HASH), false);
  });

  test('listen addresses in exporter style', () => {
    assert.deepEqual(parseListenAddress(':9612'), { host: undefined, port: 9612 });
    assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:9612'), { host: '::1', port: 9612 });
    assert.deepEqual(parseListenAddress('localhost:80'), { host: 'localhost', port: 80 });
    assert.deepEqual(parseListenAddress('[::]:1'), { host: '::', port: 1 });
    for (const bad of ['9612', '::1:9612', '127.0.0.1:', '127.0.0.1:65536', ':http', 'vsock://:9612']) {
      assert.throws(() => parseListenAddress(bad), /listen address/, bad);
    }
  });
});

/** A bcrypt stand-in that answers only when the test says so, recording every run. */
function manualBcrypt() {
  const runs: { password: string; answer: (ok: boolean) => void }[] = [];
  const compare = (password: string, _hash: string) =>
    new Promise<boolean>((answer) => {
      runs.push({ password, answer });
    });
  return { runs, compare };
}

/** Resolves to the promise's value, or 'still waiting' if it has not settled within a few event-loop turns. */
async function settledSoon<T>(p: Promise<T>): Promise<T | 'still waiting'> {
  return Promise.race([p, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 20))]);
}

describe('BasicAuthVerifier: a flood of wrong passwords cannot starve a known-good scrape', () => {
  const users = new Map([['me', 'hash-of-s3cret']]);

  test('a verified password is answered from the cache while bcrypt is busy', async () => {
    const { runs, compare } = manualBcrypt();
    const v = new BasicAuthVerifier({}, compare);
    const first = v.verify(users, 'me', 's3cret', 'prometheus');
    assert.equal(runs.length, 1);
    runs[0]!.answer(true);
    assert.equal(await first, 'ok');
    // 40 clients, each with a wrong password: one bcrypt runs (and never finishes), the rest queue.
    const flood = Array.from({ length: 40 }, (_, i) => v.verify(users, 'me', `guess${i}`, `10.0.0.${i}`));
    await settledSoon(Promise.resolve());
    assert.equal(runs.length, 2);
    assert.ok(v.queued >= 39, `queued ${v.queued}`);
    // The known-good scrape does not wait for any of them, from any address.
    assert.equal(await settledSoon(v.verify(users, 'me', 's3cret', 'prometheus')), 'ok');
    assert.equal(await settledSoon(v.verify(users, 'me', 's3cret', '10.0.0.1')), 'ok');
    assert.equal(runs.length, 2);
    // A wrong password for the cached user is no shortcut, nor is the cache shared with another user.
    assert.equal(await settledSoon(v.verify(users, 'me', 's3cret ', 'x')), 'still waiting');
    assert.equal(await settledSoon(v.verify(users, 'other', 's3cret', 'y')), 'still waiting');
    // A reload that changes the hash forgets the answer.
    assert.equal(
      await settledSoon(v.verify(new Map([['me', 'new-hash']]), 'me', 's3cret', 'prometheus')),
      'still waiting',
    );
    assert.equal(flood.length, 40);
  });

  test('one client: two checks in flight, then 429 at once; out of failures, 429 at once; others unaffected', async () => {
    const { runs, compare } = manualBcrypt();
    const v = new BasicAuthVerifier(
      { perClientFailureBurst: 3, perClientFailureIntervalMs: 60_000 },
      compare,
    );
    const ok = v.verify(users, 'me', 's3cret', 'a');
    runs[0]!.answer(true);
    assert.equal(await ok, 'ok');

    const burst = ['w1', 'w2', 'w3', 'w4'].map((p) => v.verify(users, 'me', p, 'a'));
    assert.equal(await settledSoon(burst[2]!), 'client_pending');
    assert.equal(await settledSoon(burst[3]!), 'client_pending');
    await settledSoon(Promise.resolve());
    assert.equal(runs.length, 2); // the ok one and w1; w2 waits its turn
    runs[1]!.answer(false);
    assert.equal(await burst[0], 'denied');
    await settledSoon(Promise.resolve());
    runs[2]!.answer(false);
    assert.equal(await burst[1], 'denied');
    // The same wrong password again is answered from the failure cache: no bcrypt, no charge.
    assert.equal(await settledSoon(v.verify(users, 'me', 'w1', 'a')), 'denied');
    const third = v.verify(users, 'me', 'w5', 'a');
    await settledSoon(Promise.resolve());
    runs[3]!.answer(false);
    assert.equal(await third, 'denied');
    // Three failures spent the budget: refused without bcrypt.
    assert.equal(await settledSoon(v.verify(users, 'me', 'w6', 'a')), 'client_failures');
    assert.equal(runs.length, 4);
    // Its cached good password still works, and another client still gets a bcrypt run.
    assert.equal(await settledSoon(v.verify(users, 'me', 's3cret', 'a')), 'ok');
    const other = v.verify(users, 'me', 'w6', 'b');
    await settledSoon(Promise.resolve());
    assert.equal(runs.length, 5);
    runs[4]!.answer(false);
    assert.equal(await other, 'denied');
  });

  test('bcrypt runs take turns between clients; identical checks share a run; abandoned ones are skipped', async () => {
    const { runs, compare } = manualBcrypt();
    const v = new BasicAuthVerifier({}, compare);
    const a1 = v.verify(users, 'me', 'a1', 'A');
    const a2 = v.verify(users, 'me', 'a2', 'A');
    const c1 = v.verify(users, 'me', 'c1', 'C');
    const c2 = v.verify(users, 'me', 'c2', 'C');
    const b1 = v.verify(users, 'me', 'b1', 'B');
    const b1again = v.verify(users, 'me', 'b1', 'B'); // same credentials: joins b1's run
    let gone = false;
    const d1 = v.verify(users, 'me', 'd1', 'D', () => !gone);
    gone = true; // the client hung up while queued
    for (let i = 0; i < 5; i++) {
      await settledSoon(Promise.resolve());
      runs[i]!.answer(false);
    }
    assert.deepEqual(
      runs.map((r) => r.password),
      ['a1', 'c1', 'b1', 'a2', 'c2'],
    );
    for (const p of [a1, a2, c1, c2, b1, b1again, d1]) assert.equal(await p, 'denied');
    assert.equal(runs.length, 5);
  });

  test('a full queue refuses at once', async () => {
    const { runs, compare } = manualBcrypt();
    const v = new BasicAuthVerifier({ maxQueued: 3 }, compare);
    const pending = ['a', 'b', 'c', 'd'].map((c) => v.verify(users, 'me', c, c));
    assert.equal(v.queued, 3);
    assert.equal(await settledSoon(v.verify(users, 'me', 'e', 'e')), 'queue_full');
    for (let i = 0; i < 4; i++) {
      await settledSoon(Promise.resolve());
      runs[i]!.answer(false);
    }
    for (const p of pending) assert.equal(await p, 'denied');
  });

  test('unknown users are checked against the fake hash and always fail', async () => {
    const hashes: string[] = [];
    const v = new BasicAuthVerifier({}, async (_p, h) => {
      hashes.push(h);
      return true;
    });
    assert.equal(await v.verify(users, 'nobody', 'fakepassword', 'a'), 'denied');
    assert.equal(await v.verify(new Map([['me', FAKE_BCRYPT_HASH]]), 'me', 'fakepassword', 'a'), 'ok');
    // Once removed, a user whose hash was the fake one is not let in by the cached answer.
    assert.equal(await v.verify(new Map(), 'me', 'fakepassword', 'a'), 'denied');
    assert.deepEqual(hashes, [FAKE_BCRYPT_HASH, FAKE_BCRYPT_HASH, FAKE_BCRYPT_HASH]);
  });

  test('clients are addresses; IPv6 by /64, IPv4-mapped as IPv4', () => {
    assert.equal(clientKey('10.1.2.3'), '10.1.2.3');
    assert.equal(clientKey('::ffff:10.1.2.3'), '10.1.2.3');
    assert.equal(clientKey('2001:db8:0:1:2:3:4:5'), '2001:db8:0:1::/64');
    assert.equal(clientKey('2001:db8::1:9'), '2001:db8:0:0::/64');
    assert.equal(clientKey('2001:0db8:0000:0000::2'), '2001:db8:0:0::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(clientKey(undefined), 'unknown');
  });
});

describe('TLS handshake failure reasons', () => {
  test("Node's error codes sorted into a bounded set", () => {
    const reason = (code: string) => tlsFailureReason(Object.assign(new Error(code), { code }));
    assert.equal(reason('ERR_SSL_HTTP_REQUEST'), 'not_tls');
    assert.equal(reason('ERR_SSL_WRONG_VERSION_NUMBER'), 'not_tls');
    assert.equal(reason('ERR_SSL_LENGTH_TOO_SHORT'), 'not_tls');
    assert.equal(reason('ERR_SSL_UNSUPPORTED_PROTOCOL'), 'protocol_version');
    assert.equal(reason('ERR_SSL_NO_SHARED_CIPHER'), 'no_shared_cipher');
    assert.equal(reason('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'), 'client_certificate');
    assert.equal(reason('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), 'peer_alert');
    assert.equal(reason('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE'), 'peer_alert');
    assert.equal(reason('ERR_TLS_HANDSHAKE_TIMEOUT'), 'timeout');
    assert.equal(reason('ECONNRESET'), 'connection_reset');
    assert.equal(reason('ERR_SSL_SOMETHING_NEW'), 'other');
  });
});
