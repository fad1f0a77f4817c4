// What the fleet's numbers must be, computed from the exporters' own /metrics: the central Prometheus'
// recording rules are checked against this, not against numbers written into the test.
import { type Metrics, parseMetrics } from '../exporter.js';
import type { FleetHost } from './fleet.js';

export interface HostTruth {
  readonly instance: string;
  readonly site: string;
  /** control -> status */
  readonly status: ReadonlyMap<string, string>;
  readonly severity: ReadonlyMap<string, string>;
  readonly section: ReadonlyMap<string, string>;
  readonly restartPending: number | undefined;
  readonly certificates: number;
  /** Series in one scrape, total and by metric name. */
  readonly series: number;
  readonly seriesByMetric: ReadonlyMap<string, number>;
}

export interface FleetTruth {
  readonly hosts: readonly HostTruth[];
  readonly controls: readonly string[];
  readonly sections: readonly string[];
  failingHosts(control: string): number;
  /** pass / (pass + fail) over the fleet, null when no host has a verdict. */
  controlRatio(control: string): number | null;
  sectionRatio(section: string): number | null;
  fleetRatio(): number | null;
  failingControls(instance: string): number;
  hostRatio(instance: string): number | null;
}

function hostTruth(host: FleetHost, m: Metrics): HostTruth {
  const status = new Map<string, string>();
  for (const s of m.all('dockersec_control_status')) {
    if (s.value === 1) status.set(s.labels.control!, s.labels.status!);
  }
  const severity = new Map<string, string>();
  const section = new Map<string, string>();
  for (const s of m.all('dockersec_control_info')) {
    severity.set(s.labels.control!, s.labels.control_severity!);
    section.set(s.labels.control!, s.labels.section!);
  }
  const seriesByMetric = new Map<string, number>();
  for (const key of m.series.keys()) {
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(key)![0];
    seriesByMetric.set(name, (seriesByMetric.get(name) ?? 0) + 1);
  }
  return {
    instance: host.instance,
    site: host.site,
    status,
    severity,
    section,
    restartPending: m.get('dockersec_daemon_config_restart_pending'),
    certificates: m.all('dockersec_tls_cert_not_after_timestamp_seconds').length,
    series: m.series.size,
    seriesByMetric,
  };
}

const ratio = (pass: number, fail: number): number | null => (pass + fail > 0 ? pass / (pass + fail) : null);

export async function fleetTruth(hosts: readonly FleetHost[]): Promise<FleetTruth> {
  const truths = await Promise.all(
    hosts.map(async (h) => hostTruth(h, parseMetrics(await h.exporter.metricsText()))),
  );
  const controls = [...new Set(truths.flatMap((t) => [...t.status.keys()]))].sort();
  const sectionOf = new Map(truths.flatMap((t) => [...t.section]));
  const sections = [...new Set(sectionOf.values())].sort();
  const count = (pred: (t: HostTruth, control: string) => boolean, among: readonly string[]) =>
    truths.reduce((n, t) => n + among.filter((c) => pred(t, c)).length, 0);
  const ratioOver = (among: readonly string[]) =>
    ratio(
      count((t, c) => t.status.get(c) === 'pass', among),
      count((t, c) => t.status.get(c) === 'fail', among),
    );
  return {
    hosts: truths,
    controls,
    sections,
    failingHosts: (control) => truths.filter((t) => t.status.get(control) === 'fail').length,
    controlRatio: (control) => ratioOver([control]),
    sectionRatio: (section) => ratioOver(controls.filter((c) => sectionOf.get(c) === section)),
    fleetRatio: () => ratioOver(controls),
    hostRatio: (instance) => {
      const statuses = [...(truths.find((t) => t.instance === instance)?.status.values() ?? [])];
      return ratio(statuses.filter((x) => x === 'pass').length, statuses.filter((x) => x === 'fail').length);
    },
    failingControls: (instance) =>
      [...(truths.find((t) => t.instance === instance)?.status.values() ?? [])].filter((s) => s === 'fail')
        .length,
  };
}
