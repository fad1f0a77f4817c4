// The exporter's process_* and nodejs_* metrics: prom-client's default metrics, one module at a time, with the
// event-loop delay family measured here instead. prom-client sets nodejs_eventloop_lag_stddev_seconds from Node's
// delay histogram on every scrape, and that standard deviation walks every bucket of the histogram: ~0.22 ms of
// CPU per scrape here, a fifth of what a warm /metrics costs the exporter (issue 12: scrape latency). The family
// below is the same minus the standard deviation; the rest is prom-client's own code.
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

/** One of prom-client's default metric modules: registers its metrics (and their collect) in `registry`. */
type DefaultMetric = (registry: Registry, config: Record<string, unknown>) => void;

// prom-client has no exports map: its modules are its public files; collectDefaultMetrics calls them the same way.
const require = createRequire(import.meta.url);
const PROM_CLIENT_MODULES = [
  'processCpuTotal',
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
] as const;

// prom-client names these gauges *_total, which promtool rejects; the gauges without the suffix say the same.
const REJECTED = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** Node's event-loop delay histogram (sampled every 10 ms, as prom-client does), read and reset per scrape. */
function registerEventLoopDelay(registry: Registry): void {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  // Registered first: a scrape reads the metrics in order, and this collect sets the rest of the family.
  new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    registers: [registry],
    // As prom-client: the lag itself is the wait for the next turn of the loop, known only after the answer and
    // so shown by the next scrape.
    collect() {
      const start = process.hrtime.bigint();
      setImmediate(() => this.set(Number(process.hrtime.bigint() - start) / 1e9));
      min.set(histogram.min / 1e9);
      max.set(histogram.max / 1e9);
      mean.set(histogram.mean / 1e9);
      for (const [p, g] of percentiles) g.set(histogram.percentile(p) / 1e9);
      histogram.reset();
    },
  });
  const min = gauge('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.');
  const max = gauge('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.');
  const mean = gauge('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.');
  const percentiles = ([50, 90, 99] as const).map(
    (p) =>
      [
        p,
        gauge(
          `nodejs_eventloop_lag_p${p}_seconds`,
          `The ${p}th percentile of the recorded event loop delays.`,
        ),
      ] as const,
  );
}

/** The process_* and nodejs_* metrics into `registry` (--web.disable-exporter-metrics leaves them out). */
export function registerRuntimeMetrics(registry: Registry): void {
  let modules: DefaultMetric[];
  try {
    modules = PROM_CLIENT_MODULES.map((name) => require(`prom-client/lib/metrics/${name}`) as DefaultMetric);
  } catch (e) {
    // A prom-client whose files moved (package.json pins 15.1.x, where they are): its defaults as a whole, the
    // standard deviation's cost included, rather than an exporter that cannot start.
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    collectDefaultMetrics({ register: registry });
    for (const name of REJECTED) registry.removeSingleMetric(name);
    return;
  }
  for (const register of modules) register(registry, { eventLoopMonitoringPrecision: 10 });
  for (const name of REJECTED) registry.removeSingleMetric(name);
  registerEventLoopDelay(registry);
}
