// Never hang, never lie: the exporter against a hostile or broken Docker API (test/support/fakeDockerApi.ts). Every
// request has a deadline over its whole answer and a size cap, a stuck evaluation is abandoned, `check` never exits
// 0 without a report, and a flapping or garbled events stream cannot make the exporter hammer the daemon.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { runCheck } from '../../src/cli/check.js';
import { type CheckOptions, parseArgs } from '../../src/cli/flags.js';
import { wire } from '../../src/cli/wiring.js';
import { CATALOG } from '../../src/controls/catalog.js';
import type { FactCollector } from '../../src/evaluation/collector.js';
import { jittered, Monitor } from '../../src/evaluation/monitor.js';
import type { Facts } from '../../src/facts/types.js';
import { silentLogger } from '../../src/log.js';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';
import { exporterRegistry } from '../../src/outputs/metrics/exporterMetrics.js';
import { INSPECT_CONCURRENCY } from '../../src/sources/containers/inventory.js';
import { HostPaths } from '../../src/sources/hostPaths.js';
import {
  type CheckReport,
  runCli,
  startTestExporter,
  type TestExporter,
  waitFor,
} from '../support/exporter.js';
import { FakeDockerApi } from '../support/fakeDockerApi.js';

const MiB = 1024 * 1024;

let dir: string;
let configFile: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dockersec-faults-'));
  configFile = join(dir, 'daemon.json');
  await writeFile(configFile, '{}\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const args = (api: FakeDockerApi, timeout = '1s') => [
  `--docker.host=${api.host}`,
  `--docker.config-file=${configFile}`,
  `--docker.timeout=${timeout}`,
];

function checkOptions(api: FakeDockerApi, timeout = '1s'): CheckOptions {
  const parsed = parseArgs(['check', ...args(api, timeout)], { DOCKER_HOST: '' });
  if (parsed.command !== 'check') throw new Error('expected check options');
  return parsed;
}

/** One collection as `check` does it, in-process: the facts of every source. */
async function collectOnce(
  api: FakeDockerApi,
  timeout = '1s',
): Promise<{ facts: Facts; failures: string[] }> {
  const w = wire(checkOptions(api, timeout));
  const facts = await w.collector.collect('all');
  w.api.close();
  return { facts, failures: w.requests.failureEntries().map((e) => `${e.method} ${e.endpoint}`) };
}

const errorOf = (fact: { ok: boolean; error?: string }): string => (fact.ok ? '' : (fact.error ?? ''));

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
}

describe('check against a broken Docker API', { timeout: 60_000 }, () => {
  let cut: FakeDockerApi;
  let hung: FakeDockerApi;
  beforeEach(async () => {
    [cut, hung] = await Promise.all([FakeDockerApi.start(2), FakeDockerApi.start(2)]);
  });
  afterEach(async () => {
    await Promise.all([cut.close(), hung.close()]);
  });

  test('a cut-off body and a hung request end in a complete report with the reason, within the deadline', async () => {
    cut.fault('version', { kind: 'cut' });
    hung.fault('info', { kind: 'hang' });
    const [a, b] = await Promise.all([
      timed(runCli(['check', '--format', 'json', ...args(cut)], { timeoutMs: 20_000 })),
      timed(runCli(['check', '--format', 'json', ...args(hung)], { timeoutMs: 20_000 })),
    ]);
    for (const [r, reason] of [
      [a, /GET \/version: connection closed after \d+ bytes, before the answer was complete \(cut off\)/],
      [b, /GET \/info: no complete answer within 1000 ms/],
    ] as const) {
      // Node's start-up through tsx is most of it; without the deadline the hung run never ends.
      assert.ok(r.ms < 15_000, `took ${r.ms} ms`);
      const report = JSON.parse(r.value.stdout) as CheckReport & {
        sources: Record<string, { up: boolean; error: string | null }>;
      };
      assert.equal(report.docker.reachable, false);
      assert.equal(report.sources.docker_api!.up, false);
      assert.match(report.sources.docker_api!.error!, reason);
      // The API controls say they could not decide, with that reason; config controls keep their verdicts.
      assert.ok(report.controls.some((c) => c.status === 'error' && reason.test(c.reason)));
      assert.ok(report.summary.fail! > 0);
      assert.equal(r.value.code, 1, r.value.stderr);
    }
  });

  test('an evaluation that cannot finish is exit 2 with a one-line reason, and no report', async () => {
    const opts = checkOptions(cut);
    let stderr = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      stderr += chunk;
      return true;
    }) as typeof process.stderr.write;
    let code: number;
    try {
      const stuck = { collect: () => new Promise<Facts>(() => {}) };
      code = await runCheck(opts, loadBuildInfo(), { collector: stuck, deadlineMs: 300 });
    } finally {
      process.stderr.write = write;
    }
    assert.equal(code, 2);
    assert.match(
      stderr,
      /^dockersec-exporter: check could not judge: the evaluation did not finish within 300 ms/,
    );
    assert.equal(stderr.trim().split('\n').length, 1);
  });
});

