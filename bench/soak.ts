// Soak benchmark: the built exporter (node dist/cli.js) against a real sandboxed dockerd under ten minutes of
// churn, to show that memory and descriptors stay flat. Run as root after `npm run build`:
//   npx tsx bench/soak.ts [--seconds 600] [--sample 10]
// The churn, all at once: a container created and started every 2 s (at most 10 alive, the oldest removed),
// daemon.json rewritten every 5 s, dockerd restarted every 60 s (the events stream drops, the API is gone for
// seconds), /metrics scraped every second and /-/healthy every 2 s. Every `--sample` seconds the exporter's
// RSS and open descriptors are read from /proc, and the V8 heap in use from its own metrics. The first two
// minutes are warm-up (V8 grows its heap to its working size); "flat" compares the third minute with the
// last one: RSS and the heap's floor (its lowest sample: what survives collections) within 10%, the typical
// descriptor count within 2, no evaluation abandoned.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type SandboxDaemon, startDaemon } from '../test/support/dockerd.js';
import { ROOT } from '../test/support/exporter.js';
import { getFreePort } from '../test/support/ports.js';
import { agent, get, pct, rssMiB, runBench } from './support.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 600);
const SAMPLE_S = arg('sample', 10);
const WARMUP_S = Math.min(120, SECONDS / 5);
/** RSS may grow this much from the end of warm-up to the end and still count as flat. */
const RSS_SLACK = 0.1;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: readonly number[]) => pct(xs, 50);

interface Sample {
  readonly atS: number;
  readonly rssMiB: number;
  readonly fds: number;
  /** V8 heap in use as the exporter's own nodejs_heap_size_used_bytes said at the last scrape. */
  readonly heapMiB: number;
}

