// Runs the exporter under test: `check` as a real subprocess, `serve` in-process (for timing and inspection).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { parseArgs, type ServeOptions } from '../../src/cli/flags.js';
import { type RunningExporter, startExporter } from '../../src/cli/serve.js';
import { silentLogger } from '../../src/log.js';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';

export { waitFor } from './wait.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST_CLI = join(ROOT, 'dist', 'cli.js');

/** The built CLI when present (CI builds first), else the sources through tsx. */
export function cliCommand(): string[] {
  return existsSync(DIST_CLI)
    ? [process.execPath, DIST_CLI]
    : [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli.ts')];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; command?: string[] } = {},
): Promise<CliResult> {
  const [cmd, ...pre] = opts.command ?? cliCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...pre, ...args], {
      cwd: ROOT,
      env: { ...process.env, DOCKER_HOST: '', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI timed out: ${args.join(' ')}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface CheckControl {
  id: string;
  status: string;
  reason: string;
  severity: string;
  cis: string | null;
  observed: unknown;
  keys: string[];
}
export interface CheckReport {
  schemaVersion: number;
  docker: { reachable: boolean; version: string | null; apiVersion: string | null; rootless: boolean | null };
  summary: Record<string, number>;
  controls: CheckControl[];
}

export async function checkJson(
  args: string[],
): Promise<{ code: number; report: CheckReport; stderr: string }> {
  const r = await runCli(['check', '--format', 'json', ...args]);
  try {
    return { code: r.code, report: JSON.parse(r.stdout) as CheckReport, stderr: r.stderr };
  } catch {
    throw new Error(`check did not print JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

export const statusOf = (report: CheckReport, id: string): string => {
  const c = report.controls.find((x) => x.id === id);
  if (!c) throw new Error(`no control ${id} in report`);
  return c.status;
};

export interface TestExporter {
  readonly url: string;
  readonly exporter: RunningExporter;
  scrape(): Promise<Metrics>;
  close(): Promise<void>;
}

export async function startTestExporter(args: string[]): Promise<TestExporter> {
  const parsed = parseArgs(['--web.listen-address=127.0.0.1:0', '--docker.resync-interval=5m', ...args], {
    DOCKER_HOST: '',
  });
  if (parsed.command !== 'serve') throw new Error('expected serve options');
  const exporter = await startExporter(parsed as ServeOptions, loadBuildInfo(), silentLogger);
  const url = `http://127.0.0.1:${exporter.address.port}`;
  return {
    url,
    exporter,
    async scrape() {
      const res = await request(url).get('/metrics').expect(200);
      return parseMetrics(res.text);
    },
    close: () => exporter.close(),
  };
}

/** A tiny exposition parser: series text (name{labels}) -> value, labels kept in exposition order. */
export class Metrics {
  constructor(
    readonly text: string,
    readonly series: Map<string, number>,
  ) {}

  /** The value of the one series of `name` whose labels include all of `labels`. */
  get(name: string, labels: Record<string, string> = {}): number | undefined {
    const matches = this.all(name, labels);
    if (matches.length > 1)
      throw new Error(`${matches.length} series of ${name} match ${JSON.stringify(labels)}`);
    return matches[0]?.value;
  }

  all(
    name: string,
    labels: Record<string, string> = {},
  ): { labels: Record<string, string>; value: number }[] {
    const out: { labels: Record<string, string>; value: number }[] = [];
    for (const [key, value] of this.series) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(key);
      if (!m || m[1] !== name) continue;
      const l = parseLabels(m[2] ?? '');
      if (Object.entries(labels).every(([k, v]) => l[k] === v)) out.push({ labels: l, value });
    }
    return out;
  }

  /** The status whose dockersec_control_status series is 1. */
  status(control: string): string | undefined {
    return this.all('dockersec_control_status', { control }).find((s) => s.value === 1)?.labels.status;
  }
}

function parseLabels(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of body.matchAll(re)) {
    out[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_s, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

export function parseMetrics(text: string): Metrics {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const idx = line.lastIndexOf(' ');
    series.set(line.slice(0, idx), Number(line.slice(idx + 1)));
  }
  return new Metrics(text, series);
}
