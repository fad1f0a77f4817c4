import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const RULE_FILE = join(REPO, 'alerts', 'dockersec.rules.yml');
export const PROMTOOL_TESTS = join(REPO, 'test', 'bundle', 'promtool');
export const RUNBOOKS = join(REPO, 'docs', 'runbooks');
export const DASHBOARD_FILE = join(REPO, 'grafana', 'dashboards', 'dockersec-overview.json');
export const ALERTMANAGER_EXAMPLE = join(REPO, 'examples', 'alertmanager', 'alertmanager.yml');

export interface RunResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a tool to completion; stdout and stderr together, since promtool and amtool split them oddly. */
export function run(cmd: string, args: readonly string[], cwd = REPO): RunResult {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
