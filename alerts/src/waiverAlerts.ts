// Alerts about the waivers themselves (issue 10): an accepted exception is reviewed before it runs out,
// noticed when it has, cleaned up when it covers nothing, and a waivers file the exporter could not
// load is not left unnoticed. The metrics come from the exporter's --waivers.file:
//   dockersec_waiver_expiry_timestamp_seconds{control,owner}   one per waived control of each waiver
//   dockersec_waiver_info{control,owner,ticket,reason}          1, the waiver's reason and ticket
//   dockersec_waivers{state="active|expiring|expired|unused"}  counts, as the exporter judges them
//   dockersec_waivers_last_reload_successful                   0 while a broken file is ignored
import { type BundleConfig, durationSeconds } from './config.js';
import { timing } from './exporterAlerts.js';
import { matchers, runbook } from './selectors.js';
import type { AlertingRule, RuleGroup } from './types.js';

export const WAIVER_EXPIRY_METRIC = 'dockersec_waiver_expiry_timestamp_seconds';
export const WAIVER_INFO_METRIC = 'dockersec_waiver_info';
export const WAIVERS_METRIC = 'dockersec_waivers';
export const WAIVERS_RELOAD_METRIC = 'dockersec_waivers_last_reload_successful';

/**
 * The reason and ticket of the waiver an alert is about, looked up when the alert is sent rather than
 * joined into the expression: reason is free text (no alert label), and two waivers of one control and
 * owner would make a join fail the whole rule. Renders nothing when the info series is missing.
 */
const REASON =
  '{{ range query (printf "dockersec_waiver_info{job=%q, instance=%q, control=%q, owner=%q}" ' +
  '$labels.job $labels.instance $labels.control $labels.owner) }} Reason given: "{{ .Labels.reason }}"' +
  '{{ if .Labels.ticket }} (ticket {{ .Labels.ticket }}){{ end }}.{{ end }}';

export function waiverAlerts(config: BundleConfig): RuleGroup {
  const expiry = `${WAIVER_EXPIRY_METRIC}${matchers(config)}`;
  const warning = durationSeconds(config.waiverExpiryWarning);
  const rules: AlertingRule[] = [
    {
      // The comparisons keep the sample's value, the expiry time, for the description.
      alert: 'DockerSecWaiverExpiring',
      expr: `${expiry} > time()\nand\n${expiry} < time() + ${warning}`,
      ...timing(config, 'waiverExpiring'),
      labels: { severity: 'info' },
      annotations: {
        summary: `A waiver of a Docker security control expires within ${config.waiverExpiryWarning}.`,
        description:
          'The waiver of control {{ $labels.control }} owned by {{ $labels.owner }} on {{ $labels.instance }} ' +
          '(job {{ $labels.job }}) expires on {{ $value | humanizeTimestamp }}. From then on the control is ' +
          `judged again and alerts if it still fails: fix the finding, or review the waiver and renew it.${REASON}`,
        runbook_url: runbook(config, 'waiver-expiring'),
      },
    },
    {
      alert: 'DockerSecWaiverExpired',
      expr: `${expiry} <= time()`,
      ...timing(config, 'waiverExpired'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A waiver of a Docker security control has expired.',
        description:
          'The waiver of control {{ $labels.control }} owned by {{ $labels.owner }} on {{ $labels.instance }} ' +
          '(job {{ $labels.job }}) expired on {{ $value | humanizeTimestamp }} and no longer applies: the ' +
          'control is judged as if it were not there, and its alert fires if it fails. Fix the finding, ' +
          `renew the waiver after a review, or remove it.${REASON}`,
        runbook_url: runbook(config, 'waiver-expired'),
      },
    },
    {
      alert: 'DockerSecWaiverUnused',
      expr: `${WAIVERS_METRIC}${matchers(config, 'state="unused"')} > 0`,
      ...timing(config, 'waiverUnused'),
      labels: { severity: 'info' },
      annotations: {
        summary: 'A waiver of a Docker security control covers nothing that fails.',
        description:
          '{{ $value }} waiver(s) in the waivers file of the exporter at {{ $labels.instance }} (job {{ $labels.job }}) ' +
          `have matched no failing control or container for more than ${config.for.waiverUnused}: the finding was ` +
          'fixed, the container is gone, or the waiver names the wrong thing. Remove them, so they cannot hide ' +
          'the next failure of the same control.',
        runbook_url: runbook(config, 'waiver-unused'),
      },
    },
    {
      alert: 'DockerSecWaiversReloadFailed',
      expr: `${WAIVERS_RELOAD_METRIC}${matchers(config)} == 0`,
      ...timing(config, 'waiversReloadFailed'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The dockersec exporter cannot load its edited waivers file.',
        description:
          'The exporter at {{ $labels.instance }} (job {{ $labels.job }}) has failed to reload its --waivers.file ' +
          `for more than ${config.for.waiversReloadFailed} and keeps judging with the last waivers it loaded: ` +
          'the edit, a new waiver or a removed one, has not taken effect.',
        runbook_url: runbook(config, 'waivers-reload-failed'),
      },
    },
  ];
  return { name: 'dockersec.waiver.alerts', rules };
}
