// What the fleet run asserts against the central Prometheus. Each check polls until it holds or its time
// is up (remote write, rule evaluation and alert `for` all take a few intervals) and returns what was
// wrong, so the benchmark can print every failure and the test can assert on each.
import { waitFor } from '../wait.js';
import type { Fleet, FleetHost } from './fleet.js';
import { FLEET_JOB } from './fleet.js';
import { PROFILE_DEFS } from './profiles.js';
import type { AlertState, CentralPrometheus, Sample } from './prometheus.js';
import type { FleetTruth } from './truth.js';

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly seconds: number;
}

/** Polls `probe` (which lists problems) until it lists none or `timeoutMs` passed. */
export async function runCheck(
  name: string,
  timeoutMs: number,
  probe: () => Promise<string[]>,
): Promise<CheckResult> {
  const started = performance.now();
  let problems: string[] = ['not run'];
  try {
    await waitFor(
      name,
      async () => {
        try {
          problems = await probe();
        } catch (e) {
          problems = [(e as Error).message];
        }
        return problems.length === 0;
      },
      timeoutMs,
      1000,
    );
  } catch {
    // the last problems say why
  }
  return { name, ok: problems.length === 0, problems, seconds: (performance.now() - started) / 1000 };
}

const sel = (extra = ''): string => `{job="${FLEET_JOB}"${extra ? `, ${extra}` : ''}}`;

/**
 * The fleet recording rules, by what they answer. Summed again by the label asked for, so the answer is
 * the same whatever fleet labels (site, env, team) the rules keep.
 */
export const FLEET_QUERIES = {
  failingHostsPerControl: `sum by (control) (control:dockersec_failing_instances:sum${sel()})`,
  // Ratios over more than one site: numerators and denominators summed, then divided.
  controlRatio: [
    `sum by (control) (control:dockersec_passing_instances:sum${sel()})`,
    `/ (sum by (control) (control:dockersec_judged_instances:sum${sel()}) > 0)`,
  ].join('\n'),
  sectionRatio: [
    `sum by (section) (section:dockersec_passing_controls:sum${sel()})`,
    `/ (sum by (section) (section:dockersec_judged_controls:sum${sel()}) > 0)`,
  ].join('\n'),
  fleetRatio: [
    `sum(job:dockersec_passing_controls:sum${sel()})`,
    `/ (sum(job:dockersec_judged_controls:sum${sel()}) > 0)`,
  ].join('\n'),
  failingControlsPerHost: `sum by (instance) (instance:dockersec_failing_controls:sum${sel()})`,
  hostRatio: `sum by (instance) (instance:dockersec_control_compliance:ratio${sel()})`,
  hostsWithFailures: `sum(job:dockersec_failing_instances:sum${sel()})`,
  hosts: `sum(job:dockersec_instances:count${sel()})`,
  worstHosts: (k: number) =>
    `topk(${k}, sum by (instance) (instance:dockersec_failing_controls:sum${sel()}))`,
};

/** The fleet rules whose every series must keep the agents' external label `site`. */
export const SITE_KEEPING_RULES = [
  'instance:dockersec_failing_controls:sum',
  'instance:dockersec_control_compliance:ratio',
  'control:dockersec_failing_instances:sum',
  'control:dockersec_control_compliance:ratio',
  'section:dockersec_control_compliance:ratio',
  'job:dockersec_control_compliance:ratio',
  'job:dockersec_instances:count',
];

const byLabel = (samples: readonly Sample[], label: string): Map<string, number> =>
  new Map(samples.map((s) => [s.metric[label] ?? '', s.value]));

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

function compare(
  what: string,
  got: Map<string, number>,
  keys: readonly string[],
  want: (key: string) => number | null,
): string[] {
  const problems: string[] = [];
  for (const k of keys) {
    const w = want(k);
    const g = got.get(k);
    if (w === null) {
      if (g !== undefined) problems.push(`${what} ${k}: ${g}, expected no sample (no verdict on any host)`);
    } else if (g === undefined || !close(g, w))
      problems.push(`${what} ${k}: ${g ?? 'no sample'}, expected ${w}`);
  }
  return problems;
}

