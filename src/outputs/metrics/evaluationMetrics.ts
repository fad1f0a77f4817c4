// Renders a finished evaluation as Prometheus text, once per evaluation: scrapes serve the cached text.
import { Gauge, Registry } from 'prom-client';
import { SECTIONS, STATUSES } from '../../controls/types.js';
import type { Evaluation } from '../../evaluation/types.js';
import type { BuildInfo } from '../buildInfo.js';
import { type ContainerSeriesBudget, renderContainerMetrics } from './containerMetrics.js';
import { renderExposureMetrics } from './exposureMetrics.js';
import { labelValue } from './labelValue.js';
import { renderWaiverMetrics } from './waiverMetrics.js';

/** A fresh registry per evaluation, so a control or option that disappears leaves no stale series. */
export async function renderEvaluation(
  evaluation: Evaluation,
  build: BuildInfo,
  containerSeries?: ContainerSeriesBudget,
): Promise<string> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers: [registry] });

  gauge('dockersec_up', 'Whether the Docker Engine API answered at the last evaluation (1) or not (0).').set(
    evaluation.docker.reachable ? 1 : 0,
  );

  const status = gauge(
    'dockersec_control_status',
    'Verdict of each security control, as a state set: exactly one status is 1.',
    ['control', 'status'],
  );
  const info = gauge(
    'dockersec_control_info',
    'Static description of each control: title, CIS Docker Benchmark id (of --cis.version), section and severity.',
    ['control', 'title', 'cis', 'section', 'control_severity'],
  );
  for (const r of evaluation.results) {
    for (const s of STATUSES) status.set({ control: r.id, status: s }, r.status === s ? 1 : 0);
    info.set(
      {
        control: r.id,
        title: labelValue(r.title),
        cis: r.cis ?? '',
        section: r.section,
        control_severity: r.severity,
      },
      1,
    );
  }

  const option = gauge(
    'dockersec_daemon_option_enabled',
    'Whether a daemon security option is on, as configured (daemon.json and flags) or as the running daemon reports it.',
    ['option', 'source'],
  );
  for (const o of evaluation.options) option.set({ option: o.option, source: o.source }, o.enabled ? 1 : 0);

  gauge('dockersec_last_evaluation_timestamp_seconds', 'Unix time of the last completed evaluation.').set(
    evaluation.generatedAt / 1000,
  );
  gauge('dockersec_evaluation_duration_seconds', 'Time the last evaluation of the controls took.').set(
    evaluation.durationSeconds,
  );
  const sourceUp = gauge(
    'dockersec_source_up',
    'Whether each source of facts succeeded at the last evaluation.',
    ['source'],
  );
  for (const [source, s] of Object.entries(evaluation.sources)) sourceUp.set({ source }, s.up ? 1 : 0);
  const sourceDuration = gauge(
    'dockersec_source_duration_seconds',
    'Time the last read of each source of facts took; a source kept from an earlier evaluation keeps its time.',
    ['source'],
  );
  for (const [source, s] of Object.entries(evaluation.sources)) {
    if (s.durationSeconds !== undefined) sourceDuration.set({ source }, s.durationSeconds);
  }

  gauge('dockersec_build_info', 'Build of the exporter.', ['version', 'revision', 'nodejs_version']).set(
    {
      version: labelValue(build.version),
      revision: labelValue(build.revision),
      nodejs_version: process.version,
    },
    1,
  );

  if (evaluation.engine) {
    const e = evaluation.engine;
    gauge('dockersec_engine_info', 'The Docker Engine the exporter audits.', [
      'version',
      'api_version',
      'min_api_version',
      'os',
      'arch',
      'kernel_version',
      'storage_driver',
      'logging_driver',
      'cgroup_driver',
      'cgroup_version',
      'rootless',
    ]).set(
      {
        // What the daemon reports: bounded like any other string from the host.
        version: labelValue(e.version),
        api_version: labelValue(e.apiVersion),
        min_api_version: labelValue(e.minApiVersion ?? ''),
        os: labelValue(e.os),
        arch: labelValue(e.arch),
        kernel_version: labelValue(e.kernelVersion),
        storage_driver: labelValue(e.storageDriver),
        logging_driver: labelValue(e.loggingDriver),
        cgroup_driver: labelValue(e.cgroupDriver),
        cgroup_version: labelValue(e.cgroupVersion),
        rootless: String(e.rootless),
      },
      1,
    );
  }

  const bySection = gauge(
    'dockersec_controls',
    'Number of controls per section and status at the last evaluation.',
    ['section', 'status'],
  );
  for (const section of Object.keys(SECTIONS)) {
    const inSection = evaluation.results.filter((r) => r.section === section);
    if (inSection.length === 0) continue;
    for (const s of STATUSES)
      bySection.set({ section, status: s }, inSection.filter((r) => r.status === s).length);
  }

  if (evaluation.daemonConfigMtimeSeconds !== null) {
    gauge('dockersec_daemon_config_mtime_seconds', 'Modification time of daemon.json (Unix time).').set(
      evaluation.daemonConfigMtimeSeconds,
    );
  }
  if (evaluation.daemonStartTimeSeconds !== null) {
    gauge(
      'dockersec_daemon_start_time_seconds',
      'Start time of the audited dockerd process (Unix time).',
    ).set(evaluation.daemonStartTimeSeconds);
  }
  renderContainerMetrics(registry, evaluation, containerSeries);
  renderExposureMetrics(registry, evaluation);
  renderWaiverMetrics(registry, evaluation);
  return registry.metrics();
}
