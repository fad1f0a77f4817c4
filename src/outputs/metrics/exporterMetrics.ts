// The exporter's own instrumentation: process metrics, evaluations and its Docker API requests.
import { Counter, Gauge, Registry } from 'prom-client';
import { type Monitor, TRIGGERS } from '../../evaluation/monitor.js';
import { DOCKER_API_ENDPOINTS, type RequestLog } from '../../sources/dockerApi/requestLog.js';
import type { ProbeLog } from '../../sources/exposure/probeLog.js';
import { registerProbeMetrics } from './exposureMetrics.js';
import { registerRuntimeMetrics } from './runtimeMetrics.js';

/** Outcome of the last --web.config.file (re)load, as exporter-toolkit based exporters report it. */
export class WebConfigReloads {
  successful = true;
  timestampSeconds = Date.now() / 1000;
  record(ok: boolean): void {
    this.successful = ok;
    if (ok) this.timestampSeconds = Date.now() / 1000;
  }
}

/** What the reload metrics of --waivers.file read (WaiverPolicySource). */
export interface WaiverReloads {
  readonly lastReloadSuccessful: boolean;
  readonly lastSuccessSeconds: number;
}

export function exporterRegistry(opts: {
  monitor: Monitor;
  requests: RequestLog;
  processMetrics: boolean;
  webConfig?: WebConfigReloads;
  probes?: ProbeLog;
  waivers?: WaiverReloads;
}): Registry {
  const registry = new Registry();
  if (opts.processMetrics) registerRuntimeMetrics(registry);
  const { monitor, requests } = opts;
  new Counter({
    name: 'dockersec_evaluations_total',
    help: 'Evaluations run, by what triggered them.',
    labelNames: ['trigger'],
    registers: [registry],
    collect() {
      this.reset();
      for (const trigger of TRIGGERS) this.inc({ trigger }, 0);
      for (const [trigger, n] of monitor.triggerCounts) this.inc({ trigger }, n);
    },
  });
  new Counter({
    name: 'dockersec_evaluations_abandoned_total',
    help: 'Evaluations abandoned by the watchdog: not finished within their deadline (several times --docker.timeout); the last complete evaluation stays in force.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(monitor.abandonedEvaluations);
    },
  });
  new Counter({
    name: 'dockersec_docker_api_requests_total',
    help: 'Docker Engine API requests the exporter sent (never per scrape), by method and endpoint.',
    labelNames: ['method', 'endpoint'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of DOCKER_API_ENDPOINTS) this.inc({ method: e.method, endpoint: e.endpoint }, 0);
      for (const e of requests.entries()) this.inc({ method: e.method, endpoint: e.endpoint }, e.count);
    },
  });
  new Counter({
    name: 'dockersec_docker_api_request_failures_total',
    help: 'Docker Engine API requests that got no complete answer (connection error, --docker.timeout deadline, cut off, over the size cap, not JSON), by method and endpoint.',
    labelNames: ['method', 'endpoint'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of DOCKER_API_ENDPOINTS) this.inc({ method: e.method, endpoint: e.endpoint }, 0);
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
  if (opts.probes) registerProbeMetrics(registry, opts.probes);
  const web = opts.webConfig;
  if (web) {
    new Gauge({
      name: 'dockersec_web_config_last_reload_successful',
      help: 'Whether the last reload of --web.config.file succeeded (the previous configuration stays in force otherwise).',
      registers: [registry],
      collect() {
        this.set(web.successful ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dockersec_web_config_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful load of --web.config.file.',
      registers: [registry],
      collect() {
        this.set(web.timestampSeconds);
      },
    });
  }
  const waivers = opts.waivers;
  if (waivers) {
    new Gauge({
      name: 'dockersec_waivers_last_reload_successful',
      help: 'Whether the last (re)load of --waivers.file succeeded (the previous policy stays in force otherwise).',
      registers: [registry],
      collect() {
        this.set(waivers.lastReloadSuccessful ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dockersec_waivers_last_reload_success_timestamp_seconds',
      help: 'Unix time of the last successful load of --waivers.file.',
      registers: [registry],
      collect() {
        this.set(waivers.lastSuccessSeconds);
      },
    });
  }
  return registry;
}
