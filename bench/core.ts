// Benchmark of the core exporter against a real sandboxed dockerd: time from a daemon.json edit to the changed
// /metrics, /metrics latency, `check` wall time, exporter RSS. Run as root after `npm run build`:
//   npx tsx bench/core.ts [--edits 30] [--scrapes 2000] [--checks 10]
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon } from '../test/support/dockerd.js';
import { ROOT, runCli } from '../test/support/exporter.js';
import { getFreePort } from '../test/support/ports.js';
import { agent, get, pct, rssMiB, runBench } from './support.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EDITS = arg('edits', 30);
const SCRAPES = arg('scrapes', 2000);
const CHECKS = arg('checks', 10);

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const body = async (url: string) => (await get(url)).body;

async function main() {
  const daemon = await startDaemon({ config: { 'userland-proxy': true } });
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
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 200; i++) {
      if ((await body(`${url}/-/ready`).catch(() => '')).startsWith('Ready')) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    // 1. daemon.json edit -> /metrics shows the new verdict.
    const editMs: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const on = i % 2 === 0;
      const want = `dockersec_control_status{control="userland_proxy",status="${on ? 'pass' : 'fail'}"} 1`;
      const started = performance.now();
      writeFileSync(daemon.configPath, JSON.stringify({ 'userland-proxy': !on }));
      while (!(await body(`${url}/metrics`)).includes(want)) await new Promise((r) => setTimeout(r, 2));
      editMs.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }

    // 2. /metrics latency (keep-alive, one at a time, as Prometheus scrapes).
    const scrapeMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      const started = performance.now();
      bytes = (await body(`${url}/metrics`)).length;
      scrapeMs.push(performance.now() - started);
    }
    const rss = rssMiB(exporter.pid!);

    // 3. `check` wall time (a fresh process each time, as CI runs it).
    const checkMs: number[] = [];
    for (let i = 0; i < CHECKS; i++) {
      const started = performance.now();
      const r = await runCli(['check', '--format', 'json', `--docker.host=${daemon.host}`]);
      if (r.code === 2) throw new Error(`check failed: ${r.stderr}`);
      checkMs.push(performance.now() - started);
    }

    const rows: [string, string, string][] = [
      [
        'daemon.json edit -> /metrics',
        `p50 ${fmt(pct(editMs, 50))}, p99 ${fmt(pct(editMs, 99))}, max ${fmt(Math.max(...editMs))}`,
        `goal < 1000 ms (n=${EDITS})`,
      ],
      [
        '/metrics latency',
        `p50 ${fmt(pct(scrapeMs, 50))}, p99 ${fmt(pct(scrapeMs, 99))}`,
        `n=${SCRAPES}, ${bytes} bytes`,
      ],
      [
        'check wall time',
        `p50 ${fmt(pct(checkMs, 50))}, max ${fmt(Math.max(...checkMs))}`,
        `n=${CHECKS}, incl. node start`,
      ],
      ['exporter RSS', `${rss.toFixed(1)} MiB`, `after ${SCRAPES} scrapes`],
    ];
    console.log(`dockersec-exporter core benchmark — dockerd ${daemon.host}, ${new Date().toISOString()}`);
    for (const [what, value, note] of rows) console.log(`${what.padEnd(30)} ${value.padEnd(46)} ${note}`);
  } finally {
    exporter?.kill('SIGTERM');
    agent.destroy();
    await daemon.destroy();
  }
}

runBench(main);
