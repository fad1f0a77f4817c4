// The Prometheus side of the simulated fleet: one agent per site (agent mode, no local queries or rules)
// scraping that site's exporters and remote-writing everything to one central Prometheus, which has the
// remote-write receiver on and evaluates the bundle's rules. All on loopback.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type LoopbackServer, startLoopbackServer } from '../../bundle/support/processes.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface AlertState {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly activeAt?: string;
}

export interface CentralPrometheus extends LoopbackServer {
  /** Instant vector; throws on a query error (a broken rule or dashboard query must not pass as "no data"). */
  query(expr: string): Promise<Sample[]>;
  /** Range query over the last `seconds`; the number of series returned. */
  rangeSeries(expr: string, seconds: number, step?: number): Promise<number>;
  alerts(): Promise<AlertState[]>;
  /** One value of the central Prometheus' own /metrics (summed over its series). */
  selfMetric(name: string): Promise<number>;
  pid(): number;
  rssBytes(): number;
}

interface ApiAnswer<T> {
  readonly status: string;
  readonly error?: string;
  readonly data?: T;
}

export async function startCentral(
  dir: string,
  opts: { readonly rules: string; readonly evaluationInterval: string; readonly externalUrl?: string },
): Promise<CentralPrometheus> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rules.yml'), opts.rules);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { evaluation_interval: opts.evaluationInterval },
      rule_files: [join(dir, 'rules.yml')],
    }),
  );
  const server = await startLoopbackServer('central prometheus', PROMETHEUS_BIN, dir, (port) => [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
  ]);
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const r = await fetch(`${server.url}${path}?${new URLSearchParams(params)}`);
    const body = (await r.json()) as ApiAnswer<T>;
    if (body.status !== 'success' || body.data === undefined)
      throw new Error(`${path} ${JSON.stringify(params)}: ${body.error ?? r.status}`);
    return body.data;
  };
  const pid = (): number => server.daemon.child.pid ?? -1;
  return {
    ...server,
    async query(expr) {
      const data = await api<{
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>('/api/v1/query', { query: expr });
      if (data.resultType !== 'vector') throw new Error(`${expr}: ${data.resultType}, not a vector`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async rangeSeries(expr, seconds, step = 5) {
      const end = Date.now() / 1000;
      const data = await api<{ result: unknown[] }>('/api/v1/query_range', {
        query: expr,
        start: String(end - seconds),
        end: String(end),
        step: String(step),
      });
      return data.result.length;
    },
    async alerts() {
      return (await api<{ alerts: AlertState[] }>('/api/v1/alerts')).alerts;
    },
    async selfMetric(name) {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
          sum += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return sum;
    },
    pid,
    rssBytes() {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid()}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : Number.NaN;
    },
  };
}

export interface AgentTarget {
  /** host:port the agent scrapes. */
  readonly address: string;
  /** The `instance` label: the host's name rather than the exporter's loopback port. */
  readonly instance: string;
}

export async function startAgent(
  dir: string,
  opts: {
    readonly site: string;
    readonly job: string;
    readonly targets: readonly AgentTarget[];
    readonly centralUrl: string;
    readonly scrapeInterval: string;
  },
): Promise<LoopbackServer> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: {
        scrape_interval: opts.scrapeInterval,
        scrape_timeout: opts.scrapeInterval,
        // Unique per agent, and kept by every fleet aggregation of the bundle.
        external_labels: { site: opts.site },
      },
      scrape_configs: [
        {
          job_name: opts.job,
          static_configs: opts.targets.map((t) => ({
            targets: [t.address],
            labels: { instance: t.instance },
          })),
        },
      ],
      remote_write: [
        {
          url: `${opts.centralUrl}/api/v1/write`,
          // Small batches sent at once: the run waits for alerts, not for full shards.
          queue_config: { batch_send_deadline: '1s', max_samples_per_send: 2000 },
        },
      ],
    }),
  );
  return startLoopbackServer(`agent ${opts.site}`, PROMETHEUS_BIN, dir, (port) => [
    '--enable-feature=agent',
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.agent.path=${join(dir, 'wal')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
}
