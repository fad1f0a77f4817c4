// A running exporter follows daemon.json edits, file metadata changes and a daemon restart by itself.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createDaemon,
  dockerdUnavailableReason,
  type SandboxDaemon,
  startDaemon,
} from '../support/dockerd.js';
import { startTestExporter, type TestExporter, waitFor } from '../support/exporter.js';

const skip = dockerdUnavailableReason() ?? false;

describe('a running exporter under change', { skip, timeout: 240_000 }, () => {
  let daemon: SandboxDaemon;
  let exporter: TestExporter;

  before(async () => {
    daemon = await startDaemon({ config: {} });
    // No --docker.config-file: the exporter must find daemon.json through the running dockerd's --config-file.
    exporter = await startTestExporter([`--docker.host=${daemon.host}`, '--files.poll-interval=200ms']);
  });
  after(async () => {
    await exporter?.close();
    await daemon?.destroy();
  });

  /** Waits until /metrics shows `status` for `control`; returns how long it took. */
  async function until(control: string, status: string, timeoutMs = 5_000): Promise<number> {
    const started = Date.now();
    await waitFor(
      `${control}=${status}`,
      async () => (await exporter.scrape()).status(control) === status,
      timeoutMs,
      20,
    );
    return Date.now() - started;
  }

  test('found daemon.json through dockerd', async () => {
    const report = exporter.exporter.monitor.latest!;
    assert.equal(report.daemonConfigPath, daemon.configPath);
    assert.equal(report.sources.dockerd_cmdline.up, true);
    assert.equal((await exporter.scrape()).status('userland_proxy'), 'fail');
  });

  test('an in-place edit shows within 1 s', async () => {
    await writeFile(daemon.configPath, JSON.stringify({ 'userland-proxy': false }));
    const ms = await until('userland_proxy', 'pass', 5_000);
    assert.ok(ms < 1_000, `took ${ms} ms`);
  });

  test('an atomic rename-over (how editors write) shows within 1 s', async () => {
    const tmp = `${daemon.configPath}.tmp`;
    await writeFile(tmp, JSON.stringify({ 'userland-proxy': false, 'log-level': 'debug' }));
    await rename(tmp, daemon.configPath);
    const ms = await until('log_level', 'fail', 5_000);
    assert.ok(ms < 1_000, `took ${ms} ms`);
  });

  test('delete and re-create', async () => {
    await unlink(daemon.configPath);
    await until('userland_proxy', 'fail');
    assert.equal((await exporter.scrape()).status('daemon_json_permissions'), 'not_applicable');
    await writeFile(daemon.configPath, JSON.stringify({ 'userland-proxy': false }));
    const ms = await until('userland_proxy', 'pass');
    assert.ok(ms < 1_000, `took ${ms} ms`);
  });

  test('broken JSON: config_valid fails with the position, nothing crashes, config-based controls turn error', async () => {
    await writeFile(daemon.configPath, '{\n  "userland-proxy": false\n  "icc": false\n}\n');
    await until('config_valid', 'fail');
    type Report = { controls: { id: string; status: string; reason: string }[] };
    const read = async () => (await (await fetch(`${exporter.url}/report?format=json`)).json()) as Report;
    // writeFile truncates before it writes: the exporter may first (truly) see an empty file, then the text.
    let report = await read();
    await waitFor('the broken text judged, not the truncated file', async () => {
      report = await read();
      return !/the file is empty/.test(report.controls.find((c) => c.id === 'config_valid')!.reason);
    });
    const cv = report.controls.find((c) => c.id === 'config_valid')!;
    assert.match(cv.reason, /line 3/);
    assert.match(cv.reason, /column 3/);
    assert.equal(report.controls.find((c) => c.id === 'userland_proxy')!.status, 'error');
    // API-based verdicts are untouched by a broken file.
    assert.equal(report.controls.find((c) => c.id === 'seccomp')!.status, 'pass');
    await writeFile(daemon.configPath, JSON.stringify({ 'userland-proxy': false }));
    await until('config_valid', 'pass');
  });

  test('chmod of daemon.json is seen', async () => {
    await chmod(daemon.configPath, 0o666);
    await until('daemon_json_permissions', 'fail');
    await chmod(daemon.configPath, 0o644);
    await until('daemon_json_permissions', 'pass');
  });

  test('daemon stopped and started: dockersec_up 0 then 1, API controls error then back', async () => {
    await daemon.stop();
    await waitFor('dockersec_up 0', async () => (await exporter.scrape()).get('dockersec_up') === 0, 10_000);
    const down = await exporter.scrape();
    assert.equal(down.status('seccomp'), 'error');
    assert.equal(down.status('userland_proxy'), 'pass', 'daemon.json verdicts stay');
    assert.equal(down.status('daemon_json_permissions'), 'pass', 'file verdicts stay');
    assert.equal(down.get('dockersec_source_up', { source: 'docker_api' }), 0);
    await daemon.start();
    await waitFor('dockersec_up 1', async () => (await exporter.scrape()).get('dockersec_up') === 1, 15_000);
    await until('seccomp', 'pass');
  });
});

describe('a config directory that appears later', { skip, timeout: 120_000 }, () => {
  let daemon: SandboxDaemon;
  let exporter: TestExporter;
  let base: string;

  before(async () => {
    daemon = await startDaemon({ config: {} });
    base = await mkdtemp(join(tmpdir(), 'dockersec-later-'));
  });
  after(async () => {
    await exporter?.close();
    await daemon?.destroy();
    await rm(base, { recursive: true, force: true });
  });

  test('is picked up within 1 s of the file being written', async () => {
    const file = join(base, 'etc', 'docker', 'daemon.json');
    exporter = await startTestExporter([`--docker.host=${daemon.host}`, `--docker.config-file=${file}`]);
    assert.equal((await exporter.scrape()).status('daemon_json_permissions'), 'not_applicable');
    await mkdir(join(base, 'etc'));
    await new Promise((r) => setTimeout(r, 200));
    await mkdir(join(base, 'etc', 'docker'));
    await writeFile(file, JSON.stringify({ 'userland-proxy': false }));
    const started = Date.now();
    await waitFor(
      'userland_proxy pass',
      async () => (await exporter.scrape()).status('userland_proxy') === 'pass',
      5_000,
      20,
    );
    const ms = Date.now() - started;
    assert.ok(ms < 1_000, `took ${ms} ms`);
  });
});

describe('an exporter started before its daemon', { skip, timeout: 120_000 }, () => {
  test('reports the daemon down, then connects by itself when it comes up', async () => {
    const daemon = await createDaemon({ config: { 'userland-proxy': false } });
    let exporter: TestExporter | undefined;
    try {
      exporter = await startTestExporter([
        `--docker.host=${daemon.host}`,
        `--docker.config-file=${daemon.configPath}`,
      ]);
      const down = await exporter.scrape();
      assert.equal(down.get('dockersec_up'), 0);
      assert.equal(down.status('seccomp'), 'error');
      assert.equal(down.status('userland_proxy'), 'pass', 'daemon.json verdicts do not need the daemon');
      await daemon.start();
      await waitFor(
        'dockersec_up 1',
        async () => (await exporter!.scrape()).get('dockersec_up') === 1,
        15_000,
      );
      assert.equal((await exporter.scrape()).status('seccomp'), 'pass');
    } finally {
      await exporter?.close();
      await daemon.destroy();
    }
  });
});
