// Verdicts against real sandboxed dockerd daemons, through `check --format json` and through /metrics.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { makePki, type Pki } from '../support/certs.js';
import {
  createDaemon,
  dockerdUnavailableReason,
  RELEASE_API_VERSION,
  type SandboxDaemon,
  startDaemon,
  testRelease,
} from '../support/dockerd.js';
import { checkJson, startTestExporter, statusOf } from '../support/exporter.js';
import { getFreePort } from '../support/ports.js';

const skip = dockerdUnavailableReason() ?? false;

/** A daemon whose daemon.json names its own socket in `hosts` (so no -H flag is passed). */
async function startWithHosts(tcpPort: number, extra: Record<string, unknown>): Promise<SandboxDaemon> {
  const daemon = await createDaemon({ config: {} });
  try {
    await daemon.writeConfig({
      hosts: [`unix://${daemon.dir}/docker.sock`, `tcp://127.0.0.1:${tcpPort}`],
      ...extra,
    });
    await daemon.start();
  } catch (e) {
    await daemon.destroy();
    throw e;
  }
  return daemon;
}

/** Expected statuses, checked both in the JSON report and on /metrics. */
type Expect = Record<string, string>;

async function assertVerdicts(daemon: SandboxDaemon, expected: Expect, extraArgs: string[] = []) {
  const args = [`--docker.host=${daemon.host}`, ...extraArgs];
  const { report } = await checkJson(args);
  assert.equal(report.docker.reachable, true, 'Docker reachable');
  for (const [id, status] of Object.entries(expected)) {
    const c = report.controls.find((x) => x.id === id)!;
    assert.equal(c.status, status, `check: ${id} is ${c.status} (${c.reason}), expected ${status}`);
  }
  const exporter = await startTestExporter(args);
  try {
    const m = await exporter.scrape();
    assert.equal(m.get('dockersec_up'), 1);
    for (const [id, status] of Object.entries(expected)) {
      assert.equal(m.status(id), status, `/metrics: ${id}`);
      // A state set: all five series, exactly one of them 1.
      const series = m.all('dockersec_control_status', { control: id });
      assert.equal(series.length, 5);
      assert.equal(series.filter((s) => s.value === 1).length, 1);
    }
    return { report, metrics: m };
  } finally {
    await exporter.close();
  }
}