export function presenceCheck(fleet: Fleet): Promise<CheckResult> {
  return runCheck(
    'every host present in the central Prometheus with its instance and site',
    60_000,
    async () => {
      const seen = await fleet.central.query(`max by (instance, site) (dockersec_up${sel()})`);
      const up = byLabel(await fleet.central.query(`up${sel()}`), 'instance');
      const problems: string[] = [];
      for (const h of fleet.hosts) {
        const s = seen.find((x) => x.metric.instance === h.instance);
        if (!s) problems.push(`${h.instance}: no dockersec_up`);
        else if (s.metric.site !== h.site)
          problems.push(`${h.instance}: site ${s.metric.site}, expected ${h.site}`);
        else if (s.value !== 1) problems.push(`${h.instance}: dockersec_up ${s.value}`);
        if (up.get(h.instance) !== 1) problems.push(`${h.instance}: up ${up.get(h.instance)}`);
      }
      const extra = seen.filter((s) => !fleet.hosts.some((h) => h.instance === s.metric.instance));
      for (const s of extra) problems.push(`unknown instance ${s.metric.instance}`);
      return problems;
    },
  );
}

export function profileCheck(fleet: Fleet, truth: FleetTruth): CheckResult {
  const problems: string[] = [];
  for (const h of fleet.hosts) {
    const t = truth.hosts.find((x) => x.instance === h.instance)!;
    for (const c of PROFILE_DEFS[h.profile].mustFail) {
      if (t.status.get(c) !== 'fail') problems.push(`${h.instance}: ${c} is ${t.status.get(c)}, not fail`);
    }
  }
  return {
    name: 'each host fails what its daemon.json sets up',
    ok: problems.length === 0,
    problems,
    seconds: 0,
  };
}

export function fleetNumbersCheck(central: CentralPrometheus, truth: FleetTruth): Promise<CheckResult> {
  return runCheck('fleet recording rules match the exporters', 60_000, async () => {
    const q = (expr: string, label: string) => central.query(expr).then((s) => byLabel(s, label));
    const [failing, controlRatio, sectionRatio, fleetRatio, perHost, hostRatio, withFailures, hosts, worst] =
      await Promise.all([
        q(FLEET_QUERIES.failingHostsPerControl, 'control'),
        q(FLEET_QUERIES.controlRatio, 'control'),
        q(FLEET_QUERIES.sectionRatio, 'section'),
        q(FLEET_QUERIES.fleetRatio, ''),
        q(FLEET_QUERIES.failingControlsPerHost, 'instance'),
        q(FLEET_QUERIES.hostRatio, 'instance'),
        q(FLEET_QUERIES.hostsWithFailures, ''),
        q(FLEET_QUERIES.hosts, ''),
        central.query(FLEET_QUERIES.worstHosts(3)),
      ]);
    const sites = new Set(truth.hosts.map((h) => h.site));
    const siteProblems: string[] = [];
    for (const rule of SITE_KEEPING_RULES) {
      const series = await central.query(`${rule}${sel()}`);
      const seen = new Set(series.map((s) => s.metric.site ?? '(none)'));
      if (series.length === 0) siteProblems.push(`${rule}: no series`);
      else if (seen.has('(none)') || [...sites].some((site) => !seen.has(site)))
        siteProblems.push(
          `${rule}: sites ${JSON.stringify([...seen])}, expected ${JSON.stringify([...sites])}`,
        );
    }
    const instances = truth.hosts.map((h) => h.instance);
    const expectedWorst = [...instances]
      .sort((a, b) => truth.failingControls(b) - truth.failingControls(a))
      .slice(0, 3)
      .map((i) => truth.failingControls(i));
    const gotWorst = worst.map((s) => s.value).sort((a, b) => b - a);
    return [
      ...compare('hosts failing', failing, truth.controls, truth.failingHosts),
      ...compare('compliance of control', controlRatio, truth.controls, truth.controlRatio),
      ...compare('compliance of section', sectionRatio, truth.sections, truth.sectionRatio),
      ...compare('fleet compliance', fleetRatio, [''], () => truth.fleetRatio()),
      ...compare('failing controls of', perHost, instances, truth.failingControls),
      ...compare('compliance of host', hostRatio, instances, truth.hostRatio),
      ...compare(
        'hosts with a failing control',
        withFailures,
        [''],
        () => instances.filter((i) => truth.failingControls(i) > 0).length,
      ),
      ...compare('hosts', hosts, [''], () => instances.length),
      ...siteProblems,
      ...(JSON.stringify(gotWorst) === JSON.stringify(expectedWorst)
        ? []
        : [`worst hosts ${JSON.stringify(gotWorst)}, expected ${JSON.stringify(expectedWorst)}`]),
    ];
  });
}

const firing = (alerts: readonly AlertState[], labels: Record<string, string>): AlertState[] =>
  alerts.filter((a) => a.state === 'firing' && Object.entries(labels).every(([k, v]) => a.labels[k] === v));

/**
 * Per host: every critical or high failing control has a firing alert naming the host and the control
 * (or leading to its runbook),
 * the alerts its profile sets up fire, and every firing alert's description names its host.
 */