describe('the Docker API source', { timeout: 60_000 }, () => {
  let api: FakeDockerApi;
  beforeEach(async () => {
    api = await FakeDockerApi.start(3);
  });
  afterEach(async () => {
    await api.close();
  });

  test('a malformed or non-JSON /version or /info fails the source instead of "up with no version"', async () => {
    for (const [endpoint, kind, reason] of [
      ['version', 'malformed', /GET \/version: answer is not valid JSON \(application\/json/],
      ['version', 'nonJson', /GET \/version: answer is not valid JSON \(text\/html/],
      ['info', 'nonJson', /GET \/info: answer is not valid JSON \(text\/html/],
    ] as const) {
      api.clearFaults();
      api.fault(endpoint, { kind });
      const { facts, failures } = await collectOnce(api);
      assert.equal(facts.api.ok, false, `${endpoint} ${kind}`);
      assert.match(errorOf(facts.api), reason);
      assert.ok(failures.includes(`GET /${endpoint}`), JSON.stringify(failures));
    }
    api.clearFaults();
    const { facts } = await collectOnce(api);
    assert.ok(facts.api.ok && facts.api.value.version.version === '24.0.7');
  });

  test('a slow answer within the deadline is fine; past it, the request fails and is counted', async () => {
    api.fault('info', { kind: 'slow', ms: 200 });
    assert.equal((await collectOnce(api, '1s')).facts.api.ok, true);
    api.fault('info', { kind: 'slow', ms: 1_500 });
    const { facts, failures } = await collectOnce(api, '300ms');
    assert.match(errorOf(facts.api), /GET \/info: no complete answer within 300 ms/);
    assert.deepEqual(failures, ['GET /info']);
  });

  test('a body over 16 MiB fails that request, read no further than the cap', async () => {
    api.fault('inspect', { kind: 'huge', bytes: 50 * MiB });
    const rssBefore = process.memoryUsage().rss;
    const { facts, failures } = await collectOnce(api, '5s');
    assert.equal(facts.containers.ok, false);
    assert.match(
      errorOf(facts.containers),
      /GET \/containers\/\{id\}\/json: answer larger than 16 MiB, refused/,
    );
    assert.ok(failures.includes('GET /containers/{id}/json'));
    // Each answer was cut at the cap: the daemon side never got to write the 50 MiB.
    assert.ok(api.hugeBytesSent.length > 0);
    for (const sent of api.hugeBytesSent) assert.ok(sent < 20 * MiB, `${sent} bytes sent`);
    // Three 16 MiB answers at most in memory at once, never 3 x 50 MiB (plus their strings).
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 120 * MiB, `RSS grew by ${Math.round(grown / MiB)} MiB`);
  });

  test('a hung inspect fails the container source at the deadline, and the rest of the round is not sent', async () => {
    for (let i = 0; i < 20; i++) api.addContainer(`more${i}`);
    api.fault('inspect', { kind: 'hang' });
    const { value, ms } = await timed(collectOnce(api, '500ms'));
    assert.equal(value.facts.containers.ok, false);
    assert.match(errorOf(value.facts.containers), /no complete answer within 500 ms/);
    // 23 containers, INSPECT_CONCURRENCY (16) inspects at a time: one round of deadlines, not two.
    assert.ok(ms < 2_500, `took ${ms} ms`);
    assert.ok(api.count('inspect') <= INSPECT_CONCURRENCY, `${api.count('inspect')} inspects sent`);
  });
});

describe('the Docker API client TLS files', { timeout: 30_000 }, () => {
  test('a FIFO or an over-large file as the client CA fails the source at once, without blocking', async () => {
    const fifo = join(dir, 'ca-fifo.pem');
    const huge = join(dir, 'ca-huge.pem');
    execFileSync('mkfifo', [fifo]);
    await writeFile(huge, Buffer.alloc(MiB + 1, 0x41));
    for (const [ca, reason] of [
      [fifo, /cannot read TLS file .*ca-fifo\.pem: .* is a fifo, not a regular file/],
      [huge, /cannot read TLS file .*ca-huge\.pem: .* is over the 1 MiB limit/],
    ] as const) {
      const parsed = parseArgs(
        ['check', '--docker.host=tcp://127.0.0.1:9', '--docker.tls-verify', `--docker.tls-ca=${ca}`],
        { DOCKER_HOST: '' },
      );
      if (parsed.command !== 'check') throw new Error('expected check options');
      const w = wire({ ...parsed, configFile });
      // A timer that still fires shows the event loop was never blocked by the read.
      let ticks = 0;
      const tick = setInterval(() => ticks++, 5);
      const { value: facts, ms } = await timed(w.collector.collect('all'));
      clearInterval(tick);
      w.api.close();
      assert.equal(facts.api.ok, false);
      assert.match(errorOf(facts.api), reason);
      assert.ok(ms < 2_000, `took ${ms} ms`);
      assert.ok(ticks > 0 || ms < 10);
    }
  });
});

describe('serve against a broken Docker API', { timeout: 60_000 }, () => {
  let api: FakeDockerApi;
  let exporter: TestExporter | null = null;
  beforeEach(async () => {
    api = await FakeDockerApi.start(3);
  });
  afterEach(async () => {
    await exporter?.close();
    exporter = null;
    await api.close();
  });

  test('a hung request fails its source; later triggers still evaluate', async () => {
    api.fault('inspect', { kind: 'hang' });
    exporter = await startTestExporter(args(api, '500ms'));
    const m1 = await exporter.scrape();
    assert.equal(m1.get('dockersec_source_up', { source: 'containers' }), 0);
    assert.equal(m1.get('dockersec_source_up', { source: 'docker_api' }), 1);
    assert.ok(
      (m1.get('dockersec_docker_api_request_failures_total', {
        method: 'GET',
        endpoint: '/containers/{id}/json',
      }) ?? 0) >= 1,
    );
    const t1 = m1.get('dockersec_last_evaluation_timestamp_seconds')!;

    // The daemon hangs on everything now: evaluations still end, each at its deadline.
    api.fault('version', { kind: 'hang' });
    exporter.exporter.monitor.trigger('resync');
    const m2 = await waitFor(
      'an evaluation with the API down',
      async () => {
        const m = await exporter!.scrape();
        return m.get('dockersec_last_evaluation_timestamp_seconds')! > t1 && m;
      },
      5_000,
    );
    assert.equal(m2.get('dockersec_up'), 0);

    api.clearFaults();
    exporter.exporter.monitor.trigger('resync');
    await waitFor(
      'the daemon back',
      async () => {
        const m = await exporter!.scrape();
        return m.get('dockersec_up') === 1 && m.get('dockersec_source_up', { source: 'containers' }) === 1;
      },
      5_000,
    );
    assert.equal((await exporter.scrape()).get('dockersec_evaluations_abandoned_total'), 0);
  });

  test('close() (SIGTERM) resolves within seconds while an evaluation waits on a hung request', async () => {
    exporter = await startTestExporter(args(api, '30s'));
    api.fault('ping', { kind: 'hang' });
    const pings = api.count('ping');
    exporter.exporter.monitor.trigger('resync');
    await waitFor('the hung request', () => api.count('ping') > pings, 5_000);
    const { ms } = await timed(exporter.close());
    exporter = null;
    assert.ok(ms < 4_000, `close took ${ms} ms`);
  });

  test('a flapping events stream: bounded reconnects, and a reconnect inspects only what changed', async () => {
    for (let i = 3; i < 12; i++) api.addContainer(`c${i}`);
    api.eventsMode = 'flap';
    exporter = await startTestExporter(args(api));
    await exporter.exporter.monitor.settled();
    const from = api.requests.length;
    const connectsBefore = api.events.length;
    // One container changes while the stream is down: the next re-list inspects it, and only it.
    api.containers[4]!.state = 'paused';
    await new Promise((r) => setTimeout(r, 5_000));
    await exporter.exporter.monitor.settled();
    const window = api.requests.slice(from);
    const connects = api.events.length - connectsBefore;
    const of = (e: string) => window.filter((r) => r.endpoint === e).length;
    // 250 ms doubling (jittered to half or more): at most 250+500+1000+2000 ms of waits fit in 5 s, plus one.
    assert.ok(connects <= 6, `${connects} reconnects in 5 s`);
    assert.ok(connects >= 2, `${connects} reconnects in 5 s`);
    // Per reconnect: /_ping, /version, /info, the bridge and one list, no more.
    assert.ok(window.length <= connects * 6 + 6, `${window.length} requests in 5 s`);
    assert.ok(of('list') <= connects + 1, `${of('list')} lists`);
    const inspected = window.filter((r) => r.endpoint === 'inspect').map((r) => r.path);
    assert.deepEqual(
      [...new Set(inspected)].map((p) => p.includes(api.containers[4]!.id)),
      [true],
      `inspected: ${inspected.join(' ')}`,
    );
    assert.ok(of('top') <= 2, `${of('top')} process lists`);
  });

  test('an events line without a newline is cut at 1 MiB and the stream reconnects', async () => {
    api.eventsMode = 'noNewline';
    const rssBefore = process.memoryUsage().rss;
    exporter = await startTestExporter(args(api));
    await waitFor('a second events connection', () => api.events.length >= 2 && api.events[0]!.closed, 5_000);
    const first = api.events[0]!;
    // The client stopped reading a little past the cap (socket buffers hold the rest).
    assert.ok(first.bytesSent < 4 * MiB, `${first.bytesSent} bytes sent before the client hung up`);
    assert.ok(first.bytesSent > 1 * MiB, `${first.bytesSent} bytes sent`);
    // Still evaluating, and memory stays flat whatever the stream sends.
    await new Promise((r) => setTimeout(r, 1_000));
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < 150 * MiB, `RSS grew by ${Math.round(grown / MiB)} MiB`);
    assert.equal((await exporter.scrape()).get('dockersec_up'), 1);
  });

  test('garbage lines on the events stream are skipped: no reconnect, the real events still count', async () => {
    api.eventsMode = 'garbage';
    exporter = await startTestExporter(args(api));
    const monitor = exporter.exporter.monitor;
    await waitFor(
      'daemon events evaluated',
      () => (monitor.triggerCounts.get('docker_event') ?? 0) >= 3,
      5_000,
    );
    assert.equal(api.events.length, 1, 'the stream was never reopened');
    assert.equal(monitor.dockerEventsConnected, true);
  });
});

describe('the evaluation watchdog', { timeout: 30_000 }, () => {
  let api: FakeDockerApi;
  before(async () => {
    api = await FakeDockerApi.start(1);
  });
  after(async () => {
    await api.close();
  });

  test('a stuck evaluation is abandoned, counted, and never blocks the next one', async () => {
    const { facts } = await collectOnce(api);
    const w = wire(checkOptions(api));
    // A collector whose first and third collections never end (a read stuck beyond every deadline).
    let calls = 0;
    const late: ((f: Facts) => void)[] = [];
    const collector = {
      lastFacts: null,
      collect: () => {
        calls++;
        if (calls === 1 || calls === 3) return new Promise<Facts>((r) => late.push(r));
        return Promise.resolve({ ...facts, collectedAt: Date.now() });
      },
    } as unknown as FactCollector;
    const monitor = new Monitor({
      collector,
      api: w.api,
      catalog: CATALOG,
      paths: new HostPaths('/'),
      logger: silentLogger,
      resyncIntervalMs: 300_000,
      statPollIntervalMs: 300_000,
      evaluationTimeoutMs: 300,
    });
    const registry = exporterRegistry({ monitor, requests: w.requests, processMetrics: false });
    try {
      const first = await monitor.start();
      assert.equal(calls, 2, 'the stuck startup evaluation was tried again');
      assert.equal(monitor.abandonedEvaluations, 1);

      monitor.trigger('resync');
      await waitFor('the third evaluation abandoned', () => monitor.abandonedEvaluations === 2, 3_000);
      monitor.trigger('config_change');
      await waitFor('a later trigger evaluated', () => monitor.latest !== first, 3_000);
      const current = monitor.latest;
      // The stuck ones finish at last: their results are dropped.
      for (const r of late) r({ ...facts, collectedAt: 1 });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(monitor.latest, current);
      const exposition = await registry.metrics();
      assert.match(exposition, /^dockersec_evaluations_abandoned_total 2$/m);
      execFileSync('promtool', ['check', 'metrics'], { input: exposition });

      // stop() never waits for good on a stuck evaluation.
      monitor.trigger('resync');
      calls = 2;
      await waitFor('an evaluation in flight', () => calls === 3, 3_000);
      const { ms } = await timed(monitor.stop(500));
      assert.ok(ms < 1_500, `stop took ${ms} ms`);
    } finally {
      await monitor.stop(100);
      w.api.close();
    }
  });

  test('reconnect delays: jittered between half the delay and the delay', () => {
    assert.equal(
      jittered(1_000, () => 0),
      500,
    );
    assert.equal(
      jittered(1_000, () => 1),
      1_000,
    );
    for (let i = 0; i < 100; i++) {
      const d = jittered(30_000);
      assert.ok(d >= 15_000 && d <= 30_000, String(d));
    }
  });
});
