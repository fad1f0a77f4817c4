// The fleet's cost, measured on the central Prometheus, and extrapolated to fleets of 1,000 and 10,000 hosts.
import { sleep } from '../wait.js';
import { FLEET_JOB, type Fleet } from './fleet.js';
import type { FleetTruth } from './truth.js';

/** The default per-host budget of the bundle (issue 14): the exporter's series, per-container ones included. */
export const SERIES_PER_HOST_BUDGET = 1500;

export interface FleetMeasurement {
  readonly hosts: number;
  /** Series of one scrape (the exporter's /metrics), per host. */
  readonly exporterSeries: readonly { instance: string; series: number }[];
  /** The largest host's series by metric, largest first. */
  readonly seriesByMetric: readonly [string, number][];
  /** Series per host in the central Prometheus: the exporter's plus the agent's `up` and `scrape_*`. */
  readonly centralSeriesPerHost: number;
  readonly headSeries: number;
  /** Samples appended per second by the central Prometheus (remote write plus rule results). */
  readonly samplesPerSecond: number;
  readonly scrapeIntervalSeconds: number;
  readonly centralRssBytes: number;
  readonly centralBaselineRssBytes: number;
  readonly centralHeapInuseBytes: number;
}

export interface Extrapolation {
  readonly hosts: number;
  readonly series: number;
  readonly samplesPerSecond: number;
  readonly memoryBytes: number;
}

export async function measureFleet(
  fleet: Fleet,
  truth: FleetTruth,
  scrapeIntervalSeconds: number,
  windowSeconds: number,
): Promise<FleetMeasurement> {
  const { central } = fleet;
  const perHost = await central.query(
    `count by (instance) ({job="${FLEET_JOB}", instance!="", __name__!~".+:.+"})`,
  );
  const centralSeriesPerHost = perHost.reduce((s, x) => s + x.value, 0) / Math.max(1, perHost.length);
  const a0 = await central.selfMetric('prometheus_tsdb_head_samples_appended_total');
  const t0 = performance.now();
  await sleep(windowSeconds * 1000);
  const a1 = await central.selfMetric('prometheus_tsdb_head_samples_appended_total');
  const samplesPerSecond = (a1 - a0) / ((performance.now() - t0) / 1000);
  const largest = [...truth.hosts].sort((a, b) => b.series - a.series)[0]!;
  return {
    hosts: fleet.hosts.length,
    exporterSeries: truth.hosts.map((h) => ({ instance: h.instance, series: h.series })),
    seriesByMetric: [...largest.seriesByMetric].sort((a, b) => b[1] - a[1]),
    centralSeriesPerHost,
    headSeries: await central.selfMetric('prometheus_tsdb_head_series'),
    samplesPerSecond,
    scrapeIntervalSeconds,
    centralRssBytes: central.rssBytes(),
    centralBaselineRssBytes: fleet.centralBaselineRss,
    centralHeapInuseBytes: await central.selfMetric('go_memstats_heap_inuse_bytes'),
  };
}

/**
 * Linear in hosts: series and samples scale with them (the fleet recording rules add one series per
 * control and per host, already in the measured head); memory is the empty central Prometheus plus the
 * measured cost of each head series. A rough model: Prometheus' own sizing guidance is a few KiB per
 * active series, and compaction, queries and churn come on top.
 */
export function extrapolate(m: FleetMeasurement, hosts: number): Extrapolation {
  const perHostSeries = m.headSeries / m.hosts;
  const perSeriesBytes =
    Math.max(0, m.centralRssBytes - m.centralBaselineRssBytes) / Math.max(1, m.headSeries);
  const series = perHostSeries * hosts;
  return {
    hosts,
    series,
    samplesPerSecond: (m.samplesPerSecond / m.hosts) * hosts,
    memoryBytes: m.centralBaselineRssBytes + perSeriesBytes * series,
  };
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
const k = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)} k` : n.toFixed(0);

export function describeMeasurement(m: FleetMeasurement): string[] {
  const series = m.exporterSeries.map((s) => s.series);
  const lines = [
    `series per host (one scrape of the exporter): min ${Math.min(...series)}, max ${Math.max(...series)} ` +
      `(budget ${SERIES_PER_HOST_BUDGET}); ${m.exporterSeries.map((s) => `${s.instance} ${s.series}`).join(', ')}`,
    `series per host in the central Prometheus (with up and scrape_*): ${m.centralSeriesPerHost.toFixed(0)}; head series ${m.headSeries} (with rule results)`,
    `of which the exporter's own process_* and nodejs_* (dropped by --web.disable-exporter-metrics): ${m.seriesByMetric
      .filter(([n]) => /^(process|nodejs)_/.test(n))
      .reduce((s, [, c]) => s + c, 0)}`,
    `by metric (largest host): ${m.seriesByMetric
      .slice(0, 12)
      .map(([n, c]) => `${n} ${c}`)
      .join(', ')}, ${m.seriesByMetric.length - 12} more metrics with ${m.seriesByMetric
      .slice(12)
      .reduce((s, [, c]) => s + c, 0)}`,
    `samples/s into the central Prometheus: ${m.samplesPerSecond.toFixed(0)} at a ${m.scrapeIntervalSeconds} s scrape interval ` +
      `(${(m.samplesPerSecond / m.hosts).toFixed(0)} per host; ${((m.samplesPerSecond / m.hosts) * (m.scrapeIntervalSeconds / 30)).toFixed(0)} per host at 30 s)`,
    `central Prometheus: RSS ${mib(m.centralRssBytes)} (empty: ${mib(m.centralBaselineRssBytes)}), Go heap in use ${mib(m.centralHeapInuseBytes)}`,
  ];
  for (const hosts of [1000, 10000]) {
    const e = extrapolate(m, hosts);
    lines.push(
      `${hosts} hosts: ${k(e.series)} series, ${k(e.samplesPerSecond)} samples/s at ${m.scrapeIntervalSeconds} s ` +
        `(${k((e.samplesPerSecond * m.scrapeIntervalSeconds) / 30)} at 30 s), ~${gib(e.memoryBytes)} central memory`,
    );
  }
  return lines;
}

export function summaryNumbers(m: FleetMeasurement): string {
  const series = m.exporterSeries.map((s) => s.series);
  const e1 = extrapolate(m, 1000);
  const e10 = extrapolate(m, 10000);
  return (
    `series/host max ${Math.max(...series)}, ${m.samplesPerSecond.toFixed(0)} samples/s, central RSS ${mib(m.centralRssBytes)}; ` +
    `1k hosts ${k(e1.series)} series ~${gib(e1.memoryBytes)}, 10k hosts ${k(e10.series)} series ~${gib(e10.memoryBytes)}`
  );
}
