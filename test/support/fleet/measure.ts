// The fleet's cost, measured on the central Prometheus, and extrapolated to fleets of 1,000 and 10,000 hosts.
import { sleep } from '../wait.js';
import { FLEET_JOB, type Fleet } from './fleet.js';
import type { FleetTruth } from './truth.js';

/** The default per-host budget of the bundle (issue 14): the exporter's series, per-container ones included. */
export const SERIES_PER_HOST_BUDGET = 1500;

export interface FleetMeasurement {
  readonly hosts: number;
  readonly sites: number;
  /** Series of one scrape (the exporter's /metrics), per host. */
  readonly exporterSeries: readonly { instance: string; series: number }[];
  /** The largest host's series by metric, largest first. */
  readonly seriesByMetric: readonly [string, number][];
  /**
   * Series per host in the central Prometheus: the exporter's, the agent's `up` and `scrape_*`, the
   * per-host rule results and the host's ALERTS series.
   */
  readonly centralSeriesPerHost: number;
  /** Series without an instance: the per-control, per-section and per-job aggregates of each site. */
  readonly aggregateSeries: number;
  readonly headSeries: number;
  /** Samples appended per second by the central Prometheus: remote write and rule results. */
  readonly samplesPerSecond: number;
  readonly ruleSamplesPerSecond: number;
  readonly scrapeIntervalSeconds: number;
  readonly evaluationIntervalSeconds: number;
  readonly centralRssBytes: number;
  readonly centralBaselineRssBytes: number;
  readonly centralHeapInuseBytes: number;
}

export interface Extrapolation {
  readonly hosts: number;
  readonly sites: number;
  readonly series: number;
  /** At a 30 s scrape and evaluation interval: each series gets one sample per 30 s. */
  readonly samplesPerSecondAt30s: number;
  readonly memoryBytes: number;
}

export async function measureFleet(
  fleet: Fleet,
  truth: FleetTruth,
  intervals: { readonly scrapeSeconds: number; readonly evaluationSeconds: number },
  windowSeconds: number,
): Promise<FleetMeasurement> {
  const { central } = fleet;
  const perHost = await central.query(`count by (instance) ({job="${FLEET_JOB}", instance!=""})`);
  const hostSeries = perHost.reduce((s, x) => s + x.value, 0);
  const a0 = await central.selfMetric('prometheus_tsdb_head_samples_appended_total');
  const t0 = performance.now();
  await sleep(windowSeconds * 1000);
  const a1 = await central.selfMetric('prometheus_tsdb_head_samples_appended_total');
  const samplesPerSecond = (a1 - a0) / ((performance.now() - t0) / 1000);
  const ruleSamples = await central.selfMetric('prometheus_rule_group_last_evaluation_samples');
  const headSeries = await central.selfMetric('prometheus_tsdb_head_series');
  const largest = [...truth.hosts].sort((a, b) => b.series - a.series)[0]!;
  return {
    hosts: fleet.hosts.length,
    sites: fleet.sites.length,
    exporterSeries: truth.hosts.map((h) => ({ instance: h.instance, series: h.series })),
    seriesByMetric: [...largest.seriesByMetric].sort((a, b) => b[1] - a[1]),
    centralSeriesPerHost: hostSeries / Math.max(1, perHost.length),
    aggregateSeries: Math.max(0, headSeries - hostSeries),
    headSeries,
    samplesPerSecond,
    ruleSamplesPerSecond: ruleSamples / intervals.evaluationSeconds,
    scrapeIntervalSeconds: intervals.scrapeSeconds,
    evaluationIntervalSeconds: intervals.evaluationSeconds,
    centralRssBytes: central.rssBytes(),
    centralBaselineRssBytes: fleet.centralBaselineRss,
    centralHeapInuseBytes: await central.selfMetric('go_memstats_heap_inuse_bytes'),
  };
}

/** Hosts per site (agent) assumed for the extrapolation; the aggregates of the fleet rules scale with sites. */
export const EXTRAPOLATION_HOSTS_PER_SITE = 100;

/**
 * Series: the measured central series per host times the hosts, plus the measured aggregates per site
 * times the sites (one per EXTRAPOLATION_HOSTS_PER_SITE hosts). Samples: one per series per interval.
 * Memory: the empty central Prometheus plus the measured RSS per head series. A rough model: query
 * load, compaction and churn come on top.
 */
