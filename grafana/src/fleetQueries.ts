// Every PromQL query of the fleet dashboard. Fleet-wide numbers come from the bundle's recording rules
// (summed again by the label each panel shows, so any fleet labels the rules keep add up); per-host
// panels read the exporters' series. Each selector carries `job=~"$job"`; the dashboard's ad hoc filter
// adds the operator's fleet labels (site, env, team) to every query.

import { splitSelector } from './queries.js';

/** The fleet dashboard's queries for a bundle selector (`job="dockersec"` by default). */
export function fleetQueriesFor(selector: string) {
  const { fixed } = splitSelector(selector);
  /** `{job=~"$job", <selector's other matchers>, <extra>}` */
  const fsel = (...extra: string[]): string => `{${['job=~"$job"', ...fixed, ...extra].join(', ')}}`;
  return {
    hostsReporting: `sum(up${fsel()})`,
    hostsTargeted: `count(up${fsel()})`,
    /** Numerators and denominators summed over every job and fleet label, then divided. */
    fleetCompliance: [
      `sum(job:dockersec_passing_controls:sum${fsel()})`,
      '/',
      `(sum(job:dockersec_judged_controls:sum${fsel()}) > 0)`,
    ].join('\n'),
    hostsFailingCritical: [
      'count(',
      `  sum by (job, instance) (instance_control_severity:dockersec_failing_controls:sum${fsel('control_severity="critical"')}) > 0`,
      ') or vector(0)',
    ].join('\n'),
    hostsWithFailures: `sum(job:dockersec_failing_instances:sum${fsel()})`,

    /** Compliance per section over time: passing controls out of those with a verdict, summed over hosts. */
    sectionCompliance: [
      `sum by (section) (section:dockersec_passing_controls:sum${fsel()})`,
      '/',
      `(sum by (section) (section:dockersec_judged_controls:sum${fsel()}) > 0)`,
    ].join('\n'),

    /**
     * Host x control: 1 where the host fails the control, 0 where it does not, for the controls that fail
     * somewhere in the fleet (the others would be an all-green column each).
     */
    failureMatrix: [
      `max by (instance, control) (dockersec_control_status${fsel('status="fail"')})`,
      `and on (control) (sum by (control) (control:dockersec_failing_instances:sum${fsel()}) > 0)`,
    ].join('\n'),

    /** Hosts with the most failing controls (the host dashboard is one click away). */
    worstHosts: `topk(10, sum by (job, instance) (instance:dockersec_failing_controls:sum${fsel()}))`,
    worstHostsCompliance: [
      `sum by (job, instance) (instance:dockersec_passing_controls:sum${fsel()})`,
      '/',
      `(sum by (job, instance) (instance:dockersec_judged_controls:sum${fsel()}) > 0)`,
    ].join('\n'),

    /** Controls by how many hosts fail them. */
    widestFailures: `topk(15, sum by (control) (control:dockersec_failing_instances:sum${fsel()}) > 0)`,

    pendingRestarts: `max by (job, instance) (dockersec_daemon_config_restart_pending${fsel()}) == 1`,

    /** Validity left of every daemon certificate, soonest first. */
    certificatesExpiring: `bottomk(20, dockersec_tls_cert_not_after_timestamp_seconds${fsel()} - time())`,

    exportersUp: `max by (instance) (up${fsel()})`,
    dockerReachable: `max by (instance) (dockersec_up${fsel()})`,
    evaluationAge: `max by (instance) (time() - dockersec_last_evaluation_timestamp_seconds${fsel()})`,
    droppedSeries: `sum by (instance) (increase(dockersec_container_series_dropped_total${fsel()}[$__rate_interval]))`,
  };
}
