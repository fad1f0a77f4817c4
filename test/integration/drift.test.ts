// daemon.json edited under a running dockerd: the drift is found and named (restart keys, reload keys),
// a SIGHUP applies what it can, a restart applies the rest and the API-based verdicts follow.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  dockerdUnavailableReason,
  type SandboxDaemon,
  startDaemon,
  testRelease,
} from '../support/dockerd.js';
import {
  checkJson,
  type Metrics,
  startTestExporter,
  type TestExporter,
  waitFor,
} from '../support/exporter.js';

const skip = dockerdUnavailableReason() ?? false;

describe(`daemon.json edited under a running daemon (dockerd ${testRelease()})`, {
  skip,
  timeout: 300_000,
}, () => {
  let daemon: SandboxDaemon;
  let exporter: TestExporter;

  before(async () => {
    // A real default bridge, so icc is visible through the API (GET /networks/bridge).
    daemon = await startDaemon({ bridge: true, config: { 'log-level': 'info' } });
    exporter = await startTestExporter([`--docker.host=${daemon.host}`, '--files.poll-interval=200ms']);
  });
  after(async () => {
    await exporter?.close();
    await daemon?.destroy();
  });

  const report = async () => {
    const res = await fetch(`${exporter.url}/report?format=json`);
    return (await res.json()) as {
      controls: { id: string; status: string; reason: string; keys: string[] }[];
    };
  };
  const drift = async () => (await report()).controls.find((c) => c.id === 'config_drift')!;
  async function until(what: string, ok: (m: Metrics) => boolean, timeoutMs = 10_000): Promise<Metrics> {
    return waitFor(
      what,
      async () => {
        const m = await exporter.scrape();
        return ok(m) ? m : false;
      },
      timeoutMs,
      50,
    );
  }

  test('at first the daemon runs what daemon.json says', async () => {
    const m = await exporter.scrape();
    assert.equal(m.status('config_drift'), 'pass', (await drift()).reason);
    assert.equal(m.get('dockersec_daemon_config_restart_pending'), 0);
    assert.equal(m.get('dockersec_daemon_config_reload_pending'), 0);
    assert.equal(m.status('icc'), 'fail');
  });

  test('restart keys edited: drift found and named; the API-based verdict still shows the running daemon', async () => {
    await daemon.writeConfig({
      'log-level': 'info',
      icc: false,
      'no-new-privileges': true,
      'userland-proxy': false,
    });
    const m = await until('restart pending', (x) => x.get('dockersec_daemon_config_restart_pending') === 1);
    assert.equal(m.status('config_drift'), 'fail');
    const d = await drift();
    assert.match(
      d.reason,
      /will change at the next restart: icc: false configured, unset running \(baseline\)/,
    );
    assert.match(d.reason, /no-new-privileges: true configured, unset running/);
    assert.match(d.reason, /userland-proxy: false configured, unset running/);
    assert.deepEqual(d.keys, ['icc', 'no-new-privileges', 'userland-proxy']);
    assert.equal(m.status('icc'), 'fail', 'the default bridge still allows inter-container traffic');
    const started = m.get('dockersec_daemon_start_time_seconds')!;
    assert.ok(m.get('dockersec_daemon_config_mtime_seconds')! > started);
  });

  test('an exporter started after the edit: the API shows icc, the rest is named as unknown', async () => {
    const { report: r } = await checkJson([`--docker.host=${daemon.host}`]);
    const d = r.controls.find((c) => c.id === 'config_drift')!;
    assert.equal(d.status, 'fail');
    assert.match(d.reason, /icc: false configured, true running \(api\)/);
    if (testRelease() === '20.10') {
      // 20.10's /info does not list no-new-privileges among its SecurityOptions.
      assert.match(d.reason, /running value cannot be seen: .*no-new-privileges.*userland-proxy/);
    } else {
      assert.match(d.reason, /no-new-privileges: true configured, false running \(api\)/);
      assert.match(d.reason, /running value cannot be seen: .*userland-proxy/);
    }
    assert.ok(d.keys.includes('userland-proxy'), JSON.stringify(d.keys));
    assert.match(d.reason, /changed at .*after dockerd started at/);
  });

  test('a reload key edited: named as not reloaded; SIGHUP applies it and only the restart keys remain', async () => {
    await daemon.writeConfig({
      'log-level': 'info',
      icc: false,
      'no-new-privileges': true,
      'userland-proxy': false,
      debug: true,
      // Labels are not in what the exporter reads of /info: only the reload event can tell they applied.
      labels: ['env=drift-test'],
    });
    await until('reload pending', (x) => x.get('dockersec_daemon_config_reload_pending') === 1);
    const pending = (await drift()).reason;
    assert.match(pending, /changed but not reloaded \(SIGHUP\): debug: true configured, unset running/);
    assert.match(pending, /labels: \["env=drift-test"\] configured, unset running/);
    const reloaded = await daemon.reload();
    assert.equal(reloaded.outcome, 'reloaded', reloaded.message);
    const m = await until('reload applied', (x) => x.get('dockersec_daemon_config_reload_pending') === 0);
    assert.equal(m.get('dockersec_daemon_config_restart_pending'), 1, 'a reload does not apply restart keys');
    assert.doesNotMatch((await drift()).reason, /debug|labels/);
  });

  test('restart: drift gone, the new verdicts in place', async () => {
    const before = (await exporter.scrape()).get('dockersec_daemon_start_time_seconds')!;
    await daemon.restart();
    const m = await until(
      'restarted and evaluated',
      (x) => x.get('dockersec_up') === 1 && (x.get('dockersec_daemon_start_time_seconds') ?? 0) > before,
      30_000,
    );
    await until('drift gone', (x) => x.status('config_drift') === 'pass', 15_000);
    const after = await exporter.scrape();
    assert.equal(after.get('dockersec_daemon_config_restart_pending'), 0);
    assert.equal(after.get('dockersec_daemon_config_reload_pending'), 0);
    assert.equal(
      after.status('icc'),
      'pass',
      'the restarted daemon isolates containers on the default bridge',
    );
    assert.ok(m.get('dockersec_daemon_start_time_seconds')! > before);
  });
});

