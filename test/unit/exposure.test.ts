// The unauthenticated-access probe against real loopback servers, listener discovery, and the
// api_unauthenticated / tls_cert_expiry verdicts over fixtures.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiUnauthenticated } from '../../src/controls/exposure/apiUnauthenticated.js';
import { tlsCertExpiry } from '../../src/controls/exposure/tlsCertExpiry.js';
import type { ControlDefinition } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { declaredFromHost, declaredFromListenStream } from '../../src/facts/dockerd/listeners.js';
import type { TcpListener } from '../../src/facts/exposureTypes.js';
import { renderEvaluation } from '../../src/outputs/metrics/evaluationMetrics.js';
import { parseCertificates } from '../../src/sources/certificates.js';
import { DockerApiClient } from '../../src/sources/dockerApi/client.js';
import { parseDockerHost } from '../../src/sources/dockerApi/endpoint.js';
import { RequestLog } from '../../src/sources/dockerApi/requestLog.js';
import { mergeListeners } from '../../src/sources/exposure/listeners.js';
import { parseProcNetTcp } from '../../src/sources/exposure/listeningSockets.js';
import { parseHttpReply, probeListener } from '../../src/sources/exposure/probe.js';
import { ProbeLog } from '../../src/sources/exposure/probeLog.js';
import { factSources } from '../../src/sources/factSources.js';
import { HostPaths } from '../../src/sources/hostPaths.js';
import { makePki, type Pki } from '../support/certs.js';
import { certificate, fileStat, listener, NOW_SECONDS, probed, tlsFile } from '../support/exposureFacts.js';
import { type FactsOverrides, makeFacts } from '../support/facts.js';

const run = (c: ControlDefinition, o: FactsOverrides = {}) => evaluate(makeFacts(o), [c]).results[0]!;
const DAY = 86_400;

const target = (port: number, host = '127.0.0.1'): TcpListener => ({
  declared: [`tcp://${host}:${port}`],
  origins: ['hosts_file'],
  host,
  port,
  probeHost: host,
  rewrite: null,
});

/** What dockerd answers on /_ping, headers included. */
function dockerPing(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, {
    'Api-Version': '1.41',
    Server: 'Docker/20.10.24 (linux)',
    'Content-Type': 'text/plain',
  });
  res.end(req.url === '/_ping' ? 'OK' : 'page not found');
}

