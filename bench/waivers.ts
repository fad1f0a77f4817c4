// Benchmark of the waivers file's hot reload (issue 10): time from a saved edit of --waivers.file to the changed
// verdict on /metrics, alternating a waiver added and removed. Needs no dockerd (the Docker host points
// nowhere; userland_proxy is judged from a daemon.json given with --docker.config-file):
//   npx tsx bench/waivers.ts [--edits 30]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliCommand } from '../test/support/exporter.js';
import { getFreePort } from '../test/support/ports.js';
import { get, pct, runBench } from './support.js';

const i = process.argv.indexOf('--edits');
const EDITS = i > 0 ? Number(process.argv[i + 1]) : 30;
const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'dockersec-bench-waivers-'));
  const config = join(work, 'daemon.json');
  const waivers = join(work, 'waivers.yml');
  writeFileSync(config, JSON.stringify({ 'userland-proxy': true }));
  writeFileSync(waivers, 'waivers: []\n');
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const waiver = `waivers:\n  - controls: [userland_proxy]\n    reason: bench\n    owner: bench\n    expires: "${expires}"\n`;
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  const [cmd, ...pre] = cliCommand();
  let exporter: ChildProcess | null = null;
  try {
    exporter = spawn(
      cmd!,
      [
        ...pre,
        `--web.listen-address=127.0.0.1:${port}`,
        `--docker.host=unix://${work}/no-daemon.sock`,
        `--docker.config-file=${config}`,
        `--waivers.file=${waivers}`,
      ],
      { stdio: 'ignore' },
    );
    for (let n = 0; n < 600; n++) {
      if ((await get(`${url}/-/ready`).catch(() => ({ body: '' }))).body.startsWith('Ready')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const editMs: number[] = [];
    for (let n = 0; n < EDITS; n++) {
      const add = n % 2 === 0;
      const want = `dockersec_control_status{control="userland_proxy",status="${add ? 'waived' : 'fail'}"} 1`;
      const started = performance.now();
      writeFileSync(waivers, add ? waiver : 'waivers: []\n');
      while (!(await get(`${url}/metrics`)).body.includes(want)) await new Promise((r) => setTimeout(r, 2));
      editMs.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`dockersec-exporter waivers benchmark — ${new Date().toISOString()}`);
    console.log(
      `waivers file edit -> /metrics   p50 ${fmt(pct(editMs, 50))}, p99 ${fmt(pct(editMs, 99))}, max ${fmt(Math.max(...editMs))} (${EDITS} edits)   goal < 1 s`,
    );
  } finally {
    exporter?.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

runBench(main);
