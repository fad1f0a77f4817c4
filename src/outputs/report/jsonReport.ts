// The `check --format json` document; schemaVersion changes only when a field changes meaning or goes away.
import type { Evaluation } from '../../evaluation/types.js';

export const REPORT_SCHEMA_VERSION = 1;

export function jsonReport(evaluation: Evaluation): Record<string, unknown> {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date(evaluation.generatedAt).toISOString(),
    docker: {
      host: evaluation.docker.host,
      reachable: evaluation.docker.reachable,
      version: evaluation.docker.version,
      apiVersion: evaluation.docker.apiVersion,
      rootless: evaluation.docker.rootless,
    },
    daemonConfig: { path: evaluation.daemonConfigPath },
    sources: Object.fromEntries(
      Object.entries(evaluation.sources).map(([name, s]) => [name, { up: s.up, error: s.error }]),
    ),
    summary: evaluation.summary,
    controls: evaluation.results.map((r) => ({
      id: r.id,
      title: r.title,
      cis: r.cis,
      section: r.section,
      severity: r.severity,
      status: r.status,
      reason: r.reason,
      remediation: r.remediation,
      observed: r.observed,
      expected: r.expected,
      keys: r.keys,
      ...(r.containers ? { containers: r.containers } : {}),
      ...(r.waivers ? { waivers: r.waivers } : {}),
      ...(r.waivedContainers ? { waivedContainers: r.waivedContainers } : {}),
      ...(r.expiredWaivers ? { expiredWaivers: r.expiredWaivers } : {}),
    })),
    ...(evaluation.waivers
      ? {
          waivers: {
            file: evaluation.waivers.file,
            entries: evaluation.waivers.entries.map(({ expiresAtSeconds: _, ...e }) => e),
          },
        }
      : {}),
  };
}
