// The exporter's own instrumentation: process metrics, evaluations and its Docker API requests.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Monitor } from '../../evaluation/monitor.js';
import type { RequestLog } from '../../sources/dockerApi/requestLog.js';

export function exporterRegistry(opts: {
  monitor: Monitor;
  requests: RequestLog;
  processMetrics: boolean;
}): Registry {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const { monitor, requests } = opts;
  new Counter({
    name: 'dockersec_evaluations_total',
    help: 'Evaluations run, by what triggered them.',
    labelNames: ['trigger'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [trigger, n] of monitor.triggerCounts) this.inc({ trigger }, n);
    },
  });
  new Counter({
    name: 'dockersec_docker_api_requests_total',
    help: 'Docker Engine API requests the exporter sent (never per scrape), by method and endpoint.',
    labelNames: ['method', 'endpoint'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of requests.entries()) this.inc({ method: e.method, endpoint: e.endpoint }, e.count);
    },
  });
  new Counter({
    name: 'dockersec_docker_api_request_failures_total',
    help: 'Docker Engine API requests that failed before an answer, by method and endpoint.',
    labelNames: ['method', 'endpoint'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of requests.failureEntries())
        this.inc({ method: e.method, endpoint: e.endpoint }, e.count);
    },
  });
  new Gauge({
    name: 'dockersec_docker_events_connected',
    help: 'Whether the exporter is following the Docker events stream (1) or reconnecting (0).',
    registers: [registry],
    collect() {
      this.set(monitor.dockerEventsConnected ? 1 : 0);
    },
  });
  return registry;
}
