// Scale benchmark (issue 12): the built exporter against a sandboxed dockerd holding 1,000 containers (100
// running, 900 created), then 5,000 (100 running, 4,900 created). Run as root, after `npm run build`:
//   npx tsx bench/scale.ts [--sizes 1000,5000] [--running 100] [--repeat 3] [--scrapes 100] [--rounds 5]
//                          [--edits 15] [--idle 60] [--startup-runs 11] [--startup-only] [--profile DIR]
// Every time is the median of --repeat runs; the machine's load average is printed beside the table, since
// these machines are shared. Before each size is measured, the machine is left to settle (settle() below): right
// after creating 1,000 containers dockerd and containerd stay busy for a minute or more, and a `check` measured then
// (1.5-2.0 s in one run against ~0.85 s once idle) says how busy the daemon was, not what the exporter costs. With DBS_DIR naming an unpacked docker-bench-security, it is timed against the same
// daemon with the running containers only, for the ratio.
//
// Rows: the Docker API floor (list, inspect every container at 8/16/32 in flight: what INSPECT_CONCURRENCY is
// sized from); `check --format json` wall time; process start to `/-/ready` (the first full evaluation done);
// the evaluation in-process, full and incremental after one container event and after a daemon.json edit;
// daemon.json edit to /metrics; /metrics latency, plain and gzip; RSS; series; Docker API requests per minute
// while idle. Before the daemon starts: `--version` and `--help` against a bare `node -e ''` (median of
// --startup-runs, interleaved). With --profile, one more `check` per size runs under `node --cpu-prof` into DIR and
// its top frames by self time are printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseArgs, type ServeOptions } from '../src/cli/flags.js';
import { wire } from '../src/cli/wiring.js';
import { CATALOG } from '../src/controls/catalog.js';
import { evaluate } from '../src/evaluation/evaluate.js';
import { IncrementalEvaluator } from '../src/evaluation/incremental.js';
import type { Facts } from '../src/facts/types.js';
import { DockerApiClient } from '../src/sources/dockerApi/client.js';
import { parseDockerHost } from '../src/sources/dockerApi/endpoint.js';
import { RequestLog } from '../src/sources/dockerApi/requestLog.js';
import type { SandboxDaemon } from '../test/support/dockerd.js';
import { ROOT } from '../test/support/exporter.js';
import { getFreePort } from '../test/support/ports.js';
import { pool, startFleet } from './containerFleet.js';
import { summarize } from './cpuProfile.js';
import { agent, pct, rssMiB, runBench } from './support.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const SIZES = arg('sizes', '1000,5000').split(',').map(Number);
/** An existing daemon's DOCKER_HOST (bench/containerFleet.ts): only the in-process evaluation rows, against it. */
const EVALUATE_ON = arg('evaluate-on', '');
const RUNNING = Number(arg('running', '100'));
const REPEAT = Number(arg('repeat', '3'));
const SCRAPES = Number(arg('scrapes', '100'));
/** Rounds of --scrapes sequential scrapes timed once the server is warm, after WARM_SCRAPES untimed ones. */
const ROUNDS = Number(arg('rounds', '5'));
const WARM_SCRAPES = 200;
const EDITS = Number(arg('edits', '15'));
const IDLE_S = Number(arg('idle', '60'));
const STARTUP_RUNS = Number(arg('startup-runs', '11'));
const STARTUP_ONLY = process.argv.includes('--startup-only');
const PROFILE_DIR = arg('profile', '');
const CLI = join(ROOT, 'dist', 'cli.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]) => pct(xs, 50);
const ms = (v: number) =>
  v < 10 ? `${v.toFixed(2)} ms` : v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(2)} s`;
const load = () => loadavg()[0]!.toFixed(1);

/** Busy and total CPU time of the whole machine so far (/proc/stat, in clock ticks). */
function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th fields.
  return { busy: total - fields[3]! - fields[4]!, total };
}

/**
 * Waits until the machine is idle: under 10 % of its CPU busy for 3 seconds in a row, at most 180 s. Returns what
 * the table header says about it.
 */
async function settle(): Promise<string> {
  const started = performance.now();
  let quiet = 0;
  let last = cpuTicks();
  while (quiet < 3) {
    if (performance.now() - started > 180_000) return 'did not settle within 180 s';
    await new Promise((r) => setTimeout(r, 1_000));
    const now = cpuTicks();
    const busy = (now.busy - last.busy) / Math.max(1, now.total - last.total);
    last = now;
    quiet = busy < 0.1 ? quiet + 1 : 0;
  }
  return `settled in ${((performance.now() - started) / 1000).toFixed(0)} s`;
}

interface Row {
  readonly what: string;
  readonly value: string;
  readonly note: string;
}

/** GET with optional gzip, as Prometheus asks; the body decoded. */
function scrape(url: string, gzip = false): Promise<{ status: number; body: string; wire: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: gzip ? { 'Accept-Encoding': 'gzip' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          resolve({ status: res.statusCode ?? 0, body: body.toString('utf8'), wire: raw.length });
        });
      })
      .on('error', reject);
  });
}

/** Sum of a counter over all its series in an exposition. */
const counterTotal = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`^${name}(?:\\{.*\\})? (\\S+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

function run(
  args: string[],
  nodeArgs: string[] = [CLI],
): Promise<{ code: number; ms: number; stderr: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DOCKER_HOST: '' },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code: code ?? -1, ms: performance.now() - started, stderr }));
  });
}

