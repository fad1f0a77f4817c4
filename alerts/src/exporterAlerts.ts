// Alerts about the audit itself: when these fire, the control alerts can no longer be trusted to fire.
import { type BundleConfig, durationSeconds } from './config.js';
import { matchers, runbook } from './selectors.js';
import type { AlertingRule, RuleGroup } from './types.js';

/** `keep_firing_for` only when it does something, so the common case stays a plain rule. */
export function timing(
  config: BundleConfig,
  kind: keyof BundleConfig['for'],
): Pick<AlertingRule, 'for' | 'keep_firing_for'> {
  const keep = config.keepFiringFor[kind];
  return durationSeconds(keep) > 0
    ? { for: config.for[kind], keep_firing_for: keep }
    : { for: config.for[kind] };
}

export function exporterAlerts(config: BundleConfig): RuleGroup {
  const staleSeconds = durationSeconds(config.evaluationStaleAfter);
  const rules: AlertingRule[] = [
    {
      alert: 'DockerSecExporterDown',
      expr: `up${matchers(config)} == 0`,
      ...timing(config, 'exporterDown'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The dockersec exporter cannot be scraped.',
        description:
          'Prometheus has failed to scrape the dockersec exporter at {{ $labels.instance }} (job {{ $labels.job }}) ' +
          `for more than ${config.for.exporterDown}. The Docker security posture of that host is unknown and its ` +
          'control alerts cannot fire.',
        runbook_url: runbook(config, 'exporter-down'),
      },
    },
    {
      alert: 'DockerSecExporterAbsent',
      expr: `absent(up${matchers(config)})`,
      ...timing(config, 'exporterAbsent'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'No dockersec exporter target is known to Prometheus.',
        description:
          `No scrape target matching ${matchers(config)} has existed for more than ${config.for.exporterAbsent}: ` +
          'service discovery lost the exporters or the scrape job was removed, so no Docker host is audited.',
        runbook_url: runbook(config, 'exporter-absent'),
      },
    },
    {
      alert: 'DockerSecDockerApiUnreachable',
      expr: `dockersec_up${matchers(config)} == 0`,
      ...timing(config, 'dockerApiUnreachable'),
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The Docker Engine API does not answer the dockersec exporter.',
        description:
          'The exporter at {{ $labels.instance }} (job {{ $labels.job }}) has not reached the Docker Engine API ' +
          `for more than ${config.for.dockerApiUnreachable}: dockerd is down, did not come back after a restart, ` +
          'or the exporter lost access to its socket. Controls that need the API report status error.',
        runbook_url: runbook(config, 'docker-api-unreachable'),
      },
    },
    {
      alert: 'DockerSecEvaluationStale',
      expr: `time() - dockersec_last_evaluation_timestamp_seconds${matchers(config)} > ${staleSeconds}`,
      ...timing(config, 'evaluationStale'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'The dockersec exporter has stopped evaluating its controls.',
        description:
          'The last control evaluation of the exporter at {{ $labels.instance }} (job {{ $labels.job }}) ran ' +
          `{{ $value | humanizeDuration }} ago, more than the allowed ${config.evaluationStaleAfter}. ` +
          'The control metrics of that host are out of date.',
        runbook_url: runbook(config, 'evaluation-stale'),
      },
    },
    {
      alert: 'DockerSecSourceFailing',
      expr: `dockersec_source_up${matchers(config)} == 0`,
      ...timing(config, 'sourceFailing'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'A source of the dockersec exporter is failing.',
        description:
          'The exporter at {{ $labels.instance }} (job {{ $labels.job }}) has failed to read its ' +
          `{{ $labels.source }} source for more than ${config.for.sourceFailing}. ` +
          'Controls that need this source report status error instead of pass or fail.',
        runbook_url: runbook(config, 'source-failing'),
      },
    },
    {
      // The counter grows once per evaluation while over the cap, so an increase means "still over it".
      alert: 'DockerSecContainerSeriesDropped',
      expr: `increase(dockersec_container_series_dropped_total${matchers(config)}[${config.seriesDroppedWindow}]) > 0`,
      ...timing(config, 'containerSeriesDropped'),
      labels: { severity: 'info' },
      annotations: {
        summary: 'The dockersec exporter leaves out per-container findings over its series cap.',
        description:
          'The exporter at {{ $labels.instance }} (job {{ $labels.job }}) has more failing (control, container) ' +
          `pairs than --containers.max-series and has left some out of dockersec_container_control_failing in the last ${config.seriesDroppedWindow}. ` +
          'The per-control counts stay exact; the per-container alerts and tables miss the least severe findings.',
        runbook_url: runbook(config, 'container-series-dropped'),
      },
    },
  ];
  return { name: 'dockersec.exporter.alerts', rules };
}
