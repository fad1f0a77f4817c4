// Runs every control over one facts snapshot. Pure and total: whatever the facts hold, it returns an evaluation.
import { ControlError, hasSecurityOption } from '../controls/support.js';
import { type ControlDefinition, type ControlResult, STATUSES, type Status } from '../controls/types.js';
import { ConfigUnknownError, DaemonSettings } from '../facts/daemonSettings.js';
import { parseDockerdArgs } from '../facts/dockerd/flags.js';
import { releaseFor } from '../facts/dockerd/releases.js';
import { type Facts, factsSource, SOURCE_NAMES, type SourceName } from '../facts/types.js';
import { daemonOptions } from './daemonOptions.js';
import { exposureSummary } from './exposureSummary.js';
import type { Evaluation, SourceStatus } from './types.js';

export function settingsFor(facts: Pick<Facts, 'api' | 'daemonConfig' | 'dockerd'>): DaemonSettings {
  const api = facts.api.ok ? facts.api.value : null;
  const { release } = releaseFor(api?.version.version || api?.info.serverVersion || null);
  let file: DaemonSettings['file'] = null;
  let fileProblem: string | null = null;
  if (!facts.daemonConfig.ok) fileProblem = facts.daemonConfig.error;
  else if (facts.daemonConfig.value.parsed === null) {
    const e = facts.daemonConfig.value.parseError;
    fileProblem = `${facts.daemonConfig.value.path} is not valid JSON${e ? ` (line ${e.line}, column ${e.column}: ${e.message})` : ''}; configured values unknown`;
  } else file = facts.daemonConfig.value.parsed;
  return new DaemonSettings({
    file,
    fileProblem,
    flags: facts.dockerd.ok ? parseDockerdArgs(facts.dockerd.value.args, release) : null,
    flagsProblem: facts.dockerd.ok ? null : facts.dockerd.error,
    release,
  });
}

function runControl(control: ControlDefinition, facts: Facts, settings: DaemonSettings): ControlResult {
  const base = {
    id: control.id,
    title: control.title,
    cis: control.cis,
    section: control.section,
    severity: control.severity,
    remediation: control.remediation,
  };
  const failed = control.requires.filter((s) => !factsSource[s](facts).ok);
  if (failed.length > 0) {
    const why = failed
      .map((s) => {
        const f = factsSource[s](facts);
        return `${s}: ${f.ok ? '' : f.error}`;
      })
      .join('; ');
    return {
      ...base,
      status: 'error',
      reason: `source unavailable (${why})`,
      observed: null,
      expected: null,
      keys: [],
    };
  }
  try {
    const v = control.evaluate({ facts, settings });
    return {
      ...base,
      status: v.status,
      reason: v.reason,
      observed: v.observed ?? null,
      expected: v.expected ?? null,
      keys: v.keys ?? [],
      ...(v.containers ? { containers: v.containers } : {}),
    };
  } catch (e) {
    const known = e instanceof ControlError || e instanceof ConfigUnknownError;
    const reason = known
      ? (e as Error).message
      : `internal error in control ${control.id}: ${(e as Error).message}`;
    return { ...base, status: 'error', reason, observed: null, expected: null, keys: [] };
  }
}

export function evaluate(facts: Facts, catalog: readonly ControlDefinition[], now = Date.now): Evaluation {
  const started = performance.now();
  const settings = settingsFor(facts);
  const results = catalog.map((c) => runControl(c, facts, settings));
  const summary = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of results) summary[r.status]++;
  const sources = Object.fromEntries(
    SOURCE_NAMES.map((name): [SourceName, SourceStatus] => {
      const f = factsSource[name](facts);
      return [name, { up: f.ok, error: f.ok ? null : f.error }];
    }),
  ) as Record<SourceName, SourceStatus>;
  const api = facts.api.ok ? facts.api.value : null;
  const rootlessNow = api ? hasSecurityOption(api, 'rootless') : null;
  return {
    generatedAt: now(),
    durationSeconds: (performance.now() - started) / 1000,
    results,
    sources,
    docker: {
      host: facts.exporter.dockerHost,
      reachable: api !== null,
      version: api?.version.version || null,
      apiVersion: api?.negotiatedApiVersion ?? null,
      rootless: rootlessNow,
    },
    engine: api
      ? {
          version: api.version.version,
          apiVersion: api.version.apiVersion,
          minApiVersion: api.version.minApiVersion,
          os: api.version.os,
          arch: api.version.arch,
          kernelVersion: api.version.kernelVersion,
          storageDriver: api.info.driver,
          loggingDriver: api.info.loggingDriver,
          cgroupDriver: api.info.cgroupDriver,
          cgroupVersion: api.info.cgroupVersion,
          rootless: rootlessNow ?? false,
        }
      : null,
    options: daemonOptions(facts, settings),
    summary,
    daemonConfigPath: facts.daemonConfig.ok ? facts.daemonConfig.value.path : null,
    daemonConfigMtimeSeconds:
      facts.files.ok && facts.files.value.daemonJson.exists
        ? facts.files.value.daemonJson.mtimeSeconds
        : null,
    daemonStartTimeSeconds: facts.dockerd.ok ? facts.dockerd.value.startTimeSeconds : null,
    exposure: exposureSummary(facts, settings),
  };
}
