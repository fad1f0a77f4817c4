// Helpers the benchmarks share: one keep-alive HTTP client (as Prometheus scrapes), percentiles, a process's RSS.
import { readFileSync } from 'node:fs';
import http from 'node:http';

export const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/**
 * The p-th percentile (0-100) of xs, nearest rank: the smallest value with at least p % of xs at or below it (the
 * p99 of 100 is the second-slowest). Before 6 December 2026 this took the value one rank above, so the p99 of 100
 * in the README's earlier runs is the slowest of them.
 */
export const pct = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

export const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Runs a benchmark's main and exits with its outcome (daemons and servers it started are already stopped). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
