// Benchmark of the container inventory and the runtime controls against a real sandboxed dockerd, in two
// scenarios: 100 running containers, then 1000 created ones. Run as root:
//   npx tsx bench/containers.ts [--running 100] [--created 1000] [--scrapes 1000] [--idle 60] [--runs 10]
// In this process: a full resync (list, inspect every container, process lists) and the evaluation of the
// catalog over its facts. In a child process running the built exporter as it ships (node dist/cli.js, built
// into .bench/): /metrics latency, RSS, Docker API requests while idle, and `docker run` -> /metrics.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs, type ServeOptions } from '../src/cli/flags.js';
import { wire } from '../src/cli/wiring.js';
import { CATALOG } from '../src/controls/catalog.js';
import { evaluate } from '../src/evaluation/evaluate.js';
import { loadBuildInfo } from '../src/outputs/buildInfo.js';
import { ContainerSeriesBudget } from '../src/outputs/metrics/containerMetrics.js';
import { renderEvaluation } from '../src/outputs/metrics/evaluationMetrics.js';
import { type SandboxDaemon, startDaemon } from '../test/support/dockerd.js';
import { ROOT } from '../test/support/exporter.js';
import { getFreePort } from '../test/support/ports.js';
import { agent, get, pct, rssMiB, runBench } from './support.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNNING = arg('running', 100);
const CREATED = arg('created', 1000);
const SCRAPES = arg('scrapes', 1000);
const IDLE_S = arg('idle', 60);
const RUNS = arg('runs', 10);
const BUILD_DIR = join(ROOT, '.bench', 'containers-dist');

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

/** Runs `work` over `items`, `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function api(daemon: SandboxDaemon, method: string, path: string, body?: unknown) {
  const res = await daemon.request(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return res;
}

/** What `docker run -d --init busybox sleep 1d` sends, minus the CLI. */
const SPEC = { Image: 'busybox', Cmd: ['sleep', '1d'], HostConfig: { Init: true } };

async function createContainers(daemon: SandboxDaemon, prefix: string, n: number, start: boolean) {
  await pool(
    Array.from({ length: n }, (_, i) => `${prefix}${i}`),
    4,
    async (name) => {
      await api(daemon, 'POST', `/containers/create?name=${name}`, SPEC);
      if (start) await api(daemon, 'POST', `/containers/${name}/start`);
    },
  );
}

