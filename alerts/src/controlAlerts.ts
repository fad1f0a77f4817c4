// Alerts about the findings. Only `status="fail"` is ever selected: `waived` and `not_applicable`
// (and `error`, which the source alerts cover) stay silent by construction. The alert policy (issue 10):
// every control severity maps to an alert severity (config.controlAlertSeverity), so every failing
// control that is not waived alerts, once, by DockerSecControlFailing or by its dedicated alert.
import { ALERT_SEVERITIES, type AlertSeverity, type BundleConfig, CONTROL_SEVERITIES } from './config.js';
import { DAEMON_ALERT_CONTROLS } from './daemonAlerts.js';
import { timing } from './exporterAlerts.js';
import { anyOf, matchers, runbook } from './selectors.js';
import type { AlertingRule, RuleGroup } from './types.js';

/**
 * Joins a per-control series (a status, or a container's finding) with the control's catalog entry.
 * It matches on every label but the ones the two sides differ by, not `on (job, instance, control)`:
 * at a central Prometheus two hosts may share an instance (each site scraping its exporter at the same
 * address) and differ only by a fleet label such as site, which `on` would make a many-to-many error
 * that silences the whole rule. `title` comes along for the annotations only.
 */
const JOIN_INFO =
  'ignoring (status, container, image, title, cis, section, control_severity) group_left (cis, section, control_severity, title)';

/**
 * The join copies `title` into the alert's labels; an empty rule label removes it again, because a
 * reworded title in a new exporter release must not turn into a new alert identity. Annotations are
 * expanded from the joined sample, so they still see it.
 */
const DROP_TITLE = { title: '' };

const cisSuffix = '{{ if $labels.cis }} (CIS Docker Benchmark {{ $labels.cis }}){{ end }}';

/** A per-container finding that deserves its own alert, naming the container. */
interface ContainerAlert {
  readonly alert: string;
  readonly control: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  /** Completes "Container X (image Y) on Z …". */
  readonly finding: string;
}

export const CONTAINER_ALERTS: readonly ContainerAlert[] = [
  {
    alert: 'DockerSecPrivilegedContainer',
    control: 'container_privileged',
    severity: 'critical',
    summary: 'A privileged container is running.',
    finding:
      'runs privileged: it holds every capability and host device and is confined by neither seccomp nor ' +
      'AppArmor, so a compromise of the container is a compromise of the host',
  },
  {
    alert: 'DockerSecDockerSocketMounted',
    control: 'container_docker_socket',
    severity: 'critical',
    summary: 'A container has the Docker API socket mounted.',
    finding:
      'has the Docker daemon socket mounted: whoever controls the container can start a privileged ' +
      'container and so is root on the host',
  },
];

/**
 * Controls with an alert of their own; the generic rule leaves them out so nothing fires twice
 * (config_drift: an edit waiting for a restart is normal for a while, DockerSecDaemonConfigRestartPending
 * waits an hour; tls_cert_expiry: one alert per certificate, warning then critical).
 */
export const DEDICATED_CONTROLS: readonly string[] = [
  'config_valid',
  ...Object.values(DAEMON_ALERT_CONTROLS),
  ...CONTAINER_ALERTS.map((a) => a.control),
];

export function controlAlerts(config: BundleConfig): RuleGroup {
  const rules: AlertingRule[] = [];

  // One rule per alert severity: promtool rejects two rules with one name and the same labels.
  for (const severity of ALERT_SEVERITIES) {
    const controlSeverities = CONTROL_SEVERITIES.filter((s) => config.controlAlertSeverity[s] === severity);
    if (controlSeverities.length === 0) continue;
    const bySeverity =
      controlSeverities.length === 1
        ? `control_severity="${controlSeverities[0]}"`
        : `control_severity=~"${controlSeverities.join('|')}"`;
    rules.push({
      alert: 'DockerSecControlFailing',
      expr: [
        `(dockersec_control_status${matchers(config, 'status="fail"', `control!~"${anyOf(DEDICATED_CONTROLS)}"`)} == 1)`,
        `* ${JOIN_INFO}`,
        `  dockersec_control_info${matchers(config, bySeverity)}`,
      ].join('\n'),
      ...timing(config, 'controlFailing'),
      labels: { severity, ...DROP_TITLE },
      annotations: {
        summary: 'A Docker security control of {{ $labels.control_severity }} severity is failing.',
        description:
          `Control {{ $labels.control }}${cisSuffix}, "{{ $labels.title }}", of severity ` +
          '{{ $labels.control_severity }} in section {{ $labels.section }}, has been failing on ' +
          `{{ $labels.instance }} (job {{ $labels.job }}) for more than ${config.for.controlFailing}.`,
        runbook_url: runbook(config, '{{ $labels.control }}'),
      },
    });
  }

  rules.push({
    alert: 'DockerSecDaemonConfigInvalid',
    expr: [
      `(dockersec_control_status${matchers(config, 'control="config_valid"', 'status="fail"')} == 1)`,
      `* ${JOIN_INFO}`,
      `  dockersec_control_info${matchers(config)}`,
    ].join('\n'),
    ...timing(config, 'daemonConfigInvalid'),
    labels: { severity: 'critical', ...DROP_TITLE },
    annotations: {
      summary: 'dockerd would not start with its current configuration.',
      description:
        'The daemon configuration on {{ $labels.instance }} (job {{ $labels.job }}) would be rejected by dockerd ' +
        `(control {{ $labels.control }}${cisSuffix}, failing for more than ${config.for.daemonConfigInvalid}). ` +
        'The running daemon still uses the configuration it started with, but it will not come back after ' +
        'its next restart or reboot.',
      runbook_url: runbook(config, '{{ $labels.control }}'),
    },
  });

  for (const c of CONTAINER_ALERTS) {
    rules.push({
      alert: c.alert,
      expr: [
        `(dockersec_container_control_failing${matchers(config, `control="${c.control}"`)} == 1)`,
        `* ${JOIN_INFO}`,
        `  dockersec_control_info${matchers(config)}`,
      ].join('\n'),
      ...timing(config, 'containerFinding'),
      labels: { severity: c.severity, ...DROP_TITLE },
      annotations: {
        summary: c.summary,
        description:
          'Container {{ $labels.container }} (image {{ $labels.image }}) on {{ $labels.instance }} ' +
          `(job {{ $labels.job }}) ${c.finding}. Control {{ $labels.control }}${cisSuffix} has reported it ` +
          `for more than ${config.for.containerFinding}.`,
        runbook_url: runbook(config, c.control),
      },
    });
  }

  return { name: 'dockersec.control.alerts', rules };
}