/** `--version` and `--help` against Node starting and doing nothing: what loading the CLI costs. */
async function startup(): Promise<Row[]> {
  const kinds = {
    bare: () => run([], ['-e', '']),
    version: () => run(['--version']),
    help: () => run(['--help']),
  };
  const times: Record<keyof typeof kinds, number[]> = { bare: [], version: [], help: [] };
  // Interleaved, so a busy moment of the machine falls on all three alike.
  for (let i = 0; i < STARTUP_RUNS; i++)
    for (const [k, go] of Object.entries(kinds) as [keyof typeof kinds, () => ReturnType<typeof run>][]) {
      const r = await go();
      if (r.code !== 0) throw new Error(`${k} exited ${r.code}: ${r.stderr}`);
      times[k].push(r.ms);
    }
  const bare = median(times.bare);
  return [
    { what: "bare `node -e ''`", value: ms(bare), note: `median of ${STARTUP_RUNS}` },
    ...(['version', 'help'] as const).map((k) => ({
      what: `\`--${k}\``,
      value: ms(median(times[k])),
      note: `median of ${STARTUP_RUNS}; ${ms(median(times[k]) - bare)} over bare node; max ${ms(Math.max(...times[k]))}`,
    })),
  ];
}

/** One `check` under `node --cpu-prof`: its top frames by self time, and the time by kind of code. */
async function profileCheck(daemon: SandboxDaemon, size: number): Promise<Row[]> {
  const dir = join(PROFILE_DIR, `check-${size}`);
  const r = await run(
    [
      'check',
      '--format',
      'json',
      `--docker.host=${daemon.host}`,
      `--docker.config-file=${daemon.configPath}`,
    ],
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, CLI],
  );
  if (r.code === 2) throw new Error(`check could not judge: ${r.stderr}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile in ${dir}`);
  const s = summarize(join(dir, file), 12);
  return [
    {
      what: 'profiled `check`',
      value: `${ms(r.ms)} wall, ${ms(s.totalMs)} profiled`,
      note: `${join(dir, file)}`,
    },
    ...s.kinds.map((k) => ({ what: `by kind: ${k.name}`, value: ms(k.selfMs), note: 'self time' })),
    ...s.frames.map((f) => ({ what: `frame: \`${f.name}\``, value: ms(f.selfMs), note: f.where })),
  ];
}

