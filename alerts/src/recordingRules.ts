// Fleet views. The compliance ratios count only controls that reached a verdict: `waived`,
// `not_applicable` and `error` are neither compliant nor not, so they leave numerator and denominator
// alike; where nothing is left the ratio has no sample rather than a NaN.
import type { BundleConfig } from './config.js';
import { matchers } from './selectors.js';
import type { RecordingRule, RuleGroup } from './types.js';

export function recordingRules(config: BundleConfig): RuleGroup {
  const status = (s: string) => `dockersec_control_status${matchers(config, `status${s}`)}`;
  const ratio = (by: string) =>
    `sum by (${by}) (${status('="pass"')})\n/\n(sum by (${by}) (${status('=~"pass|fail"')}) > 0)`;

  const rules: RecordingRule[] = [
    {
      record: 'instance:dockersec_failing_controls:sum',
      expr: `sum by (job, instance) (${status('="fail"')})`,
    },
    {
      record: 'instance_control_severity:dockersec_failing_controls:sum',
      expr: [
        `sum by (job, instance, control_severity) (`,
        `  ${status('="fail"')}`,
        `  * on (job, instance, control) group_left (control_severity)`,
        `  dockersec_control_info${matchers(config)}`,
        ')',
      ].join('\n'),
    },
    { record: 'instance:dockersec_control_compliance:ratio', expr: ratio('job, instance') },
    { record: 'control:dockersec_control_compliance:ratio', expr: ratio('job, control') },
    { record: 'job:dockersec_control_compliance:ratio', expr: ratio('job') },
    {
      record: 'control:dockersec_failing_instances:sum',
      expr: `sum by (job, control) (${status('="fail"')})`,
    },
  ];
  return { name: 'dockersec.rules', rules };
}