// The case of issue 13: only keys the daemon does not reveal were edited. Without a baseline (check, or an
// exporter started after the edit) a match cannot be claimed: the keys are named as pending.
describe(`an edit the daemon does not reveal (dockerd ${testRelease()})`, { skip, timeout: 300_000 }, () => {
  let daemon: SandboxDaemon;
  before(async () => {
    daemon = await startDaemon({ config: { 'log-level': 'info' } });
    await daemon.writeConfig({ 'log-level': 'info', 'userland-proxy': false, 'max-concurrent-downloads': 5 });
  });
  after(async () => {
    await daemon?.destroy();
  });

  const judged = (d: { status: string; reason: string; keys: string[] }) => {
    assert.equal(d.status, 'fail', d.reason);
    assert.doesNotMatch(d.reason, /matches/);
    // log-level was not edited, but after an edit nothing shows what dockerd runs for it either.
    assert.match(
      d.reason,
      /running value cannot be seen: log-level, max-concurrent-downloads, userland-proxy \(.*changed at .*after dockerd started at/,
    );
    assert.deepEqual(d.keys, ['log-level', 'max-concurrent-downloads', 'userland-proxy']);
  };

  test('check without a baseline fails config_drift and names the keys', async () => {
    const { report: r } = await checkJson([`--docker.host=${daemon.host}`]);
    judged(r.controls.find((c) => c.id === 'config_drift')!);
  });

  test('a server started after the edit says the same', async () => {
    const exporter = await startTestExporter([`--docker.host=${daemon.host}`]);
    try {
      const res = await fetch(`${exporter.url}/report?format=json`);
      const r = (await res.json()) as {
        controls: { id: string; status: string; reason: string; keys: string[] }[];
      };
      judged(r.controls.find((c) => c.id === 'config_drift')!);
    } finally {
      await exporter.close();
    }
  });
});