/** The Docker API's own floor on this daemon: what the exporter cannot go below. */
async function floor(daemon: SandboxDaemon): Promise<Row[]> {
  const client = new DockerApiClient(parseDockerHost(daemon.host, null), new RequestLog(), 60_000);
  try {
    let t = performance.now();
    const list = await client.listContainers({ status: ['created', 'running', 'restarting', 'paused'] });
    const listMs = performance.now() - t;
    const byLimit: string[] = [];
    for (const limit of [8, 16, 32]) {
      t = performance.now();
      await pool(list, limit, async (c) => void (await client.inspectContainer(c.Id)));
      byLimit.push(`${limit}: ${ms(performance.now() - t)}`);
    }
    return [
      { what: 'Docker API floor: list', value: ms(listMs), note: `${list.length} containers` },
      {
        what: 'Docker API floor: inspect all',
        value: byLimit.join(', '),
        note: 'by requests in flight (one pass each)',
      },
    ];
  } finally {
    client.close();
  }
}

/** The evaluation in this process: full, and incremental after a container event and after a config edit. */
async function inProcess(daemon: SandboxDaemon): Promise<Row[]> {
  const opts = parseArgs([`--docker.host=${daemon.host}`], { DOCKER_HOST: '' }) as ServeOptions;
  const { collector, containers } = wire(opts);
  try {
    const facts = await collector.collect('all');
    const full: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t = performance.now();
      evaluate(facts, CATALOG);
      full.push(performance.now() - t);
    }
    const incremental = new IncrementalEvaluator(CATALOG);
    incremental.evaluate(facts);
    const inv = facts.containers.ok ? facts.containers.value : null;
    if (!inv)
      throw new Error(`containers source failed: ${facts.containers.ok ? '' : facts.containers.error}`);
    const event: number[] = [];
    const edit: number[] = [];
    let rerun = '';
    // Each change applies to the snapshot before it, as the collector's do.
    let last: Facts = facts;
    let containersNow = inv.containers;
    for (let i = 0; i < Math.max(REPEAT, 5); i++) {
      // One container changed: a new inventory snapshot whose other containers are the same objects.
      const k = i % inv.containers.length;
      containersNow = containersNow.map((c, j) => (j === k ? { ...c, privileged: !c.privileged } : c));
      const afterEvent: Facts = {
        ...last,
        containers: { ok: true, value: { ...inv, containers: containersNow } },
      };
      let t = performance.now();
      incremental.evaluate(afterEvent);
      event.push(performance.now() - t);
      const s1 = incremental.lastStats;
      // A daemon.json edit: a new daemon_config fact (and file stats), everything else the same objects.
      const edited: Facts = {
        ...afterEvent,
        daemonConfig: facts.daemonConfig.ok
          ? {
              ok: true,
              value: { ...facts.daemonConfig.value, parsed: { 'log-level': i % 2 ? 'info' : 'warn' } },
            }
          : facts.daemonConfig,
        files: facts.files.ok ? { ok: true, value: { ...facts.files.value } } : facts.files,
      };
      t = performance.now();
      incremental.evaluate(edited);
      edit.push(performance.now() - t);
      last = edited;
      rerun = `${s1.rerun} and ${incremental.lastStats.rerun} of ${CATALOG.length} controls re-run`;
    }
    return [
      {
        what: 'evaluation, full',
        value: ms(median(full)),
        note: `${CATALOG.length} controls x ${inv.containers.length} containers`,
      },
      {
        what: 'evaluation, one container event',
        value: ms(median(event)),
        note: 'incremental: that container re-judged',
      },
      { what: 'evaluation, daemon.json edit', value: ms(median(edit)), note: `incremental (${rerun})` },
    ];
  } finally {
    containers.close();
  }
}

interface Exporter {
  readonly child: ChildProcess;
  readonly url: string;
  readonly readyMs: number;
  stop(): void;
}

/**
 * Starts `serve` and times process start to a 200 from /-/ready. `seen` says how ready is noticed: 'log' waits
 * for the exporter's `started` line on stderr (written the moment /-/ready turns 200) and then asks /-/ready
 * once; 'poll' asks /-/ready every 5 ms from the start. Polling is what a script does, but on these 2-core
 * machines answering (and sending) ~200 requests during start-up costs the exporter's start ~200 ms of the CPU
 * it needs (1.26 s against 1.07 s median, 8 interleaved starts): 'log' times the exporter, 'poll' the pair.
 */