describe('probe against real loopback servers', () => {
  let pki: Pki;
  const servers: net.Server[] = [];
  const requests: string[] = [];
  let plainPort = 0;
  let tlsPort = 0;
  let mtlsPort = 0;
  let metricsPort = 0;
  let closedPort = 0;

  const listen = async (server: net.Server): Promise<number> => {
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };

  before(async () => {
    pki = await makePki({ days: 10 });
    const [cert, key, ca] = await Promise.all([
      readFile(pki.serverCert),
      readFile(pki.serverKey),
      readFile(pki.caCert),
    ]);
    const record = (req: http.IncomingMessage) => requests.push(`${req.method} ${req.url}`);
    plainPort = await listen(
      http.createServer((req, res) => {
        record(req);
        dockerPing(req, res);
      }),
    );
    tlsPort = await listen(
      https.createServer({ cert, key }, (req, res) => {
        record(req);
        dockerPing(req, res);
      }),
    );
    mtlsPort = await listen(
      https.createServer({ cert, key, ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
        record(req);
        dockerPing(req, res);
      }),
    );
    metricsPort = await listen(
      http.createServer((req, res) => {
        record(req);
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('404 page not found\n');
      }),
    );
    const closing = await listen(net.createServer());
    closedPort = closing;
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
  });
  after(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  test('plain HTTP: the Docker API answers; TLS gets no handshake', async () => {
    const log = new ProbeLog();
    const p = await probeListener(target(plainPort), log);
    assert.equal(p.http.outcome, 'answered');
    assert.equal(p.http.status, 200);
    assert.equal(p.http.apiVersion, '1.41');
    assert.equal(p.https.outcome, 'not_tls');
    assert.equal(p.certificate, null);
    assert.equal(log.total, 2);
  });

  test('TLS without client verification answers and shows its certificate', async () => {
    const p = await probeListener(target(tlsPort), new ProbeLog());
    assert.equal(p.https.outcome, 'answered');
    // node closes a plain connection to its TLS port without a word (dockerd answers 400, see integration).
    assert.equal(p.http.outcome, 'error');
    const file = parseCertificates(await readFile(pki.serverCert))[0]!;
    assert.equal(p.certificate?.fingerprint256, file.fingerprint256);
    assert.ok(Math.abs(p.certificate!.notAfterSeconds - (Date.now() / 1000 + 10 * DAY)) < 2 * DAY);
  });

  test('mTLS refuses the client without a certificate, and the certificate is still read', async () => {
    const p = await probeListener(target(mtlsPort), new ProbeLog());
    assert.equal(p.https.outcome, 'client_cert_required', p.https.detail);
    assert.notEqual(p.certificate, null);
  });

  test('a listener that is not the Docker API answers, but does not count', async () => {
    const p = await probeListener(target(metricsPort), new ProbeLog());
    assert.equal(p.http.outcome, 'not_docker');
    assert.equal(p.http.status, 404);
  });

  test('a closed port is refused on both schemes', async () => {
    const p = await probeListener(target(closedPort), new ProbeLog());
    assert.equal(p.http.outcome, 'refused');
    assert.equal(p.https.outcome, 'refused');
  });

  test('the probe sends GET /_ping and nothing else', () => {
    assert.ok(requests.length > 0);
    assert.deepEqual([...new Set(requests)], ['GET /_ping']);
  });

  test('a listener that never answers times out', async () => {
    // Reads (so it notices the probe hang up) but never answers.
    const silent = net.createServer((s) => s.resume());
    const port = await listen(silent);
    const p = await probeListener(target(port), new ProbeLog(), 300);
    assert.equal(p.http.outcome, 'timeout');
    assert.equal(p.https.outcome, 'timeout');
  });
});

describe('reply parsing', () => {
  test("dockerd's answer to plain HTTP on a TLS port means TLS is required", () => {
    const r = parseHttpReply(
      'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n',
    );
    assert.equal(r?.status, 400);
    assert.match(r!.body, /HTTPS server/);
  });
  test('headers are case-insensitive', () => {
    const r = parseHttpReply('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nSERVER: Docker/20.10\r\n\r\nOK');
    assert.equal(r?.headers['api-version'], '1.41');
    assert.equal(r?.headers.server, 'Docker/20.10');
  });
  test('garbage is not a reply', () => {
    assert.equal(parseHttpReply('\x15\x03\x01\x00\x02'), null);
  });
});

describe('listener discovery', () => {
  test('hosts entries: tcp only, with the default port and localhost for an empty host', () => {
    assert.deepEqual(declaredFromHost('tcp://0.0.0.0:2375', 'hosts_file'), {
      text: 'tcp://0.0.0.0:2375',
      origin: 'hosts_file',
      host: '0.0.0.0',
      port: 2375,
    });
    assert.equal(declaredFromHost('tcp://:2376', 'hosts_flag')?.host, 'localhost');
    assert.equal(declaredFromHost('unix:///var/run/docker.sock', 'hosts_file'), null);
    assert.equal(declaredFromHost('fd://', 'hosts_flag'), null);
    assert.equal(declaredFromHost('tcp://1.2.3.4:99999', 'hosts_file'), null, 'refused by dockerd');
  });

  test('ListenStream forms: bare port (dual-stack), v4:port, [v6]:port; paths are not TCP', () => {
    assert.deepEqual(declaredFromListenStream('2375'), {
      text: 'ListenStream=2375',
      origin: 'listen_stream',
      host: '::',
      port: 2375,
    });
    assert.equal(declaredFromListenStream('127.0.0.1:2376')?.host, '127.0.0.1');
    assert.equal(declaredFromListenStream('[::1]:2376')?.host, '::1');
    assert.equal(declaredFromListenStream('/run/docker.sock'), null);
    assert.equal(declaredFromListenStream('@docker'), null);
    assert.equal(declaredFromListenStream('vsock:2:2375'), null);
  });

  test('0.0.0.0 in daemon.json and the :: socket in /proc are one listener, probed on 127.0.0.1', () => {
    const merged = mergeListeners([
      declaredFromHost('tcp://0.0.0.0:2375', 'hosts_file')!,
      { text: '[::]:2375', origin: 'listening_socket', host: '::', port: 2375 },
      declaredFromHost('tcp://127.0.0.1:2376', 'hosts_flag')!,
      { text: '127.0.0.1:2376', origin: 'listening_socket', host: '127.0.0.1', port: 2376 },
    ]);
    assert.equal(merged.length, 2);
    const wild = merged.find((l) => l.port === 2375)!;
    assert.equal(wild.probeHost, '127.0.0.1');
    assert.match(wild.rewrite!, /probed on 127.0.0.1/);
    assert.deepEqual(wild.origins, ['hosts_file', 'listening_socket']);
    const local = merged.find((l) => l.port === 2376)!;
    assert.equal(local.rewrite, null);
  });

  test('a systemd port-only socket is probed on ::1; localhost on 127.0.0.1', () => {
    const [v6] = mergeListeners([declaredFromListenStream('2375')!]);
    assert.equal(v6!.probeHost, '::1');
    const [lo] = mergeListeners([declaredFromHost('tcp://localhost:2376', 'hosts_file')!]);
    assert.equal(lo!.probeHost, '127.0.0.1');
  });

  test('/proc/net/tcp{,6}: only listening sockets the process holds, addresses decoded', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:8AF1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1',
      '   1: 0100007F:8AF1 0100007F:8FF6 01 00000000:00000000 02:00000554 00000000     0        0 112 2',
      '   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 999 1',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp, false, new Set(['111', '112'])), [
      { host: '127.0.0.1', port: 35569 },
    ]);
    const tcp6 = [
      '  sl  local_address                         remote_address                        st',
      '   0: 00000000000000000000000000000000:094F 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 201 1',
      '   1: 00000000000000000000000001000000:0950 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202 1',
      '   2: 0000000000000000FFFF00000100007F:0951 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 203 1',
    ].join('\n');
    assert.deepEqual(parseProcNetTcp(tcp6, true, new Set(['201', '202', '203'])), [
      { host: '::', port: 2383 },
      { host: '::1', port: 2384 },
      { host: '127.0.0.1', port: 2385 },
    ]);
  });

  test("dockerd's listening sockets: kept across a daemon.json edit, read again on any other refresh", async () => {
    // A fake /proc: dockerd (pid 900) holds socket 111, listening on 127.0.0.1:<port> in net/tcp.
    const root = await mkdtemp(join(tmpdir(), 'dockersec-listeners-'));
    try {
      const proc = join(root, 'proc', '900');
      await mkdir(join(proc, 'fd'), { recursive: true });
      await mkdir(join(proc, 'net'), { recursive: true });
      await symlink('socket:[111]', join(proc, 'fd', '3'));
      await writeFile(join(proc, 'net', 'tcp6'), '');
      const table = (port: number) =>
        `  sl  local_address rem_address   st\n   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1\n`;
      await writeFile(join(proc, 'net', 'tcp'), table(1));
      const { exposure } = factSources({
        paths: new HostPaths(root),
        api: new DockerApiClient(parseDockerHost('unix:///nonexistent.sock', null), new RequestLog(), 1_000),
        probes: new ProbeLog(),
      });
      const input = { declared: [], dockerdPid: 900, inheritsSockets: false, notes: [], timeoutMs: 500 };
      const ports = async (refresh: 'all' | 'config' | 'api') => {
        const fact = await exposure.collect(input, refresh);
        assert.ok(fact.ok, fact.ok ? '' : fact.error);
        return fact.value.listeners.map((l) => l.listener.port);
      };
      assert.deepEqual(await ports('all'), [1]);
      // dockerd now listens elsewhere (in real life: a restart, or swarm); an edit does not look again...
      await writeFile(join(proc, 'net', 'tcp'), table(2));
      assert.deepEqual(await ports('config'), [1]);
      // ...a Docker event or a resync does.
      assert.deepEqual(await ports('api'), [2]);
      await writeFile(join(proc, 'net', 'tcp'), table(3));
      assert.deepEqual(await ports('all'), [3]);
      // Another dockerd process: read at once, whatever the refresh.
      await cp(proc, join(root, 'proc', '901'), { recursive: true, verbatimSymlinks: true });
      assert.deepEqual(await ports('config'), [3]);
      const other = await exposure.collect({ ...input, dockerdPid: 901 }, 'config');
      assert.ok(other.ok);
      assert.deepEqual(
        other.value.listeners.map((l) => l.listener.port),
        [3],
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('api_unauthenticated', () => {
  test('not applicable without TCP listeners, naming where it looked', () => {
    const r = run(apiUnauthenticated);
    assert.equal(r.status, 'not_applicable');
    assert.match(r.reason, /docker\.socket/);
  });

  test('fails for a plain listener and for TLS without client verification, listing each endpoint', () => {
    const plain = listener('0.0.0.0', 2375);
    const tlsOnly = listener('127.0.0.1', 2376);
    const r = run(apiUnauthenticated, {
      exposure: { exposure: { listeners: [probed(plain, 'plain'), probed(tlsOnly, 'tls')] } },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /tcp:\/\/0\.0\.0\.0:2375 \(probed on 127\.0\.0\.1:2375\): HTTP/);
    assert.match(r.reason, /tcp:\/\/127\.0\.0\.1:2376: HTTPS/);
    const observed = r.observed as { listeners: { endpoint: string; http: string; https: string }[] };
    assert.deepEqual(
      observed.listeners.map((l) => [l.http, l.https]),
      [
        ['answered', 'not_tls'],
        ['tls_required', 'answered'],
      ],
    );
  });

  test('passes when every listener wants a client certificate or is closed', () => {
    const r = run(apiUnauthenticated, {
      exposure: {
        exposure: {
          listeners: [
            probed(listener('127.0.0.1', 2376), 'mtls'),
            probed(listener('127.0.0.1', 2375), 'closed'),
          ],
        },
      },
    });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /client certificate required/);
    assert.match(r.reason, /not listening/);
  });

  test('listeners that could not be probed make it an error, not a pass', () => {
    const l = listener('127.0.0.1', 2375);
    const skipped = {
      listener: l,
      http: {
        scheme: 'http' as const,
        outcome: 'skipped' as const,
        status: null,
        apiVersion: null,
        server: null,
        detail: 'other netns',
      },
      https: {
        scheme: 'https' as const,
        outcome: 'skipped' as const,
        status: null,
        apiVersion: null,
        server: null,
        detail: 'other netns',
      },
      certificate: null,
    };
    const r = run(apiUnauthenticated, {
      exposure: { exposure: { listeners: [skipped], netns: 'different' } },
    });
    assert.equal(r.status, 'error');
    assert.match(r.reason, /could not tell/);
  });

  test('an open listener fails even when another could not be probed', () => {
    const l = listener('10.0.0.5', 2375);
    const r = run(apiUnauthenticated, { exposure: { exposure: { listeners: [probed(l, 'plain')] } } });
    assert.equal(r.status, 'fail');
  });

  test('the probe source failing is an error', () => {
    assert.equal(run(apiUnauthenticated, { exposure: { down: ['exposure'] } }).status, 'error');
  });
});

describe('tls_cert_expiry', () => {
  test('not applicable without TLS files or presented certificates', () => {
    assert.equal(run(tlsCertExpiry).status, 'not_applicable');
  });

  test('passes with the first expiry named; fails under 30 days naming the file and the date', () => {
    const ok = run(tlsCertExpiry, {
      exposure: { tlsFiles: [tlsFile('ca'), tlsFile('server'), tlsFile('key')] },
    });
    assert.equal(ok.status, 'pass', ok.reason);
    const soon = run(tlsCertExpiry, {
      exposure: { tlsFiles: [tlsFile('ca'), tlsFile('server', { certificates: [certificate(12)] })] },
    });
    assert.equal(soon.status, 'fail');
    assert.match(soon.reason, /server certificate \/etc\/docker\/tls\/server\.pem/);
    assert.match(
      soon.reason,
      new RegExp(new Date((NOW_SECONDS + 12 * DAY) * 1000).toISOString().slice(0, 10)),
    );
    assert.match(soon.reason, /in 12 days/);
  });

  test('a certificate the exporter may not read is not judged, unless another certificate fails', () => {
    const path = '/etc/docker/tls/server.pem';
    const hidden = tlsFile('server', {
      stat: fileStat(path, { exists: false, denied: true, kind: null }),
      certificates: null,
      problem: `${path}: permission denied to the exporter's user (on the file or a directory above it)`,
    });
    const alone = run(tlsCertExpiry, { exposure: { tlsFiles: [tlsFile('ca'), hidden] } });
    assert.equal(alone.status, 'error');
    assert.match(alone.reason, /permission denied/);
    assert.doesNotMatch(alone.reason, /does not exist/);
    const expired = tlsFile('ca', { certificates: [certificate(-1, { isCa: true })] });
    const withFailure = run(tlsCertExpiry, { exposure: { tlsFiles: [expired, hidden] } });
    assert.equal(withFailure.status, 'fail');
    assert.match(withFailure.reason, /expired on .*not seen: server certificate .*permission denied/);
  });

  test('the warning period comes from --tls.expiry-warning', () => {
    const o = { exposure: { tlsFiles: [tlsFile('server', { certificates: [certificate(12)] })] } };
    assert.equal(run(tlsCertExpiry, { ...o, tlsExpiryWarningSeconds: 7 * DAY }).status, 'pass');
    assert.equal(run(tlsCertExpiry, { ...o, tlsExpiryWarningSeconds: 14 * DAY }).status, 'fail');
  });

  test('an expired CA in a bundle fails even when the other CA is fine', () => {
    const r = run(tlsCertExpiry, {
      exposure: {
        tlsFiles: [
          tlsFile('ca', {
            certificates: [
              certificate(300, { isCa: true }),
              certificate(-3, { isCa: true, subject: 'CN=old CA' }),
            ],
          }),
        ],
      },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /CN=old CA\) expired on/);
  });

  test('the certificate a listener presents counts, as role endpoint', () => {
    const l = listener('127.0.0.1', 2376);
    const r = run(tlsCertExpiry, {
      exposure: { exposure: { listeners: [probed(l, 'mtls', certificate(5))] } },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /endpoint certificate 127\.0\.0\.1:2376/);
  });

  test('a configured certificate that cannot be read fails', () => {
    const r = run(tlsCertExpiry, {
      exposure: { tlsFiles: [tlsFile('server', { certificates: null, problem: '/x.pem does not exist' })] },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /x\.pem does not exist/);
  });

  test('the metric: one not_after series per file and role, the earliest certificate of a bundle', async () => {
    const l = listener('127.0.0.1', 2376);
    const facts = makeFacts({
      exposure: {
        tlsFiles: [
          tlsFile('ca', { certificates: [certificate(300), certificate(40)] }),
          tlsFile('server', { certificates: [certificate(90)] }),
          tlsFile('key'),
        ],
        exposure: { listeners: [probed(l, 'mtls', certificate(90))] },
      },
    });
    const text = await renderEvaluation(evaluate(facts, [tlsCertExpiry]), {
      version: 't',
      revision: 't',
    } as never);
    const lines = text
      .split('\n')
      .filter((x) => x.startsWith('dockersec_tls_cert_not_after_timestamp_seconds{'));
    assert.deepEqual(lines.sort(), [
      `dockersec_tls_cert_not_after_timestamp_seconds{role="ca",path="/etc/docker/tls/ca.pem"} ${NOW_SECONDS + 40 * DAY}`,
      `dockersec_tls_cert_not_after_timestamp_seconds{role="endpoint",path="127.0.0.1:2376"} ${NOW_SECONDS + 90 * DAY}`,
      `dockersec_tls_cert_not_after_timestamp_seconds{role="server",path="/etc/docker/tls/server.pem"} ${NOW_SECONDS + 90 * DAY}`,
    ]);
  });
});