export function extrapolate(m: FleetMeasurement, hosts: number): Extrapolation {
  const sites = Math.ceil(hosts / EXTRAPOLATION_HOSTS_PER_SITE);
  const perSeriesBytes =
    Math.max(0, m.centralRssBytes - m.centralBaselineRssBytes) / Math.max(1, m.headSeries);
  const series = hosts * m.centralSeriesPerHost + sites * (m.aggregateSeries / Math.max(1, m.sites));
  return {
    hosts,
    sites,
    series,
    samplesPerSecondAt30s: series / 30,
    memoryBytes: m.centralBaselineRssBytes + perSeriesBytes * series,
  };
}

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(0)} MiB`;
const gib = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;
const k = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)} k` : n.toFixed(0);

export function describeMeasurement(m: FleetMeasurement): string[] {
  const series = m.exporterSeries.map((s) => s.series);
  const perSeries = (m.centralRssBytes - m.centralBaselineRssBytes) / Math.max(1, m.headSeries);
  const lines = [
    `series per host (one scrape of the exporter): min ${Math.min(...series)}, max ${Math.max(...series)} ` +
      `(budget ${SERIES_PER_HOST_BUDGET}); ${m.exporterSeries.map((s) => `${s.instance} ${s.series}`).join(', ')}`,
    `of which the exporter's own process_* and nodejs_* (dropped by --web.disable-exporter-metrics): ${m.seriesByMetric
      .filter(([n]) => /^(process|nodejs)_/.test(n))
      .reduce((s, [, c]) => s + c, 0)}`,
    `by metric (largest host): ${m.seriesByMetric
      .slice(0, 12)
      .map(([n, c]) => `${n} ${c}`)
      .join(', ')}, ${m.seriesByMetric.length - 12} more metrics with ${m.seriesByMetric
      .slice(12)
      .reduce((s, [, c]) => s + c, 0)}`,
    `central Prometheus series: ${m.headSeries} in the head; per host ${m.centralSeriesPerHost.toFixed(0)} ` +
      `(scraped, up/scrape_*, per-host rule results, ALERTS); ${(m.aggregateSeries / m.sites).toFixed(0)} aggregates per site`,
    `samples/s into the central Prometheus: ${m.samplesPerSecond.toFixed(0)} (${(m.samplesPerSecond - m.ruleSamplesPerSecond).toFixed(0)} ` +
      `remote-written at a ${m.scrapeIntervalSeconds} s scrape interval, ${m.ruleSamplesPerSecond.toFixed(0)} rule results every ${m.evaluationIntervalSeconds} s)`,
    `central Prometheus: RSS ${mib(m.centralRssBytes)} (empty: ${mib(m.centralBaselineRssBytes)}, so ${(perSeries / 1024).toFixed(1)} KiB per head series), ` +
      `Go heap in use ${mib(m.centralHeapInuseBytes)}`,
  ];
  for (const hosts of [1000, 10000]) {
    const e = extrapolate(m, hosts);
    lines.push(
      `${hosts} hosts (${e.sites} sites of ${EXTRAPOLATION_HOSTS_PER_SITE}): ${k(e.series)} series, ` +
        `${k(e.samplesPerSecondAt30s)} samples/s at 30 s intervals, ~${gib(e.memoryBytes)} central memory`,
    );
  }
  return lines;
}

export function summaryNumbers(m: FleetMeasurement): string {
  const series = m.exporterSeries.map((s) => s.series);
  const e1 = extrapolate(m, 1000);
  const e10 = extrapolate(m, 10000);
  return (
    `series/host max ${Math.max(...series)} (central ${m.centralSeriesPerHost.toFixed(0)}), ${m.samplesPerSecond.toFixed(0)} samples/s, ` +
    `central RSS ${mib(m.centralRssBytes)}; 1k hosts ${k(e1.series)} series ${k(e1.samplesPerSecondAt30s)}/s@30s ~${gib(e1.memoryBytes)}, ` +
    `10k hosts ${k(e10.series)} series ${k(e10.samplesPerSecondAt30s)}/s@30s ~${gib(e10.memoryBytes)}`
  );
}
