// Alerts about the daemon read from its own metrics rather than from a control's verdict: each
// certificate with its own deadline, and a configuration edit that waits for a restart.
import { type BundleConfig, durationSeconds } from './config.js';
import { timing } from './exporterAlerts.js';
import { matchers, runbook, unlessWaived } from './selectors.js';
import type { AlertingRule, RuleGroup } from './types.js';

export const CERTIFICATE_METRIC = 'dockersec_tls_cert_not_after_timestamp_seconds';
export const RESTART_PENDING_METRIC = 'dockersec_daemon_config_restart_pending';

/**
 * Controls whose findings these alerts report from the daemon's own metrics: the generic
 * DockerSecControlFailing leaves them out, so one finding is one alert. A waiver of the control
 * silences these alerts too.
 */
export const DAEMON_ALERT_CONTROLS = { certificate: 'tls_cert_expiry', restart: 'config_drift' } as const;

export function daemonAlerts(config: BundleConfig): RuleGroup {
  // The comparison keeps the sample's own value, notAfter, so the description can print the date;
  // an expired certificate stays below both thresholds and keeps alerting.
  const expiring = (within: string, severity: 'warning' | 'critical'): AlertingRule => ({
    alert: 'DockerSecTlsCertificateExpiring',
    expr: `${CERTIFICATE_METRIC}${matchers(config)} < time() + ${durationSeconds(within)}\n${unlessWaived(config, DAEMON_ALERT_CONTROLS.certificate, ['role', 'path'])}`,
    ...timing(config, 'certificateExpiring'),
    labels: { severity },
    annotations: {
      summary: `A TLS certificate of the Docker daemon expires within ${within} or has expired.`,
      description:
        'The {{ $labels.role }} certificate {{ $labels.path }} of the Docker daemon on {{ $labels.instance }} ' +
        `(job {{ $labels.job }}) is valid until {{ $value | humanizeTimestamp }}: less than ${within} from now, or past. ` +
        'Once it expires, clients of the TLS listener cannot connect (an expired CA rejects every client ' +
        'certificate). dockerd reads its certificates only when it starts: renew, then restart it.',
      runbook_url: runbook(config, DAEMON_ALERT_CONTROLS.certificate),
    },
  });

  const rules: AlertingRule[] = [
    // Both fire under the critical threshold, mixin-style: the ticket stays open while the page goes
    // out, instead of resolving the moment things got worse.
    expiring(config.certificateExpiry.warning, 'warning'),
    expiring(config.certificateExpiry.critical, 'critical'),
    {
      alert: 'DockerSecDaemonConfigRestartPending',
      expr: `${RESTART_PENDING_METRIC}${matchers(config)} == 1\n${unlessWaived(config, DAEMON_ALERT_CONTROLS.restart, [])}`,
      ...timing(config, 'configRestartPending'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Docker daemon settings changed on disk wait for a restart.',
        description:
          'dockerd on {{ $labels.instance }} (job {{ $labels.job }}) has run for more than ' +
          `${config.for.configRestartPending} with settings other than its daemon.json, service unit or TLS files ` +
          'say: its next restart or reboot changes how it runs, and the control verdicts describe the files, ' +
          'not the running daemon. Control config_drift names the settings.',
        runbook_url: runbook(config, DAEMON_ALERT_CONTROLS.restart),
      },
    },
  ];
  return { name: 'dockersec.daemon.alerts', rules };
}
