// Runs every control over one facts snapshot. Pure and total: whatever the facts hold, it returns an evaluation.
import { cisId } from '../controls/define.js';
import {
  CIS_VERSIONS,
  type CisVersion,
  type ControlDefinition,
  type ControlResult,
  DEFAULT_CIS_VERSION,
  type EvaluationContext,
  STATUSES,
  type Status,
} from '../controls/types.js';
import { type DockerdModel, modelDockerd, UndecidableError } from '../dockerd/index.js';
import { type Facts, factsSource, SOURCE_NAMES, type SourceName } from '../facts/types.js';
import { applyWaivers } from '../policy/apply.js';
import type { ContainerIdentity } from '../policy/match.js';
import type { WaiverSettings } from '../policy/waivers.js';
import { exposureSummary } from './exposureSummary.js';
import { settingLocations } from './locations.js';
import type { Evaluation, SourceStatus } from './types.js';

/** --cis.version as the facts carry it; anything else is the newest version. */
export function cisVersionOf(facts: Pick<Facts, 'exporter'>): CisVersion {
  const v = facts.exporter.cisVersion;
  return (CIS_VERSIONS as readonly string[]).includes(v ?? '') ? (v as CisVersion) : DEFAULT_CIS_VERSION;
}

/**
 * One control's result. `context` is what the control's evaluate() gets (the incremental evaluator passes one
 * that records what the control reads); by default the facts and model as they are.
 */
export function runControl(
  control: ControlDefinition,
  facts: Facts,
  dockerd: DockerdModel,
  context: EvaluationContext = { facts, dockerd, settings: dockerd.settings },
): ControlResult {
  const base = {
    id: control.id,
    title: control.title,
    cis: cisId(control, cisVersionOf(facts)),
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
    const v = control.evaluate(context);
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
    const known = e instanceof UndecidableError;
    const reason = known
      ? (e as Error).message
      : `internal error in control ${control.id}: ${(e as Error).message}`;
    return { ...base, status: 'error', reason, observed: null, expected: null, keys: [] };
  }
}

/**
 * Every control of the catalog over the facts, then the waivers (when given) as of `now()`: the controls' own
 * verdicts do not depend on the waivers, so applying them again later only needs the same facts.
 */
export function evaluate(
  facts: Facts,
  catalog: readonly ControlDefinition[],
  now: () => number = Date.now,
  waivers?: WaiverSettings,
): Evaluation {
  const started = performance.now();
  const dockerd = modelDockerd(facts);
  const evaluatedAt = now();
  const verdicts = catalog.map((c) => runControl(c, facts, dockerd));
  return finishEvaluation(facts, dockerd, verdicts, { started, evaluatedAt, waivers });
}

/** The evaluation around the controls' verdicts: waivers, summary, sources, engine, options, exposure. */
export function finishEvaluation(
  facts: Facts,
  dockerd: DockerdModel,
  verdicts: ControlResult[],
  at: { readonly started: number; readonly evaluatedAt: number; readonly waivers?: WaiverSettings },
): Evaluation {
  const { started, evaluatedAt, waivers } = at;
  const applied = waivers
    ? applyWaivers(verdicts, waivers, containerIdentities(facts), evaluatedAt)
    : { results: verdicts, waivers: undefined };
  const results = applied.results;
  const summary = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of results) summary[r.status]++;
  const sources = Object.fromEntries(
    SOURCE_NAMES.map((name): [SourceName, SourceStatus] => {
      const f = factsSource[name](facts);
      const durationSeconds = facts.sourceDurations?.[name];
      return [
        name,
        {
          up: f.ok,
          error: f.ok ? null : f.error,
          ...(durationSeconds === undefined ? {} : { durationSeconds }),
        },
      ];
    }),
  ) as Record<SourceName, SourceStatus>;
  const api = facts.api.ok ? facts.api.value : null;
  const rootlessNow = dockerd.rootless;
  return {
    generatedAt: evaluatedAt,
    durationSeconds: (performance.now() - started) / 1000,
    results,
    sources,
    cisVersion: cisVersionOf(facts),
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
    options: dockerd.options,
    summary,
    daemonConfigPath: facts.daemonConfig.ok ? facts.daemonConfig.value.path : null,
    daemonConfigMtimeSeconds:
      facts.files.ok && facts.files.value.daemonJson.exists
        ? facts.files.value.daemonJson.mtimeSeconds
        : null,
    daemonStartTimeSeconds: facts.dockerd.ok ? facts.dockerd.value.startTimeSeconds : null,
    exposure: exposureSummary(dockerd),
    settingLocations: settingLocations(facts, dockerd, results),
    dataRoot: facts.api.ok ? facts.api.value.info.dockerRootDir || null : null,
    ...(applied.waivers ? { waivers: applied.waivers } : {}),
  };
}

/** What container waivers match on, by container id. */
function containerIdentities(facts: Facts): ReadonlyMap<string, ContainerIdentity> {
  if (!facts.containers.ok) return new Map();
  return new Map(facts.containers.value.containers.map((c) => [c.id, c]));
}