describe(`verdicts on real daemons (dockerd ${testRelease()})`, { skip, timeout: 300_000 }, () => {
  test('defaults: an empty daemon.json', async () => {
    const daemon = await startDaemon({ config: {} });
    try {
      const { report, metrics } = await assertVerdicts(daemon, {
        rootless: 'fail',
        icc: 'not_applicable', // the sandbox runs without a default bridge
        log_level: 'pass',
        insecure_registries: 'pass',
        storage_driver: 'pass',
        tls: 'not_applicable',
        default_ulimits: 'fail',
        userns_remap: 'fail',
        cgroup_parent: 'pass',
        base_device_size: 'pass',
        authorization_plugin: 'fail',
        remote_logging: 'fail',
        no_new_privileges: 'fail',
        live_restore: 'fail',
        userland_proxy: 'fail',
        seccomp: 'pass',
        experimental: 'pass',
        selinux: 'not_applicable',
        apparmor: 'not_applicable',
        log_rotation: 'fail',
        config_valid: 'pass',
        socket_permissions: 'pass',
        daemon_json_permissions: 'pass',
        daemon_json_ownership: 'pass',
      });
      assert.equal(
        report.docker.apiVersion,
        RELEASE_API_VERSION[testRelease()],
        'API version negotiated from /_ping',
      );
      assert.equal(
        metrics.get('dockersec_source_up', { source: 'dockerd_cmdline' }),
        1,
        'dockerd found in /proc',
      );
      assert.equal(
        metrics.get('dockersec_daemon_option_enabled', { option: 'seccomp', source: 'runtime' }),
        1,
      );
      assert.equal(
        metrics.get('dockersec_daemon_option_enabled', { option: 'userland_proxy', source: 'config' }),
        1,
      );
      assert.ok(
        metrics.get('dockersec_engine_info', { api_version: RELEASE_API_VERSION[testRelease()]! }) === 1,
      );
    } finally {
      await daemon.destroy();
    }
  });

  test('hardened: icc off on a real bridge, no-new-privileges, live-restore, rotation, ulimits', async () => {
    const daemon = await startDaemon({
      bridge: true,
      config: {
        icc: false,
        'no-new-privileges': true,
        'live-restore': true,
        'userland-proxy': false,
        'log-level': 'info',
        'log-opts': { 'max-size': '10m', 'max-file': '3' },
        'default-ulimits': { nofile: { Name: 'nofile', Soft: 64000, Hard: 64000 } },
      },
    });
    try {
      const { metrics } = await assertVerdicts(daemon, {
        icc: 'pass',
        iptables: 'pass',
        log_level: 'pass',
        default_ulimits: 'pass',
        no_new_privileges: 'pass',
        live_restore: 'pass',
        userland_proxy: 'pass',
        log_rotation: 'pass',
        config_valid: 'pass',
        tls: 'not_applicable',
      });
      assert.equal(metrics.get('dockersec_daemon_option_enabled', { option: 'icc', source: 'runtime' }), 0);
      assert.equal(metrics.get('dockersec_daemon_option_enabled', { option: 'icc', source: 'config' }), 0);
      assert.equal(
        metrics.get('dockersec_daemon_option_enabled', { option: 'live_restore', source: 'runtime' }),
        1,
      );
    } finally {
      await daemon.destroy();
    }
  });

  test('insecure: plain TCP listener, debug logging, insecure registries, experimental', async () => {
    const port = await getFreePort();
    const daemon = await startWithHosts(port, {
      debug: true,
      'insecure-registries': ['10.99.0.0/16', 'registry.example:5000'],
      experimental: true,
    });
    try {
      const { report, metrics } = await assertVerdicts(daemon, {
        tls: 'fail',
        log_level: 'fail',
        insecure_registries: 'fail',
        experimental: 'fail',
        config_valid: 'pass',
      });
      // A real scrape, with findings, probes and certificates in it, is what promtool must accept.
      execFileSync('promtool', ['check', 'metrics'], { input: metrics.text });
      const ir = report.controls.find((c) => c.id === 'insecure_registries')!;
      assert.match(ir.reason, /10\.99\.0\.0\/16/);
      assert.match(ir.reason, /registry\.example:5000/);
      // The exporter can also audit the daemon over its TCP listener.
      const overTcp = await checkJson([
        `--docker.host=tcp://127.0.0.1:${port}`,
        `--docker.config-file=${daemon.configPath}`,
      ]);
      assert.equal(overTcp.report.docker.reachable, true);
      assert.equal(statusOf(overTcp.report, 'tls'), 'fail');
      assert.equal(statusOf(overTcp.report, 'socket_permissions'), 'not_applicable');
    } finally {
      await daemon.destroy();
    }
  });

  describe('mTLS on TCP', () => {
    let pki: Pki;
    before(async () => {
      pki = await makePki();
    });
    after(async () => {
      await rm(pki.dir, { recursive: true, force: true });
    });
    test('tlsverify with CA, cert and key passes; the exporter connects with a client certificate', async () => {
      const port = await getFreePort();
      const daemon = await startWithHosts(port, {
        tlsverify: true,
        tlscacert: pki.caCert,
        tlscert: pki.serverCert,
        tlskey: pki.serverKey,
      });
      try {
        await assertVerdicts(daemon, { tls: 'pass', config_valid: 'pass' });
        const tlsArgs = [
          `--docker.host=tcp://127.0.0.1:${port}`,
          `--docker.tls-ca=${pki.caCert}`,
          `--docker.tls-cert=${pki.clientCert}`,
          `--docker.tls-key=${pki.clientKey}`,
          `--docker.config-file=${daemon.configPath}`,
        ];
        const withCert = await checkJson(tlsArgs);
        assert.equal(withCert.report.docker.reachable, true, 'reachable with a client certificate');
        assert.equal(statusOf(withCert.report, 'tls'), 'pass');
        const without = await checkJson([
          `--docker.host=tcp://127.0.0.1:${port}`,
          `--docker.tls-ca=${pki.caCert}`,
        ]);
        assert.equal(without.report.docker.reachable, false, 'refused without a client certificate');
        assert.equal(statusOf(without.report, 'icc'), 'error');
      } finally {
        await daemon.destroy();
      }
    });
  });

  test('flags on the command line instead of the file', async () => {
    const port = await getFreePort();
    const daemon = await startDaemon({
      bridge: true,
      hostNetwork: true,
      config: {},
      args: [
        '--icc=false',
        '--no-new-privileges',
        '--userland-proxy=false',
        '--log-level',
        'debug',
        '--live-restore',
        '-H',
        `tcp://127.0.0.1:${port}`,
      ],
    });
    try {
      const { metrics } = await assertVerdicts(daemon, {
        icc: 'pass',
        no_new_privileges: 'pass',
        userland_proxy: 'pass',
        log_level: 'fail',
        live_restore: 'pass',
        tls: 'fail',
        config_valid: 'pass',
        // Reached over TCP: there is no unix socket to judge.
        socket_permissions: 'not_applicable',
      });
      assert.equal(
        metrics.get('dockersec_daemon_option_enabled', { option: 'no_new_privileges', source: 'config' }),
        1,
      );
      assert.equal(
        metrics.get('dockersec_source_up', { source: 'dockerd_cmdline' }),
        1,
        'dockerd matched by its TCP port',
      );
    } finally {
      await daemon.destroy();
    }
  });
});