async function startExporter(daemon: SandboxDaemon, seen: 'log' | 'poll' = 'log'): Promise<Exporter> {
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=2',
      CLI,
      `--web.listen-address=127.0.0.1:${port}`,
      `--docker.host=${daemon.host}`,
      `--docker.config-file=${daemon.configPath}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOCKER_HOST: '' } },
  );
  const stop = () => void child.kill('SIGTERM');
  process.once('exit', stop);
  // Read for the whole run (a full pipe would stall the exporter); the last lines name a failure.
  let log = '';
  const startedLine = new Promise<void>((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-4096);
      if (/\bmsg=started\b/.test(log)) resolve();
    });
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`exporter exited with ${code}: ${log}`))),
  );
  exited.catch(() => {});
  const deadline = sleep(180_000).then(() => {
    throw new Error('exporter not ready after 180 s');
  });
  deadline.catch(() => {});
  if (seen === 'log') {
    await Promise.race([startedLine, exited, deadline]);
    const ready = await scrape(`${url}/-/ready`);
    if (ready.status !== 200) throw new Error(`/-/ready answered ${ready.status} after the started line`);
  } else {
    for (;;) {
      const ready = await scrape(`${url}/-/ready`).catch(() => null);
      if (ready?.status === 200) break;
      if (child.exitCode !== null) await exited;
      if (performance.now() - started > 180_000) await deadline;
      await sleep(5);
    }
  }
  const readyMs = performance.now() - started;
  return {
    child,
    url,
    readyMs,
    stop() {
      stop();
      process.off('exit', stop);
    },
  };
}

/** Per round, the times of --scrapes sequential scrapes of `url` (plain, or gzip as Prometheus asks). */
async function latencyRounds(url: string, gzip: boolean): Promise<number[][]> {
  const rounds: number[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const times: number[] = [];
    for (let i = 0; i < SCRAPES; i++) {
      const t = performance.now();
      await scrape(url, gzip);
      times.push(performance.now() - t);
    }
    rounds.push(times);
  }
  return rounds;
}

/**
 * p50 and p99 of warm rounds: the median over the rounds of each round's p50 and p99, with the worst round's p99.
 * One round's p99 is its second-slowest scrape, which on these shared machines a single descheduling sets.
 */
function roundsSummary(rounds: number[][]): string {
  const p99s = rounds.map((r) => pct(r, 99));
  return `p50 ${ms(median(rounds.map((r) => median(r))))}, p99 ${ms(median(p99s))} (worst round ${ms(Math.max(...p99s))})`;
}

/**
 * The scrape latency this client and machine give a server that does nothing but send `bytes` fixed bytes
 * (its own process, as the exporter): the floor the /metrics p99 is read against.
 */
async function staticFloor(bytes: number): Promise<number[][]> {
  const port = await getFreePort();
  const server = spawn(
    process.execPath,
    [
      '--max-semi-space-size=2',
      '-e',
      `const body = Buffer.alloc(${bytes}, 'a');
       require('node:http').createServer((req, res) => {
         res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
         res.setHeader('Content-Length', body.length);
         res.end(body);
       }).listen(${port}, '127.0.0.1', () => process.stdout.write('up'));`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.once('data', () => resolve());
      server.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
    });
    for (let i = 0; i < WARM_SCRAPES; i++) await scrape(`http://127.0.0.1:${port}/`);
    return await latencyRounds(`http://127.0.0.1:${port}/`, false);
  } finally {
    server.kill();
  }
}

