// Every PromQL query of the dashboard. Each selector carries `job=~"$job", instance=~"$instance"`
// (dashboard-linter's target-job and target-instance rules), so all of them follow the variables, plus
// the matchers of the bundle's selector other than job (`env="prod"` of `job="docker-audit", env="prod"`),
// so a dashboard built for an operator's selector reads only its targets.
import { parseMatchers } from '../../alerts/src/promql.js';

/**
 * Matches a per-control series with its dockersec_control_info on every label but the ones they differ
 * by, like the alert rules: with all instances selected at a central Prometheus, two hosts sharing an
 * instance in two sites stay apart instead of failing the query as many-to-many.
 */
const JOIN_INFO = 'ignoring (status, container, image, title, cis, section, control_severity)';

/** Numeric codes for the state timeline; the dashboard maps them back to names and colours. */
export const STATUS_CODES = { pass: 0, fail: 1, error: 2, waived: 3, not_applicable: 4 } as const;

/** A matcher as PromQL text. */
const matcherText = (m: { name: string; op: string; value: string }): string =>
  `${m.name}${m.op}${JSON.stringify(m.value)}`;

/**
 * The selector's matchers split for the dashboard: the job ones restrict the `$job` variable's choices,
 * the others go into every query. Throws on a selector that is not a list of matchers.
 */
export function splitSelector(selector: string): { job: string[]; fixed: string[] } {
  const all = parseMatchers(selector);
  return {
    job: all.filter((m) => m.name === 'job').map(matcherText),
    fixed: all.filter((m) => m.name !== 'job').map(matcherText),
  };
}

/** The dashboard's queries for a bundle selector (`job="dockersec"` by default). */
export function queriesFor(selector: string) {
  const { fixed } = splitSelector(selector);
  /** `{job=~"$job", instance=~"$instance", <selector's other matchers>, <extra>}` */
  const sel = (...extra: string[]): string =>
    `{${['job=~"$job"', 'instance=~"$instance"', ...fixed, ...extra].join(', ')}}`;
  return {
    failingBySeverity: (severity: string) =>
      `sum(dockersec_control_status${sel('status="fail"')} * ${JOIN_INFO} dockersec_control_info${sel(`control_severity="${severity}"`)})`,

    complianceRatio: `sum(dockersec_control_status${sel('status="pass"')})\n/\nsum(dockersec_control_status${sel('status=~"pass|fail"')})`,

    hostsReporting: `sum(up${sel()})`,
    hostsTargeted: `count(up${sel()})`,

    dockerReachable: `dockersec_up${sel()}`,

    /**
     * The failing controls with their catalog entry. label_replace copies the control id into a
     * `remediation` column that a value mapping turns into the catalog's remediation text: the text is
     * far too long for a label, so it lives in the dashboard instead.
     */
    failingControls: [
      'label_replace(',
      `  (dockersec_control_status${sel('status="fail"')} == 1)`,
      `  * ${JOIN_INFO} group_left (cis, title, section, control_severity)`,
      `  dockersec_control_info${sel()},`,
      '  "remediation", "$1", "control", "(.+)"',
      ')',
    ].join('\n'),

    /** How many controls (per instance, summed over the selection) have a status: waived apart from pass and fail. */
    controlsWithStatus: (status: keyof typeof STATUS_CODES) =>
      `sum(dockersec_control_status${sel(`status="${status}"`)})`,

    /** The waived controls with their catalog entry: accepted exceptions, neither passing nor failing. */
    waivedControls: [
      `(dockersec_control_status${sel('status="waived"')} == 1)`,
      `* ${JOIN_INFO} group_left (cis, title, section, control_severity)`,
      `dockersec_control_info${sel()}`,
    ].join('\n'),

    /** Waivers of the exporter's --waivers.file by state, as the exporter judges them. */
    waiversInState: (state: 'active' | 'expiring' | 'expired' | 'unused') =>
      `sum(dockersec_waivers${sel(`state="${state}"`)})`,

    /**
     * The waiver table: who owns each waiver and why (the info metric), when it runs out and how long
     * is left. Three queries merged on their labels in the panel rather than joined here: two waivers of
     * one control and owner would make a PromQL join fail.
     */
    waiverInfo: `dockersec_waiver_info${sel()}`,
    waiverExpiry: `dockersec_waiver_expiry_timestamp_seconds${sel()}`,
    waiverTimeLeft: `dockersec_waiver_expiry_timestamp_seconds${sel()} - time()`,

    /** One series per instance and control whose value is the status code of STATUS_CODES. */
    controlStatusCode: [
      'max by (instance, control) (',
      Object.entries(STATUS_CODES)
        .map(([status, code]) => `  (dockersec_control_status${sel(`status="${status}"`)} == 1) * ${code}`)
        .join('\n  or\n'),
      ')',
    ].join('\n'),

    containerFindings: [
      `dockersec_container_control_failing${sel()}`,
      `* ${JOIN_INFO} group_left (cis, title, control_severity)`,
      `dockersec_control_info${sel()}`,
    ].join('\n'),

    failingContainersPerControl: `sum by (control) (dockersec_control_failing_containers${sel()})`,

    optionConfigured: `max by (instance, option) (dockersec_daemon_option_enabled${sel('source="config"')})`,
    optionRunning: `max by (instance, option) (dockersec_daemon_option_enabled${sel('source="runtime"')})`,
    /** 1 where daemon.json and the running daemon disagree: an edit waiting for a restart, or an override. */
    optionDrift: [
      `max by (instance, option) (dockersec_daemon_option_enabled${sel('source="config"')})`,
      '!= bool',
      `max by (instance, option) (dockersec_daemon_option_enabled${sel('source="runtime"')})`,
    ].join('\n'),

    engineInfo: `dockersec_engine_info${sel()}`,
    buildInfo: `dockersec_build_info${sel()}`,

    sourceUp: `dockersec_source_up${sel()}`,
    evaluationAge: `time() - dockersec_last_evaluation_timestamp_seconds${sel()}`,
    evaluationDuration: `dockersec_evaluation_duration_seconds${sel()}`,
    evaluationRate: `sum by (instance) (rate(dockersec_evaluations_total${sel()}[$__rate_interval]))`,
    apiRequestRate: `sum by (instance, endpoint) (rate(dockersec_docker_api_requests_total${sel()}[$__rate_interval]))`,
  };
}

export type DashboardQueries = ReturnType<typeof queriesFor>;
