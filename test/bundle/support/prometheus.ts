// A real Prometheus (Debian `prometheus`) on loopback with temporary storage, scraping and evaluating
// every second so the end-to-end test runs in minutes, not hours.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Daemon, startLoopbackServer } from './processes.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface PrometheusOptions {
  readonly job: string;
  readonly targets: readonly string[];
  readonly alertmanager: string;
  /** Rule file contents. */
  readonly rules: string;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly daemon: Daemon;
  query(expr: string): Promise<PromResult>;
  queryRange(expr: string, seconds: number): Promise<PromResult>;
  stop(): Promise<void>;
}

export interface PromResult {
  readonly status: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType: string;
    readonly result: readonly { metric: Record<string, string> }[];
  };
}

export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'dockersec-prom-'));
  writeFileSync(join(dir, 'rules.yml'), opts.rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'rules.yml')],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanager] }] }] },
      scrape_configs: [{ job_name: opts.job, static_configs: [{ targets: opts.targets }] }],
    }),
  );
  const { url, daemon, stop } = await startLoopbackServer('prometheus', PROMETHEUS_BIN, dir, (port) => [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // New alerts go out at once anyway; this only speeds up re-sends of firing ones.
    '--rules.alert.resend-delay=1s',
  ]);
  const get = async (path: string, params: Record<string, string>): Promise<PromResult> => {
    const r = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    return (await r.json()) as PromResult;
  };
  return {
    url,
    daemon,
    query: (expr) => get('/api/v1/query', { query: expr }),
    queryRange: (expr, seconds) => {
      const end = Date.now() / 1000;
      return get('/api/v1/query_range', {
        query: expr,
        start: String(end - seconds),
        end: String(end),
        step: '1',
      });
    },
    stop,
  };
}