async function asProcess(daemon: SandboxDaemon): Promise<Row[]> {
  const checks: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await run([
      'check',
      '--format',
      'json',
      `--docker.host=${daemon.host}`,
      `--docker.config-file=${daemon.configPath}`,
    ]);
    if (r.code === 2) throw new Error(`check could not judge: ${r.stderr}`);
    checks.push(r.ms);
  }
  const readies: number[] = [];
  const polledReadies: number[] = [];
  let exporter: Exporter | null = null;
  for (let i = 0; i < REPEAT; i++) {
    for (const seen of i % 2 === 0 ? (['poll', 'log'] as const) : (['log', 'poll'] as const)) {
      exporter?.stop();
      await sleep(200);
      exporter = await startExporter(daemon, seen);
      (seen === 'log' ? readies : polledReadies).push(exporter.readyMs);
    }
  }
  const { url, child } = exporter!;
  try {
    const rssReady = rssMiB(child.pid!);
    // daemon.json edit -> /metrics shows the new verdict (userland-proxy is judged as configured).
    const editMs: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const on = i % 2 === 0;
      const want = `dockersec_control_status{control="userland_proxy",status="${on ? 'pass' : 'fail'}"} 1`;
      const t = performance.now();
      writeFileSync(daemon.configPath, JSON.stringify({ 'userland-proxy': !on }));
      while (!(await scrape(`${url}/metrics`)).body.includes(want)) {
        if (performance.now() - t > 30_000) throw new Error(`edit ${i} not seen after 30 s`);
        await sleep(1);
      }
      editMs.push(performance.now() - t);
      await sleep(100);
    }
    // The first scrapes after the edits, as a new Prometheus would see them (the code not yet optimised)...
    const cold: number[] = [];
    for (let i = 0; i < SCRAPES; i++) {
      const t = performance.now();
      await scrape(`${url}/metrics`);
      cold.push(performance.now() - t);
    }
    // ...then warm rounds: Prometheus scrapes the same exporter for months.
    for (let i = 0; i < WARM_SCRAPES; i++) await scrape(`${url}/metrics`, i % 2 === 1);
    const plain = await latencyRounds(`${url}/metrics`, false);
    const gz = await latencyRounds(`${url}/metrics`, true);
    const body = (await scrape(`${url}/metrics`)).body;
    const bytes = body.length;
    const wire = (await scrape(`${url}/metrics`, true)).wire;
    const floorTimes = await staticFloor(bytes);
    const series = body
      .split('\n')
      .filter((l) => l.startsWith('dockersec_container_control_failing{')).length;
    const dropped = counterTotal(body, 'dockersec_container_series_dropped_total');
    const rssScraped = rssMiB(child.pid!);
    const requests = async () =>
      counterTotal((await scrape(`${url}/metrics`)).body, 'dockersec_docker_api_requests_total');
    const before = await requests();
    const end = Date.now() + IDLE_S * 1000;
    while (Date.now() < end) {
      await scrape(`${url}/metrics`, true);
      await sleep(1000);
    }
    const idle = (await requests()) - before;
    return [
      {
        what: '`check --format json` wall time',
        value: ms(median(checks)),
        note: `median of ${REPEAT} (${checks.map(ms).join(', ')})`,
      },
      {
        what: 'process start to /-/ready',
        value: ms(median(readies)),
        note: `median of ${REPEAT}, full evaluation done; seen by the \`started\` log line, then one GET (${readies.map(ms).join(', ')})`,
      },
      {
        what: 'process start to /-/ready, polled every 5 ms',
        value: ms(median(polledReadies)),
        note: `median of ${REPEAT}, interleaved with the row above; the polling costs the start CPU (${polledReadies.map(ms).join(', ')})`,
      },
      {
        what: 'daemon.json edit -> /metrics',
        value: `p50 ${ms(median(editMs))}, max ${ms(Math.max(...editMs))}`,
        note: `n=${EDITS}, userland-proxy toggled`,
      },
      {
        what: '/metrics latency, plain, first scrapes',
        value: `p50 ${ms(median(cold))}, p99 ${ms(pct(cold, 99))}`,
        note: `the first ${SCRAPES} sequential scrapes after the edits, keep-alive, ${(bytes / 1024).toFixed(0)} KB`,
      },
      {
        what: '/metrics latency, plain',
        value: roundsSummary(plain),
        note: `${ROUNDS} rounds of ${SCRAPES} sequential scrapes after ${WARM_SCRAPES} untimed ones`,
      },
      {
        what: '/metrics latency, gzip',
        value: roundsSummary(gz),
        note: `${ROUNDS} rounds of ${SCRAPES}, ${(wire / 1024).toFixed(0)} KB on the wire`,
      },
      {
        what: '/metrics latency floor',
        value: roundsSummary(floorTimes),
        note: `the same client and rounds against a bare Node server sending ${(bytes / 1024).toFixed(0)} KB of fixed bytes: what this machine gives any server`,
      },
      {
        what: 'per-container series',
        value: `${series} kept, ${dropped} dropped`,
        note: '--containers.max-series 500',
      },
      {
        what: 'exporter RSS',
        value: `${rssReady.toFixed(0)} MiB ready, ${rssScraped.toFixed(0)} MiB scraped`,
        note: `after ${EDITS} edits and ${SCRAPES + WARM_SCRAPES + 2 * ROUNDS * SCRAPES + 2} scrapes`,
      },
      {
        what: 'Docker API requests, idle',
        value: `${((idle * 60) / IDLE_S).toFixed(1)} / min`,
        note: `${IDLE_S} s, scraped every second; the 5 min resync not included`,
      },
    ];
  } finally {
    exporter!.stop();
  }
}

