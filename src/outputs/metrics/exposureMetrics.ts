// Exposure and drift metrics: certificate lifetimes and pending configuration changes per evaluation,
// and the probe counter among the exporter's own metrics.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Evaluation } from '../../evaluation/types.js';
import { PROBE_OUTCOMES, PROBE_SCHEMES, type ProbeLog } from '../../sources/exposure/probeLog.js';
import { labelValue } from './labelValue.js';

export function renderExposureMetrics(registry: Registry, evaluation: Evaluation): void {
  const summary = evaluation.exposure;
  if (!summary) return;
  const notAfter = new Gauge({
    name: 'dockersec_tls_cert_not_after_timestamp_seconds',
    help: 'Expiry (notAfter, Unix time) of the daemon TLS certificates: the CA and server files, and the certificate each TCP listener presents (role endpoint, path host:port).',
    labelNames: ['role', 'path'] as const,
    registers: [registry],
  });
  for (const c of summary.certificates)
    notAfter.set({ role: c.role, path: labelValue(c.path) }, c.notAfterSeconds);
  if (summary.restartPending !== null) {
    new Gauge({
      name: 'dockersec_daemon_config_restart_pending',
      help: 'Whether settings in daemon.json, the systemd unit or the TLS files differ from the running daemon until it restarts (1) or not (0).',
      registers: [registry],
    }).set(summary.restartPending ? 1 : 0);
  }
  if (summary.reloadPending !== null) {
    new Gauge({
      name: 'dockersec_daemon_config_reload_pending',
      help: 'Whether settings a reload (SIGHUP) applies were changed without a reload (1) or not (0).',
      registers: [registry],
    }).set(summary.reloadPending ? 1 : 0);
  }
}

export function registerProbeMetrics(registry: Registry, probes: ProbeLog): void {
  new Counter({
    name: 'dockersec_exposure_probes_total',
    help: 'Unauthenticated GET /_ping probes of the daemon TCP listeners (once per evaluation, never per scrape), by scheme and outcome.',
    labelNames: ['scheme', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const scheme of PROBE_SCHEMES)
        for (const outcome of PROBE_OUTCOMES) this.inc({ scheme, outcome }, 0);
      for (const e of probes.entries()) this.inc({ scheme: e.scheme, outcome: e.outcome }, e.count);
    },
  });
}