/** Sum of a counter over all its series in an exposition (endpoint labels contain braces). */
const counterTotal = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`^${name}(?:\\{.*\\})? (\\S+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

interface Row {
  readonly what: string;
  readonly value: string;
  readonly note: string;
}

/** The source and the controls, in this process: no HTTP, no scraping. */
async function inProcess(daemon: SandboxDaemon): Promise<Row[]> {
  const opts = parseArgs([`--docker.host=${daemon.host}`], { DOCKER_HOST: '' }) as ServeOptions;
  const { collector, requests, containers } = wire(opts);
  const resync: number[] = [];
  let facts = await collector.collect('all');
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    facts = await collector.collect('all');
    resync.push(performance.now() - started);
  }
  const perResync = requests.total / 4;
  const n = facts.containers.ok ? facts.containers.value.containers.length : 0;
  const evals: number[] = [];
  const renders: number[] = [];
  const budget = new ContainerSeriesBudget(500);
  let pairs = 0;
  for (let i = 0; i < 20; i++) {
    let started = performance.now();
    const evaluation = evaluate(facts, CATALOG);
    evals.push(performance.now() - started);
    pairs = evaluation.results.reduce(
      (k, r) => k + (r.status === 'fail' ? (r.containers?.length ?? 0) : 0),
      0,
    );
    started = performance.now();
    await renderEvaluation(evaluation, loadBuildInfo(), budget);
    renders.push(performance.now() - started);
  }
  containers.close();
  return [
    {
      what: 'full resync (collect all)',
      value: `p50 ${ms(pct(resync, 50))}, max ${ms(Math.max(...resync))}`,
      note: `${n} containers, ${perResync.toFixed(0)} Docker API requests each (n=3)`,
    },
    {
      what: 'evaluation of the catalog',
      value: `p50 ${ms(pct(evals, 50))}, max ${ms(Math.max(...evals))}`,
      note: `${CATALOG.length} controls x ${n} containers, ${pairs} failing pairs (n=20)`,
    },
    {
      what: 'rendering the metrics text',
      value: `p50 ${ms(pct(renders, 50))}, max ${ms(Math.max(...renders))}`,
      note: 'once per evaluation, 500 pair series kept',
    },
  ];
}

/** The built exporter as a process of its own, scraped like Prometheus scrapes it. */
async function asProcess(daemon: SandboxDaemon, label: string): Promise<Row[]> {
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--max-semi-space-size=2',
      join(BUILD_DIR, 'cli.js'),
      `--web.listen-address=127.0.0.1:${port}`,
      `--docker.host=${daemon.host}`,
    ],
    { stdio: 'ignore', env: { ...process.env, DOCKER_HOST: '' } },
  );
  const killChild = () => child.kill('SIGTERM');
  process.once('exit', killChild);
  try {
    for (;;) {
      const ready = await get(`${url}/-/ready`).catch(() => null);
      if (ready?.status === 200) break;
      if (performance.now() - started > 120_000) throw new Error('exporter not ready after 120 s');
      await sleep(20);
    }
    const readyMs = performance.now() - started;
    const rows: Row[] = [
      {
        what: 'process start to first evaluation',
        value: ms(readyMs),
        note: 'node start, full list and inspect',
      },
    ];

    const scrapeMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      const t = performance.now();
      bytes = (await get(`${url}/metrics`)).body.length;
      scrapeMs.push(performance.now() - t);
    }
    rows.push({
      what: '/metrics latency',
      value: `p50 ${ms(pct(scrapeMs, 50))}, p99 ${ms(pct(scrapeMs, 99))}`,
      note: `n=${SCRAPES}, ${(bytes / 1024).toFixed(0)} KB, keep-alive, sequential`,
    });
    rows.push({
      what: 'exporter RSS',
      value: `${rssMiB(child.pid!).toFixed(0)} MiB`,
      note: `after ${SCRAPES} scrapes`,
    });

    // Steady state: nothing happens on the daemon, Prometheus scrapes every second.
    const requests = async () =>
      counterTotal((await get(`${url}/metrics`)).body, 'dockersec_docker_api_requests_total');
    const idleBefore = await requests();
    const idleEnd = Date.now() + IDLE_S * 1000;
    while (Date.now() < idleEnd) {
      await get(`${url}/metrics`);
      await sleep(1000);
    }
    const idle = (await requests()) - idleBefore;
    rows.push({
      what: 'Docker API requests at steady state',
      value: `${((idle * 60) / IDLE_S).toFixed(1)} / min`,
      note: `${IDLE_S} s idle, scraped every second; the 5 min resync not included`,
    });

    // docker run -> /metrics: create + start as the CLI does, then poll until the container is counted. The
    // count is exact; its pair series may be one of those --containers.max-series leaves out.
    const counted = async () =>
      Number(
        /^dockersec_control_failing_containers\{control="container_memory_limit"\} (\d+)$/m.exec(
          (await get(`${url}/metrics`)).body,
        )?.[1] ?? Number.NaN,
      );
    const visible: number[] = [];
    const afterStart: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = `probe${label}${i}`;
      const base = await counted();
      const t = performance.now();
      // As `docker run`: create, then start. The container is in scope from its create event on, but dockerd
      // holds the container's lock while it starts it, so the inspect that follows waits for the start.
      let startDone = 0;
      const run = api(daemon, 'POST', `/containers/create?name=${name}`, SPEC)
        .then(() => api(daemon, 'POST', `/containers/${name}/start`))
        .then(() => {
          startDone = performance.now();
        });
      while ((await counted()) !== base + 1) {
        if (performance.now() - t > 30_000) throw new Error(`${name} not counted after 30 s`);
        await sleep(2);
      }
      const seen = performance.now();
      visible.push(seen - t);
      await run;
      afterStart.push(seen - startDone);
      await api(daemon, 'DELETE', `/containers/${name}?force=true`);
      while ((await counted()) !== base) await sleep(10);
    }
    rows.push({
      what: 'docker run -> /metrics',
      value: `p50 ${ms(pct(visible, 50))}, max ${ms(Math.max(...visible))}`,
      note: `n=${RUNS}, from the create request until /metrics counts it`,
    });
    rows.push({
      what: '  of which after start returned',
      value: `p50 ${ms(pct(afterStart, 50))}, max ${ms(Math.max(...afterStart))}`,
      note: 'the start API answer is about when dockerd logs the start event',
    });
    rows.push({ what: 'exporter RSS', value: `${rssMiB(child.pid!).toFixed(0)} MiB`, note: 'at the end' });
    return rows;
  } finally {
    killChild();
    process.off('exit', killChild);
  }
}

function print(title: string, rows: Row[]) {
  console.log(`\n${title}`);
  for (const r of rows) console.log(`  ${r.what.padEnd(36)} ${r.value.padEnd(30)} ${r.note}`);
}

async function main() {
  console.log(`building the exporter into ${BUILD_DIR} ...`);
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      BUILD_DIR,
    ],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  const daemon = await startDaemon({ config: {}, bridge: true });
  try {
    await daemon.importBusybox();
    const version = JSON.parse((await api(daemon, 'GET', '/version')).body) as { Version: string };
    console.log(
      `dockersec-exporter container benchmark — dockerd ${version.Version}, Node ${process.version}, ${new Date().toISOString()}`,
    );
    let t = performance.now();
    await createContainers(daemon, 'run', RUNNING, true);
    print(`${RUNNING} running containers (set up in ${((performance.now() - t) / 1000).toFixed(0)} s)`, [
      ...(await inProcess(daemon)),
      ...(await asProcess(daemon, 'r')),
    ]);
    await pool(
      Array.from({ length: RUNNING }, (_, i) => `run${i}`),
      4,
      async (name) => void (await api(daemon, 'DELETE', `/containers/${name}?force=true`)),
    );
    t = performance.now();
    await createContainers(daemon, 'created', CREATED, false);
    print(`${CREATED} created containers (set up in ${((performance.now() - t) / 1000).toFixed(0)} s)`, [
      ...(await inProcess(daemon)),
      ...(await asProcess(daemon, 'c')),
    ]);
  } finally {
    agent.destroy();
    await daemon.destroy();
  }
}

runBench(main);
