// The container inventory under a running exporter: containers created, started, renamed, updated, paused and
// removed show up by Docker events alone; a daemon restart rebuilds the inventory with nothing stale left.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { type Metrics, startTestExporter, type TestExporter, waitFor } from '../support/exporter.js';

const skip = dockerdUnavailableReason() ?? false;

const SSHD_SCRIPT =
  'printf "#!/bin/sh\\nwhile :; do sleep 1; done\\n" > /tmp/sshd && chmod +x /tmp/sshd && exec /tmp/sshd';

/** Names of the containers failing `control` in a scrape. */
const failing = (m: Metrics, control: string) =>
  m
    .all('dockersec_container_control_failing', { control })
    .map((s) => s.labels.container!)
    .sort();

const apiRequests = (m: Metrics) =>
  m.all('dockersec_docker_api_requests_total').reduce((n, s) => n + s.value, 0);

describe('the container inventory under a running exporter', { skip, timeout: 300_000 }, () => {
  let daemon: SandboxDaemon;
  let exporter: TestExporter;

  const docker = async (args: string[]) => {
    const r = await daemon.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  /** Waits until a scrape satisfies `ok`; returns how long that took. */
  const until = async (what: string, ok: (m: Metrics) => boolean, timeoutMs = 10_000) => {
    const started = performance.now();
    await waitFor(what, async () => ok(await exporter.scrape()), timeoutMs, 10);
    return performance.now() - started;
  };

  before(async () => {
    daemon = await startDaemon({ config: {} });
    await daemon.importBusybox();
    exporter = await startTestExporter([`--docker.host=${daemon.host}`]);
  });
  after(async () => {
    await exporter?.close();
    await daemon?.destroy();
  });

  test('starts with an empty inventory', async () => {
    const m = await exporter.scrape();
    assert.equal(m.get('dockersec_source_up', { source: 'containers' }), 1);
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_memory_limit' }), 0);
  });

  test('a created container appears, and a started one, by their events', async (t) => {
    await docker(['create', '--name', 'alpha', '--init', '--network', 'none', 'busybox', 'sleep', '1d']);
    const created = await until('alpha listed', (m) =>
      failing(m, 'container_memory_limit').includes('alpha'),
    );
    await docker(['run', '-d', '--name', 'beta', '--init', '--network', 'none', 'busybox', 'sleep', '1d']);
    const started = await until('beta listed', (m) => failing(m, 'container_memory_limit').includes('beta'));
    t.diagnostic(
      `docker create -> /metrics ${created.toFixed(0)} ms; docker run -> /metrics ${started.toFixed(0)} ms`,
    );
  });

  test('a rename replaces the name, with no series left under the old one', async () => {
    await docker(['rename', 'alpha', 'gamma']);
    await until('gamma replaces alpha', (m) => {
      const names = failing(m, 'container_memory_limit');
      return names.includes('gamma') && !names.includes('alpha');
    });
    const m = await exporter.scrape();
    assert.deepEqual(m.all('dockersec_container_control_failing', { container: 'alpha' }), []);
  });

  test('docker update is seen: a memory limit added to a running container', async () => {
    await docker(['update', '--memory', '64m', '--memory-swap', '128m', 'beta']);
    await until('beta has a memory limit', (m) => !failing(m, 'container_memory_limit').includes('beta'));
  });

  test('sshd started by docker exec is found from the process list', async () => {
    await docker(['exec', '-d', 'beta', 'sh', '-c', SSHD_SCRIPT]);
    await until('beta runs sshd', (m) => failing(m, 'container_sshd').includes('beta'));
  });

  test('paused containers stay in scope; stopped ones leave it', async () => {
    await docker(['pause', 'beta']);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(failing(await exporter.scrape(), 'container_sshd').includes('beta'));
    await docker(['unpause', 'beta']);
    await docker(['stop', '-t', '1', 'beta']);
    await until(
      'beta gone',
      (m) => m.all('dockersec_container_control_failing', { container: 'beta' }).length === 0,
    );
  });

  test('a removed container leaves no series behind', async () => {
    await docker(['rm', '-f', 'gamma']);
    await until(
      'gamma gone',
      (m) => m.all('dockersec_container_control_failing', { container: 'gamma' }).length === 0,
    );
    const m = await exporter.scrape();
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_memory_limit' }), 0);
  });

  test('scrapes and an idle daemon cost no Docker API request', async () => {
    // Let follow-up process listings after the last start and exec pass.
    await new Promise((r) => setTimeout(r, 2_500));
    await exporter.exporter.monitor.settled();
    const before = apiRequests(await exporter.scrape());
    for (let i = 0; i < 20; i++) await exporter.scrape();
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(apiRequests(await exporter.scrape()), before);
  });

  test('health checks (execs every second) cost no Docker API request', async () => {
    await docker([
      'run',
      '-d',
      '--name',
      'healthy',
      '--init',
      '--network',
      'none',
      '--health-cmd',
      'true && echo "ok"',
      '--health-interval',
      '1s',
      'busybox',
      'sleep',
      '1d',
    ]);
    await until('healthy listed', (m) => failing(m, 'container_memory_limit').includes('healthy'));
    await new Promise((r) => setTimeout(r, 2_500));
    await exporter.exporter.monitor.settled();
    const before = apiRequests(await exporter.scrape());
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(apiRequests(await exporter.scrape()), before, 'health check execs triggered requests');
    await docker(['rm', '-f', 'healthy']);
  });

  test('an idle events stream stays connected past --docker.timeout: no reconnect, no resync', async () => {
    // Let the last removal's events (destroy, network disconnect) be evaluated first.
    await new Promise((r) => setTimeout(r, 1_500));
    await exporter.exporter.monitor.settled();
    const before = await exporter.scrape();
    const reconnects = (m: Metrics) => m.get('dockersec_evaluations_total', { trigger: 'reconnect' }) ?? 0;
    // --docker.timeout is 10 s by default.
    await new Promise((r) => setTimeout(r, 13_000));
    const after = await exporter.scrape();
    assert.equal(reconnects(after), reconnects(before));
    assert.equal(apiRequests(after), apiRequests(before));
  });

  test('a daemon restart rebuilds the inventory: nothing stale is left behind', async () => {
    await docker(['create', '--name', 'keep', 'busybox', 'sleep', '1d']);
    const vanishId = await docker(['create', '--name', 'vanish', 'busybox', 'sleep', '1d']);
    await docker(['run', '-d', '--name', 'runner', '--init', '--network', 'none', 'busybox', 'sleep', '1d']);
    await until('all three listed', (m) =>
      ['keep', 'runner', 'vanish'].every((n) => failing(m, 'container_memory_limit').includes(n)),
    );

    await daemon.stop();
    await until(
      'containers source down',
      (m) => m.get('dockersec_source_up', { source: 'containers' }) === 0,
    );
    const down = await exporter.scrape();
    assert.equal(down.status('container_memory_limit'), 'error');
    assert.deepEqual(
      down.all('dockersec_container_control_failing'),
      [],
      'no findings from a daemon that is gone',
    );

    // Gone while the exporter could not see it: no destroy event will ever say so.
    await rm(join(daemon.dir, 'root', 'containers', vanishId), { recursive: true, force: true });
    await daemon.start();
    await until(
      'containers source up',
      (m) => m.get('dockersec_source_up', { source: 'containers' }) === 1,
      20_000,
    );
    const m = await exporter.scrape();
    assert.deepEqual(
      failing(m, 'container_memory_limit'),
      ['keep'],
      'runner stopped with the daemon, vanish is gone',
    );
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_memory_limit' }), 1);
  });
});
