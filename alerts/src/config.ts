// The knobs an operator may want to turn without touching the rule logic, mixin-style (`_config`).
// alerts/build.ts renders the shipped rules from `defaultConfig`; the end-to-end test renders a copy
// with short durations, so both come from the same code.

export type AlertSeverity = 'critical' | 'warning' | 'info';
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];

/** The exporter's own severity scale, carried by `dockersec_control_info{control_severity}`. */
export type ControlSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const CONTROL_SEVERITIES: readonly ControlSeverity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Prometheus duration, e.g. `15m`, `1h30m`, `0s`. */
export type Duration = string;

export interface BundleConfig {
  /** Label matchers that select the exporter's targets; put inside `{}` of every selector. */
  readonly selector: string;
  /** Where `docs/runbooks/` is published; runbook_url is `<base>/<name>.md`. */
  readonly runbookBaseUrl: string;
  /** Age of `dockersec_last_evaluation_timestamp_seconds` beyond which the evaluation counts as stale. */
  readonly evaluationStaleAfter: Duration;
  /**
   * Which control severities page or ticket, and as what (issue 10's alert policy). A severity left
   * out never alerts; the shipped policy leaves none out, so every failing control that is not waived
   * reaches a human: critical pages, high and below open a ticket.
   */
  readonly controlAlertSeverity: Readonly<Partial<Record<ControlSeverity, AlertSeverity>>>;
  /**
   * How long a condition must hold before it fires. Every value must outlast a daemon restart
   * (dockerd down, controls in `error`, sources failing for a minute or two) so a restart pages nobody.
   */
  readonly for: Readonly<Record<AlertKind, Duration>>;
  /**
   * How long a firing per-control alert keeps firing after its condition stopped holding. A restart
   * turns failing controls into `error` for a moment; without this the alert would resolve and then
   * wait a whole `for` again, sending two notifications for nothing.
   */
  readonly keepFiringFor: Readonly<Record<AlertKind, Duration>>;
  /**
   * Validity left below which a daemon TLS certificate alerts as warning, and as critical. The warning
   * matches the exporter's --tls.expiry-warning default, so the alert and tls_cert_expiry agree.
   */
  readonly certificateExpiry: { readonly warning: Duration; readonly critical: Duration };
  /**
   * Window over which dropped per-container series count. The exporter counts drops once per
   * evaluation and re-evaluates at least every --docker.resync-interval (5m by default), so the window
   * must span two of those or the alert flaps between them.
   */
  readonly seriesDroppedWindow: Duration;
  /**
   * Time left below which a waiver alerts as expiring. It matches the exporter's
   * --waivers.expiry-warning default, so the alert and `dockersec_waivers{state="expiring"}` agree.
   */
  readonly waiverExpiryWarning: Duration;
}

export type AlertKind =
  | 'exporterDown'
  | 'exporterAbsent'
  | 'dockerApiUnreachable'
  | 'evaluationStale'
  | 'sourceFailing'
  | 'controlFailing'
  | 'daemonConfigInvalid'
  | 'containerFinding'
  | 'certificateExpiring'
  | 'configRestartPending'
  | 'containerSeriesDropped'
  | 'waiverExpiring'
  | 'waiverExpired'
  | 'waiverUnused'
  | 'waiversReloadFailed';

export const defaultConfig: BundleConfig = {
  selector: 'job="dockersec"',
  runbookBaseUrl: 'https://github.com/dockersec/dockersec-exporter/blob/main/docs/runbooks',
  evaluationStaleAfter: '10m',
  // medium, low and info are a ticket, not a page: grouped per instance by Alertmanager, a host
  // with 20 of them is one notification.
  controlAlertSeverity: { critical: 'critical', high: 'warning', medium: 'info', low: 'info', info: 'info' },
  for: {
    exporterDown: '10m',
    exporterAbsent: '15m',
    dockerApiUnreachable: '10m',
    evaluationStale: '5m',
    sourceFailing: '15m',
    controlFailing: '15m',
    daemonConfigInvalid: '5m',
    containerFinding: '10m',
    certificateExpiring: '15m',
    // Editing daemon.json and restarting a little later is the normal way to change it; an hour
    // means the restart was forgotten.
    configRestartPending: '1h',
    containerSeriesDropped: '5m',
    // A waiver's expiry is a date: nothing flaps, the for only has to outlast a restart.
    waiverExpiring: '15m',
    waiverExpired: '5m',
    // A container waiver matches nothing for a moment while its container is recreated.
    waiverUnused: '1h',
    waiversReloadFailed: '5m',
  },
  keepFiringFor: {
    exporterDown: '0s',
    exporterAbsent: '0s',
    dockerApiUnreachable: '0s',
    evaluationStale: '0s',
    sourceFailing: '0s',
    controlFailing: '5m',
    daemonConfigInvalid: '5m',
    containerFinding: '5m',
    // The series of a listener's certificate is gone while dockerd restarts.
    certificateExpiring: '5m',
    configRestartPending: '0s',
    containerSeriesDropped: '0s',
    waiverExpiring: '0s',
    waiverExpired: '0s',
    waiverUnused: '0s',
    waiversReloadFailed: '0s',
  },
  certificateExpiry: { warning: '30d', critical: '7d' },
  seriesDroppedWindow: '15m',
  waiverExpiryWarning: '14d',
};

/** Returns a config with every `for` set to `forAll` and no keep_firing_for: for fast end-to-end runs. */
export function withShortDurations(config: BundleConfig, forAll: Duration): BundleConfig {
  const each = <T>(value: T): Record<AlertKind, T> =>
    Object.fromEntries(Object.keys(config.for).map((k) => [k, value])) as Record<AlertKind, T>;
  return { ...config, for: each(forAll), keepFiringFor: each('0s') };
}

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  y: 31536000,
};

/** Parses a Prometheus duration (`1h30m`, `90s`) into seconds; throws on anything else. */
export function durationSeconds(duration: Duration): number {
  const parts = [...duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) {
    throw new Error(`not a Prometheus duration: ${JSON.stringify(duration)}`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
}
