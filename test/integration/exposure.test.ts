// Exposure against real dockerd daemons: a plain TCP listener, TLS without client verification, mTLS with
// certificates that expire in days, and a listener inherited from systemd socket activation (-H fd://)
// found through docker.socket's ListenStream= with the exporter reading the host through --host.root.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { makePki, type Pki } from '../support/certs.js';
import {
  isAlive,
  SANDBOX_PREFIX,
  SANDBOX_ROOT,
  teardownSandboxSync,
  writeOwner,
} from '../support/cleanup.js';
import {
  DOCKERD_PATH,
  dockerdUnavailableReason,
  type SandboxDaemon,
  startDaemon,
} from '../support/dockerd.js';
import {
  type CheckControl,
  checkJson,
  startTestExporter,
  type TestExporter,
  waitFor,
} from '../support/exporter.js';
import { getFreePort } from '../support/ports.js';

const skip = dockerdUnavailableReason() ?? false;
const exec = promisify(execFile);

const control = (controls: CheckControl[], id: string): CheckControl => {
  const c = controls.find((x) => x.id === id);
  assert.ok(c, `no control ${id}`);
  return c;
};

interface ObservedListeners {
  listeners: { endpoint: string; probed: string; origins: string[]; http: string; https: string }[];
}

/** notAfter of a certificate file as openssl prints it, in Unix seconds. */
async function opensslNotAfter(file: string): Promise<number> {
  const { stdout } = await exec('openssl', ['x509', '-noout', '-enddate', '-in', file]);
  return Date.parse(stdout.trim().replace(/^notAfter=/, '')) / 1000;
}

describe('a plain TCP listener on every address', { skip, timeout: 180_000 }, () => {
  let daemon: SandboxDaemon;
  let port: number;

  before(async () => {
    port = await getFreePort();
    // dockerd waits 15 s before serving an unauthenticated non-loopback listener: that is the point here.
    daemon = await startDaemon({ config: { hosts: [`tcp://0.0.0.0:${port}`] } });
  });
  after(async () => daemon?.destroy());

  test('api_unauthenticated fails, naming the endpoint, the loopback rewrite and the answer', async () => {
    const { report } = await checkJson([`--docker.host=tcp://127.0.0.1:${port}`]);
    const c = control(report.controls, 'api_unauthenticated');
    assert.equal(c.status, 'fail', c.reason);
    assert.match(
      c.reason,
      new RegExp(
        `tcp://0\\.0\\.0\\.0:${port} \\(probed on 127\\.0\\.0\\.1:${port}\\): HTTP: Docker API answered HTTP 200`,
      ),
    );
    const observed = c.observed as ObservedListeners;
    // daemon.json says 0.0.0.0, /proc shows Go's dual-stack [::] socket: one listener.
    assert.equal(observed.listeners.length, 1, JSON.stringify(observed.listeners));
    assert.deepEqual(observed.listeners[0]!.origins.sort(), ['hosts_file', 'listening_socket']);
    assert.equal(observed.listeners[0]!.https, 'not_tls');
    assert.equal(control(report.controls, 'tls_cert_expiry').status, 'not_applicable');
    assert.equal(control(report.controls, 'tls').status, 'fail');
    // The harness's data root is a directory of the root filesystem, bind-mounted onto itself by dockerd.
    assert.equal(control(report.controls, 'docker_partition').status, 'fail');
  });
});