/** docker-bench-security against the same daemon (running containers only), when DBS_DIR names a copy. */
async function dockerBench(daemon: SandboxDaemon): Promise<Row | null> {
  const dir = process.env.DBS_DIR;
  if (!dir) return null;
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sh', ['docker-bench-security.sh'], {
      cwd: dir,
      stdio: 'ignore',
      env: { ...process.env, DOCKER_HOST: daemon.host },
    });
    child.on('exit', () => resolve());
    child.on('error', reject);
  });
  const dbs = performance.now() - t;
  const checks: number[] = [];
  for (let i = 0; i < REPEAT; i++)
    checks.push((await run(['check', '--format', 'json', `--docker.host=${daemon.host}`])).ms);
  return {
    what: 'docker-bench-security',
    value: ms(dbs),
    note: `${RUNNING} running containers; check ${ms(median(checks))}: ${(dbs / median(checks)).toFixed(0)}x`,
  };
}

function print(title: string, rows: Row[]) {
  console.log(`\n${title}`);
  console.log('| measure | result | note |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | ${r.value} | ${r.note} |`);
}

async function main() {
  print(`start-up, no daemon (load ${load()})`, await startup());
  if (STARTUP_ONLY) return;
  if (EVALUATE_ON) {
    const rows = await inProcess({ host: EVALUATE_ON } as SandboxDaemon);
    print(`evaluation against ${EVALUATE_ON} (load ${load()})`, rows);
    return;
  }
  const first = SIZES[0]! - RUNNING;
  let t = performance.now();
  const fleet = await startFleet(RUNNING, 0);
  try {
    console.log(
      `dockersec-exporter scale benchmark — dockerd ${fleet.version}, Node ${process.version}, ${new Date().toISOString()}, load ${load()}`,
    );
    const dbs = await dockerBench(fleet.daemon);
    if (dbs) print(`${RUNNING} running containers`, [dbs]);
    await fleet.grow(first);
    for (const size of SIZES) {
      await fleet.grow(size - RUNNING);
      const setup = (performance.now() - t) / 1000;
      const settled = await settle();
      const loadBefore = load();
      const rows = [
        ...(await floor(fleet.daemon)),
        ...(await inProcess(fleet.daemon)),
        ...(await asProcess(fleet.daemon)),
        ...(PROFILE_DIR ? await profileCheck(fleet.daemon, size) : []),
      ];
      print(
        `${size} containers (${RUNNING} running; set up in ${setup.toFixed(0)} s, ${settled}; load ${loadBefore} before, ${load()} after)`,
        rows,
      );
      t = performance.now();
    }
  } finally {
    agent.destroy();
    await fleet.daemon.destroy();
  }
}

runBench(main);