export function alertsCheck(fleet: Fleet, truth: FleetTruth, timeoutMs: number): Promise<CheckResult> {
  return runCheck('alerts fire per host, naming it', timeoutMs, async () => {
    const alerts = await fleet.central.alerts();
    const problems: string[] = [];
    for (const h of fleet.hosts) {
      const t = truth.hosts.find((x) => x.instance === h.instance)!;
      for (const [control, status] of t.status) {
        const severity = t.severity.get(control);
        if (status !== 'fail' || (severity !== 'critical' && severity !== 'high')) continue;
        // Some controls alert through an alert of their own (a certificate's expiry, a pending restart)
        // that carries no control label; it leads to the control's runbook instead.
        const about = firing(alerts, { instance: h.instance }).filter(
          (a) => a.labels.control === control || a.annotations.runbook_url?.endsWith(`/${control}.md`),
        );
        if (about.length === 0)
          problems.push(`${h.instance}: no alert for failing ${severity} control ${control}`);
      }
      for (const name of PROFILE_DEFS[h.profile].mustAlert) {
        if (firing(alerts, { instance: h.instance, alertname: name }).length === 0)
          problems.push(`${h.instance}: ${name} not firing`);
      }
    }
    for (const a of alerts.filter((x) => x.state === 'firing')) {
      const instance = a.labels.instance;
      if (!instance || !fleet.hosts.some((h) => h.instance === instance))
        problems.push(`${a.labels.alertname} fires without a known instance: ${JSON.stringify(a.labels)}`);
      else if (!a.annotations.description?.includes(instance))
        problems.push(`${a.labels.alertname} on ${instance}: description does not name the host`);
      if (a.labels.site === undefined) problems.push(`${a.labels.alertname} on ${instance}: no site label`);
    }
    return problems;
  });
}

export interface OutageResult {
  readonly check: CheckResult;
  /** Seconds from the kill until the alert fired. */
  readonly apiUnreachableSeconds: number | null;
  readonly exporterDownSeconds: number | null;
}

/**
 * Kills one host's dockerd and another host's exporter (SIGKILL, as a crash would), then waits for
 * DockerSecDockerApiUnreachable and DockerSecExporterDown naming them. `windowSeconds` is the alerting
 * window: the rules' `for` plus scrape, remote-write and evaluation delays.
 */
export async function outageCheck(
  fleet: Fleet,
  daemonOf: FleetHost,
  exporterOf: FleetHost,
  windowSeconds: number,
): Promise<OutageResult> {
  const killed = performance.now();
  const pid = daemonOf.daemon.pid;
  if (pid === null) throw new Error(`dockerd of ${daemonOf.instance} is not running`);
  process.kill(pid, 'SIGKILL');
  exporterOf.exporter.daemon.child.kill('SIGKILL');
  let apiUnreachableSeconds: number | null = null;
  let exporterDownSeconds: number | null = null;
  const check = await runCheck(
    `a killed dockerd (${daemonOf.instance}) and a killed exporter (${exporterOf.instance}) alert within ${windowSeconds} s`,
    windowSeconds * 1000,
    async () => {
      const alerts = await fleet.central.alerts();
      const since = (performance.now() - killed) / 1000;
      if (
        apiUnreachableSeconds === null &&
        firing(alerts, { alertname: 'DockerSecDockerApiUnreachable', instance: daemonOf.instance }).length > 0
      )
        apiUnreachableSeconds = since;
      if (
        exporterDownSeconds === null &&
        firing(alerts, { alertname: 'DockerSecExporterDown', instance: exporterOf.instance }).length > 0
      )
        exporterDownSeconds = since;
      const problems: string[] = [];
      if (apiUnreachableSeconds === null)
        problems.push(`DockerSecDockerApiUnreachable not firing for ${daemonOf.instance}`);
      if (exporterDownSeconds === null)
        problems.push(`DockerSecExporterDown not firing for ${exporterOf.instance}`);
      // Only the two broken hosts: an outage must not page for the rest of the fleet.
      for (const a of alerts.filter((x) => x.state === 'firing')) {
        if (a.labels.alertname === 'DockerSecDockerApiUnreachable' && a.labels.instance !== daemonOf.instance)
          problems.push(`DockerSecDockerApiUnreachable fires for ${a.labels.instance}`);
        if (a.labels.alertname === 'DockerSecExporterDown' && a.labels.instance !== exporterOf.instance)
          problems.push(`DockerSecExporterDown fires for ${a.labels.instance}`);
      }
      return problems;
    },
  );
  return { check, apiUnreachableSeconds, exporterDownSeconds };
}
