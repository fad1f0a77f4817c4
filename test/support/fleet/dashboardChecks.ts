// The fleet dashboard's queries, run against the central Prometheus of a fleet run: each must return data,
// as Grafana would send it with every job selected and no ad hoc filter.
import { readFileSync } from 'node:fs';
import { allTargets, expandVariables, type GrafanaDashboard } from '../../bundle/support/dashboardLint.js';
import { type CheckResult, runCheck } from './checks.js';
import type { Fleet } from './fleet.js';

export function dashboardQueriesCheck(
  fleet: Fleet,
  dashboardFile: string,
  rateInterval: string,
  timeoutMs: number,
): Promise<CheckResult> {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as GrafanaDashboard;
  const targets = allTargets(dashboard);
  return runCheck(
    `every query of ${dashboard.uid} (${targets.length}) returns data from the central Prometheus`,
    timeoutMs,
    async () => {
      const problems: string[] = [];
      for (const { panel, target } of targets) {
        const expr = expandVariables(target.expr ?? '', rateInterval);
        const where = `"${panel.title}" ${target.refId}`;
        try {
          const n = target.instant
            ? (await fleet.central.query(expr)).length
            : await fleet.central.rangeSeries(expr, 120);
          if (n === 0) problems.push(`${where}: no data`);
        } catch (e) {
          problems.push(`${where}: ${(e as Error).message}`);
        }
      }
      return problems;
    },
  );
}
