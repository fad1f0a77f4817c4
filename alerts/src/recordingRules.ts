// Fleet views (issue 14), named `level:metric:operation`. Each ratio is recorded with its numerator
// and denominator, aggregated separately and divided last, so a higher level (a central Prometheus,
// federation of these aggregates only, Thanos or Mimir) sums the parts again and divides: an average of
// ratios would weigh a host with 3 judged controls like one with 90.
//
// Aggregations use `without`, never `by`: whatever labels identify a host beyond job and instance
// (target labels or external labels such as site, env, team added on the way to a central Prometheus)
// survive every level, so a fleet can be sliced by them without changing these rules. For the same
// reason the join with dockersec_control_info matches on every label but the ones it differs by.
//
// The compliance ratios count only controls that reached a verdict: `waived`, `not_applicable` and
// `error` are neither compliant nor not, so they leave numerator and denominator alike; where nothing
// is left the ratio has no sample rather than a NaN.
import type { BundleConfig } from './config.js';
import { matchers } from './selectors.js';
import type { RecordingRule, RuleGroup } from './types.js';

/** Labels of dockersec_control_info beside the control's identity. */
const INFO_LABELS = 'title, cis, section, control_severity';

export function recordingRules(config: BundleConfig): RuleGroup {
  const status = (s: string) => `dockersec_control_status${matchers(config, `status${s}`)}`;
  const sections = (s: string) => `dockersec_controls${matchers(config, `status${s}`)}`;
  const recorded = (name: string) => `${name}${matchers(config)}`;
  const ratio = (level: string, numerator: string, denominator: string): RecordingRule => ({
    record: `${level}:dockersec_control_compliance:ratio`,
    expr: `${recorded(numerator)}\n/\n(${recorded(denominator)} > 0)`,
  });

  const rules: RecordingRule[] = [
    // Per host: failing, passing and judged controls, and their ratio.
    {
      record: 'instance:dockersec_failing_controls:sum',
      expr: `sum without (control, status) (${status('="fail"')})`,
    },
    {
      record: 'instance:dockersec_passing_controls:sum',
      expr: `sum without (control, status) (${status('="pass"')})`,
    },
    {
      record: 'instance:dockersec_judged_controls:sum',
      expr: `sum without (control, status) (${status('=~"pass|fail"')})`,
    },
    ratio('instance', 'instance:dockersec_passing_controls:sum', 'instance:dockersec_judged_controls:sum'),
    {
      record: 'instance_control_severity:dockersec_failing_controls:sum',
      expr: [
        'sum without (control, status) (',
        `  ${status('="fail"')}`,
        `  * ignoring (status, ${INFO_LABELS}) group_left (control_severity)`,
        `  dockersec_control_info${matchers(config)}`,
        ')',
      ].join('\n'),
    },

    // Per control across hosts: how many hosts fail, pass and were judged.
    {
      record: 'control:dockersec_failing_instances:sum',
      expr: `sum without (instance, status) (${status('="fail"')})`,
    },
    {
      record: 'control:dockersec_passing_instances:sum',
      expr: `sum without (instance, status) (${status('="pass"')})`,
    },
    {
      record: 'control:dockersec_judged_instances:sum',
      expr: `sum without (instance, status) (${status('=~"pass|fail"')})`,
    },
    ratio('control', 'control:dockersec_passing_instances:sum', 'control:dockersec_judged_instances:sum'),

    // Per section across hosts, from the exporter's own per-section counts (no join needed).
    {
      record: 'section:dockersec_passing_controls:sum',
      expr: `sum without (instance, status) (${sections('="pass"')})`,
    },
    {
      record: 'section:dockersec_judged_controls:sum',
      expr: `sum without (instance, status) (${sections('=~"pass|fail"')})`,
    },
    ratio('section', 'section:dockersec_passing_controls:sum', 'section:dockersec_judged_controls:sum'),

    // The whole job (and whatever fleet labels it carries), summed from the per-host parts.
    {
      record: 'job:dockersec_passing_controls:sum',
      expr: `sum without (instance) (${recorded('instance:dockersec_passing_controls:sum')})`,
    },
    {
      record: 'job:dockersec_judged_controls:sum',
      expr: `sum without (instance) (${recorded('instance:dockersec_judged_controls:sum')})`,
    },
    ratio('job', 'job:dockersec_passing_controls:sum', 'job:dockersec_judged_controls:sum'),
    {
      // Hosts with at least one failing control, out of job:dockersec_instances:count.
      record: 'job:dockersec_failing_instances:sum',
      expr: `sum without (instance) (${recorded('instance:dockersec_failing_controls:sum')} > bool 0)`,
    },
    {
      record: 'job:dockersec_instances:count',
      expr: `count without (instance) (${recorded('instance:dockersec_judged_controls:sum')})`,
    },
  ];
  return { name: 'dockersec.rules', rules };
}