describe('TLS without client verification, a certificate for 10 days', { skip, timeout: 180_000 }, () => {
  let pki: Pki;
  let daemon: SandboxDaemon;
  let port: number;
  let exporter: TestExporter | undefined;
  /** The exporter itself reaches the daemon over that listener, verifying its certificate. */
  const reach = (): string[] => [`--docker.host=tcp://127.0.0.1:${port}`, `--docker.tls-ca=${pki.caCert}`];

  before(async () => {
    pki = await makePki({ days: 10, caDays: 400 });
    port = await getFreePort();
    daemon = await startDaemon({
      config: {
        hosts: [`tcp://127.0.0.1:${port}`],
        tls: true,
        tlsverify: false,
        tlscert: pki.serverCert,
        tlskey: pki.serverKey,
      },
    });
  });
  after(async () => {
    await exporter?.close();
    await daemon?.destroy();
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  test('answers /_ping over TLS without a certificate: fail; plain HTTP is told to use TLS', async () => {
    const { report } = await checkJson(reach());
    const c = control(report.controls, 'api_unauthenticated');
    assert.equal(c.status, 'fail', c.reason);
    assert.match(c.reason, new RegExp(`tcp://127\\.0\\.0\\.1:${port}: HTTPS: Docker API answered HTTP 200`));
    const l = (c.observed as ObservedListeners).listeners[0]!;
    assert.equal(l.http, 'tls_required');
    assert.equal(l.https, 'answered');
  });

  test('tls_cert_expiry fails under 30 days, naming the file, the endpoint and the date; passes with a 5-day warning', async () => {
    const notAfter = await opensslNotAfter(pki.serverCert);
    const date = new Date(notAfter * 1000).toISOString().slice(0, 10);
    const { report } = await checkJson(reach());
    const c = control(report.controls, 'tls_cert_expiry');
    assert.equal(c.status, 'fail', c.reason);
    assert.match(
      c.reason,
      new RegExp(`server certificate ${pki.serverCert} \\(CN=dockerd\\) expires on ${date}`),
    );
    assert.match(
      c.reason,
      new RegExp(`endpoint certificate 127\\.0\\.0\\.1:${port} \\(CN=dockerd\\) expires on ${date}`),
    );
    const relaxed = await checkJson([...reach(), '--tls.expiry-warning=5d']);
    assert.equal(control(relaxed.report.controls, 'tls_cert_expiry').status, 'pass');
  });

  test('not_after metrics per role and path; probes counted apart, once per evaluation, never per scrape', async () => {
    exporter = await startTestExporter(reach());
    const notAfter = await opensslNotAfter(pki.serverCert);
    const m = await exporter.scrape();
    const name = 'dockersec_tls_cert_not_after_timestamp_seconds';
    assert.equal(m.get(name, { role: 'server', path: pki.serverCert }), notAfter);
    assert.equal(m.get(name, { role: 'endpoint', path: `127.0.0.1:${port}` }), notAfter);
    assert.equal(m.get(name, { role: 'ca' }), undefined, 'no tlscacert without verification');
    const metricsText = async () => (await request(exporter!.url).get('/metrics').expect(200)).text;
    await exporter.exporter.monitor.settled();
    const before = await metricsText();
    const count = (text: string, re: RegExp) =>
      text
        .split('\n')
        .filter((l) => re.test(l))
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    const probeCount = count(before, /^dockersec_exposure_probes_total\{/);
    const apiCount = count(before, /^dockersec_docker_api_requests_total\{/);
    assert.ok(probeCount >= 2, `probes counted: ${probeCount}`);
    assert.match(before, /dockersec_exposure_probes_total\{scheme="https",outcome="answered"\}/);
    for (let i = 0; i < 20; i++) await request(exporter.url).get('/metrics').expect(200);
    const afterScrapes = await metricsText();
    assert.equal(count(afterScrapes, /^dockersec_exposure_probes_total\{/), probeCount);
    assert.equal(count(afterScrapes, /^dockersec_docker_api_requests_total\{/), apiCount);
  });
});

describe('mTLS with certificates that expire in 3 days', { skip, timeout: 180_000 }, () => {
  let pki: Pki;
  let daemon: SandboxDaemon;
  let port: number;
  /** The exporter holds a client certificate; the probe does not. */
  const reach = (): string[] => [
    `--docker.host=tcp://127.0.0.1:${port}`,
    `--docker.tls-ca=${pki.caCert}`,
    `--docker.tls-cert=${pki.clientCert}`,
    `--docker.tls-key=${pki.clientKey}`,
  ];

  before(async () => {
    pki = await makePki({ days: 3 });
    port = await getFreePort();
    daemon = await startDaemon({
      config: {
        hosts: [`tcp://127.0.0.1:${port}`],
        tlsverify: true,
        tlscacert: pki.caCert,
        tlscert: pki.serverCert,
        tlskey: pki.serverKey,
      },
    });
  });
  after(async () => {
    await daemon?.destroy();
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  test('no answer without a client certificate: pass; the expiring CA, server and endpoint certificates fail', async () => {
    const { report } = await checkJson(reach());
    const api = control(report.controls, 'api_unauthenticated');
    assert.equal(api.status, 'pass', api.reason);
    assert.match(api.reason, new RegExp(`tcp://127\\.0\\.0\\.1:${port}: TLS, client certificate required`));
    const expiry = control(report.controls, 'tls_cert_expiry');
    assert.equal(expiry.status, 'fail');
    assert.match(expiry.reason, new RegExp(`ca certificate ${pki.caCert}`));
    assert.match(expiry.reason, new RegExp(`server certificate ${pki.serverCert}`));
    assert.match(expiry.reason, /endpoint certificate 127\.0\.0\.1/);
    assert.match(expiry.reason, /in [23] days/);
    assert.equal(control(report.controls, 'tls').status, 'pass');
  });
});

/**
 * dockerd started the way systemd starts it from docker.socket: systemd-socket-activate holds the TCP
 * socket and hands it over as fd 3. Same sandbox rules as the harness (own directory, /etc/docker bound
 * over in a private mount namespace, no bridge, no iptables).
 */
async function startSocketActivated(
  port: number,
): Promise<{ dir: string; pid: number; socket: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(SANDBOX_ROOT, SANDBOX_PREFIX));
  writeOwner(dir);
  await mkdir(join(dir, 'etc-docker'));
  await writeFile(join(dir, 'daemon.json'), '{}\n');
  const socket = join(dir, 'docker.sock');
  const dockerd = [
    DOCKERD_PATH,
    `--config-file=${join(dir, 'daemon.json')}`,
    '-H',
    'fd://',
    '-H',
    `unix://${socket}`,
    '--data-root',
    join(dir, 'root'),
    '--exec-root',
    join(dir, 'exec'),
    '--pidfile',
    join(dir, 'dockerd.pid'),
    '--bridge=none',
    '--iptables=false',
  ];
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) delete env[k];
  let child: ChildProcess;
  try {
    child = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'slave',
        '--',
        'sh',
        '-c',
        'mount --bind "$0" /etc/docker && exec "$@"',
        join(dir, 'etc-docker'),
        'systemd-socket-activate',
        '-l',
        `127.0.0.1:${port}`,
        ...dockerd,
      ],
      { detached: true, stdio: ['ignore', log, log], env },
    );
  } finally {
    closeSync(log);
  }
  child.unref();
  const pid = child.pid!;
  const stop = async () => {
    if (isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitFor('dockerd to stop', async () => !isAlive(pid), 20_000).catch(() => undefined);
    }
    teardownSandboxSync(dir, [pid]);
  };
  try {
    await waitFor(
      'socket-activated dockerd',
      async () => {
        if (!isAlive(pid)) throw new Error(readFileSync(join(dir, 'dockerd.log'), 'utf8').slice(-2000));
        const r = await fetch(`http://127.0.0.1:${port}/_ping`).catch(() => null);
        return r?.status === 200;
      },
      60_000,
      100,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, pid, socket, stop };
}

describe('-H fd:// from systemd socket activation, exporter on a --host.root view of the host', {
  skip,
  timeout: 180_000,
}, () => {
  let daemon: Awaited<ReturnType<typeof startSocketActivated>>;
  let hostRoot: string;
  let port: number;

  before(async () => {
    port = await getFreePort();
    daemon = await startSocketActivated(port);
    // What an exporter container sees with the host's / mounted at /host: /proc and /tmp of the host, the
    // host's identity files, and a docker.socket unit whose ListenStream= is that TCP port.
    hostRoot = await mkdtemp(join(tmpdir(), 'dockersec-hostroot-'));
    await symlink('/proc', join(hostRoot, 'proc'));
    await symlink('/tmp', join(hostRoot, 'tmp'));
    await mkdir(join(hostRoot, 'etc/systemd/system/docker.socket.d'), { recursive: true });
    await symlink('/etc/passwd', join(hostRoot, 'etc/passwd'));
    await symlink('/etc/group', join(hostRoot, 'etc/group'));
    await writeFile(
      join(hostRoot, 'etc/systemd/system/docker.socket'),
      '[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\n',
    );
    await writeFile(
      join(hostRoot, 'etc/systemd/system/docker.socket.d/tcp.conf'),
      `[Socket]\nListenStream=127.0.0.1:${port}\n`,
    );
  });
  after(async () => {
    await daemon?.stop();
    if (hostRoot) await rm(hostRoot, { recursive: true, force: true });
  });

  test("the inherited listener is found through ListenStream= and dockerd's sockets, and fails", async () => {
    const { report } = await checkJson([`--docker.host=unix://${daemon.socket}`, `--host.root=${hostRoot}`]);
    assert.equal(report.docker.reachable, true);
    const c = control(report.controls, 'api_unauthenticated');
    assert.equal(c.status, 'fail', c.reason);
    assert.match(
      c.reason,
      new RegExp(`docker\\.socket ListenStream=127\\.0\\.0\\.1:${port}: HTTP: Docker API answered`),
    );
    const l = (c.observed as ObservedListeners).listeners;
    assert.equal(l.length, 1, JSON.stringify(l));
    assert.deepEqual(l[0]!.origins.sort(), ['listen_stream', 'listening_socket']);
    // dockerd applies its TLS settings to sockets inherited through fd:// too: without them this one is plain TCP.
    const tls = control(report.controls, 'tls');
    assert.equal(tls.status, 'fail');
    assert.match(tls.reason, new RegExp(`ListenStream=127\\.0\\.0\\.1:${port}`));
    // The unit files were read under --host.root, not from this machine's /lib/systemd/system.
    const unit = control(report.controls, 'docker_socket_unit_permissions');
    assert.equal(unit.status, 'pass');
    assert.match(unit.reason, /\/etc\/systemd\/system\/docker\.socket\.d\/tcp\.conf/);
  });
});