const gaugeValue = (text: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

/** Sum of a counter over all its series in an exposition. */
const counterTotal = (text: string, name: string) =>
  [...text.matchAll(new RegExp(`^${name}(?:\\{.*\\})? (\\S+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

/** Repeats `work` every `everyMs` until `until`, counting failures instead of stopping on them. */
async function every(everyMs: number, until: number, work: () => Promise<void>, failures: { n: number }) {
  while (Date.now() < until) {
    const started = Date.now();
    await work().catch(() => {
      failures.n++;
    });
    await sleep(Math.max(0, everyMs - (Date.now() - started)));
  }
}

async function churnContainers(daemon: SandboxDaemon, until: number, failures: { n: number }) {
  const alive: string[] = [];
  let next = 0;
  await every(
    2_000,
    until,
    async () => {
      const name = `soak${next++}`;
      const spec = { Image: 'busybox', Cmd: ['sleep', '1d'], HostConfig: { Init: true } };
      const created = await daemon.request('POST', `/containers/create?name=${name}`, spec);
      if (created.status >= 300) throw new Error(created.body);
      alive.push(name);
      await daemon.request('POST', `/containers/${name}/start`);
      while (alive.length > 10) await daemon.request('DELETE', `/containers/${alive.shift()}?force=1`);
    },
    failures,
  );
}

async function main() {
  const daemon = await startDaemon({ config: { 'userland-proxy': true } });
  await daemon.importBusybox();
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  let exporter: ChildProcess | null = null;
  try {
    exporter = spawn(
      process.execPath,
      [
        join(ROOT, 'dist', 'cli.js'),
        `--web.listen-address=127.0.0.1:${port}`,
        `--docker.host=${daemon.host}`,
        `--docker.config-file=${daemon.configPath}`,
      ],
      { stdio: 'ignore', env: { ...process.env, DOCKER_HOST: '' } },
    );
    const pid = exporter.pid!;
    for (let i = 0; i < 400; i++) {
      if ((await get(`${url}/-/ready`).catch(() => ({ body: '' }))).body.startsWith('Ready')) break;
      await sleep(50);
    }

    const started = Date.now();
    const until = started + SECONDS * 1000;
    const samples: Sample[] = [];
    const scrapeMs: number[] = [];
    const failed = { scrape: { n: 0 }, containers: { n: 0 }, config: { n: 0 }, restarts: { n: 0 } };
    let restarts = 0;
    let edits = 0;
    let lastMetrics = '';

    await Promise.all([
      every(
        SAMPLE_S * 1000,
        until,
        async () => {
          samples.push({
            atS: (Date.now() - started) / 1000,
            rssMiB: rssMiB(pid),
            fds: readdirSync(`/proc/${pid}/fd`).length,
            heapMiB: gaugeValue(lastMetrics, 'nodejs_heap_size_used_bytes') / 2 ** 20,
          });
        },
        { n: 0 },
      ),
      every(
        1_000,
        until,
        async () => {
          const t = performance.now();
          const r = await get(`${url}/metrics`);
          if (r.status !== 200) throw new Error(`status ${r.status}`);
          scrapeMs.push(performance.now() - t);
          lastMetrics = r.body;
          const healthy = await get(`${url}/-/healthy`);
          if (healthy.status !== 200) throw new Error(`healthy ${healthy.status}`);
        },
        failed.scrape,
      ),
      churnContainers(daemon, until, failed.containers),
      every(
        5_000,
        until,
        async () => {
          await daemon.writeConfig({ 'userland-proxy': edits++ % 2 === 1 });
        },
        failed.config,
      ),
      (async () => {
        await sleep(60_000);
        await every(
          60_000,
          until - 20_000,
          async () => {
            await daemon.restart();
            restarts++;
          },
          failed.restarts,
        );
      })(),
    ]);

    const warm = samples.filter((s) => s.atS >= WARMUP_S && s.atS < WARMUP_S + 60);
    const last = samples.filter((s) => s.atS >= SECONDS - 60);
    const rssWarm = median(warm.map((s) => s.rssMiB));
    const rssLast = median(last.map((s) => s.rssMiB));
    const fdsAfterWarmup = samples.filter((s) => s.atS >= WARMUP_S).map((s) => s.fds);
    // A dockerd restart holds a few sockets open for a moment: compare typical counts, not the spikes.
    const fdsWarm = median(warm.map((s) => s.fds));
    const fdsLast = median(last.map((s) => s.fds));
    const rssGrowth = (rssLast - rssWarm) / rssWarm;
    // The heap's floor (lowest sample, i.e. after a collection) per minute: what is retained, not garbage.
    const heapFloor = (xs: readonly Sample[]) => Math.min(...xs.map((s) => s.heapMiB));
    const heapWarm = heapFloor(warm);
    const heapLast = heapFloor(last);
    const evaluations = counterTotal(lastMetrics, 'dockersec_evaluations_total');
    const abandoned = counterTotal(lastMetrics, 'dockersec_evaluations_abandoned_total');
    const requests = counterTotal(lastMetrics, 'dockersec_docker_api_requests_total');
    const heapGrowth = (heapLast - heapWarm) / heapWarm;
    const flat =
      rssGrowth <= RSS_SLACK &&
      heapGrowth <= RSS_SLACK &&
      Math.abs(fdsLast - fdsWarm) <= 2 &&
      abandoned === 0;

    console.log(`dockersec-exporter soak — ${SECONDS} s of churn, ${new Date().toISOString()}`);
    console.log('  t (s)   RSS (MiB)   fds');
    for (const s of samples)
      console.log(`  ${s.atS.toFixed(0).padStart(5)}   ${s.rssMiB.toFixed(1).padStart(9)}   ${s.fds}`);
    console.log(
      `churn: ${restarts} dockerd restarts, ${edits} daemon.json edits, ${scrapeMs.length} scrapes ` +
        `(p50 ${pct(scrapeMs, 50).toFixed(1)} ms, p99 ${pct(scrapeMs, 99).toFixed(1)} ms); ` +
        `${evaluations} evaluations, ${abandoned} abandoned, ${requests} Docker API requests; ` +
        `failed: ${failed.scrape.n} scrapes, ${failed.containers.n} container steps, ${failed.restarts.n} restarts`,
    );
    console.log(
      `soak ${flat ? 'FLAT' : 'NOT FLAT'}: RSS ${rssWarm.toFixed(1)} -> ${rssLast.toFixed(1)} MiB ` +
        `(${(rssGrowth * 100).toFixed(1)}%, median of minute ${Math.round(WARMUP_S / 60) + 1} vs the last), ` +
        `peak ${Math.max(...samples.map((s) => s.rssMiB)).toFixed(1)} MiB; heap floor ${heapWarm.toFixed(1)} -> ` +
        `${heapLast.toFixed(1)} MiB; descriptors ${fdsWarm} -> ${fdsLast} ` +
        `(${Math.min(...fdsAfterWarmup)}-${Math.max(...fdsAfterWarmup)} after warm-up)`,
    );
    if (!flat || failed.scrape.n > 0) process.exitCode = 1;
  } finally {
    exporter?.kill('SIGTERM');
    agent.destroy();
    await daemon.destroy();
  }
}

runBench(main);
