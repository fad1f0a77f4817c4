// The rules of grafana/dashboard-linter (a Go binary that cannot be installed here), ported to the
// generated JSON: template-datasource, template-job, template-instance, template-on-time-change-reload,
// panel-datasource, target-job, target-instance, target-rate-interval. Whether each expression is
// valid PromQL (target-promql) is left to promtool, see promqlOfTargets().
import { selectors } from '../../../alerts/src/promql.js';

export interface GrafanaTarget {
  readonly expr?: string;
  readonly refId?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly instant?: boolean;
  readonly format?: string;
}

export interface GrafanaPanel {
  readonly type: string;
  readonly title?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly GrafanaTarget[];
  readonly panels?: readonly GrafanaPanel[];
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}

export interface GrafanaVariable {
  readonly type: string;
  readonly name: string;
  readonly label?: string;
  readonly query?: unknown;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly refresh?: number;
}

export interface GrafanaDashboard {
  readonly uid?: string;
  readonly id?: number | null;
  readonly title: string;
  readonly templating: { readonly list: readonly GrafanaVariable[] };
  readonly panels: readonly GrafanaPanel[];
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
const TEMPLATED = new Set(['$datasource', '${datasource}']);

/** Every panel, rows' children included. */
export function allPanels(d: GrafanaDashboard): GrafanaPanel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function allTargets(d: GrafanaDashboard): { panel: GrafanaPanel; target: GrafanaTarget }[] {
  return allPanels(d).flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));
}

function checkQueryVariable(d: GrafanaDashboard, name: string, problems: string[]): void {
  const v = d.templating.list.find((t) => t.name === name);
  if (!v) {
    problems.push(`template-${name}-rule: no ${name} variable`);
    return;
  }
  const label = name[0]!.toUpperCase() + name.slice(1);
  if (v.type !== 'query') problems.push(`template-${name}-rule: type ${v.type}, not query`);
  if (!TEMPLATED.has(v.datasource?.uid ?? ''))
    problems.push(`template-${name}-rule: datasource ${v.datasource?.uid}`);
  if (v.label !== label) problems.push(`template-${name}-rule: label ${v.label}, not ${label}`);
  if (!v.multi) problems.push(`template-${name}-rule: not multi-select`);
  if (v.allValue !== '.+') problems.push(`template-${name}-rule: allValue ${v.allValue}, not .+`);
  if (v.refresh !== 2)
    problems.push(`template-on-time-change-reload-rule: ${name} refresh ${v.refresh}, not 2`);
  if (typeof v.query !== 'string' || !/^label_values\(.+,\s*[a-z_]+\)$/.test(v.query)) {
    problems.push(`template-label-promql-rule: ${name} query ${JSON.stringify(v.query)}`);
  }
}

/**
 * `perTarget` are the query variables every dashboard has and every selector filters on: job and
 * instance for a host dashboard; a fleet dashboard aggregates over instances, so only job.
 */
export function lintDashboard(
  d: GrafanaDashboard,
  perTarget: readonly string[] = ['job', 'instance'],
): string[] {
  const problems: string[] = [];
  const dsVars = d.templating.list.filter((t) => t.type === 'datasource');
  if (dsVars.length !== 1) problems.push(`template-datasource-rule: ${dsVars.length} datasource variables`);
  for (const v of dsVars) {
    if (v.name !== 'datasource') problems.push(`template-datasource-rule: named ${v.name}, not datasource`);
    if (v.label !== 'Data source')
      problems.push(`template-datasource-rule: labelled ${v.label}, not Data source`);
    if (v.query !== 'prometheus')
      problems.push(`template-datasource-rule: query ${String(v.query)}, not prometheus`);
  }
  for (const name of perTarget) checkQueryVariable(d, name, problems);

  for (const p of allPanels(d)) {
    if (p.type === 'row') continue;
    if (!TEMPLATED.has(p.datasource?.uid ?? '')) {
      problems.push(`panel-datasource-rule: panel "${p.title}" uses ${JSON.stringify(p.datasource)}`);
    }
    if ((p.targets ?? []).length === 0)
      problems.push(`panel-no-targets-rule: panel "${p.title}" has no target`);
  }

  for (const { panel, target } of allTargets(d)) {
    const where = `panel "${panel.title}" target ${target.refId}`;
    if (!TEMPLATED.has(target.datasource?.uid ?? ''))
      problems.push(`panel-datasource-rule: ${where} datasource`);
    if (!target.expr) {
      problems.push(`target-promql-rule: ${where} has no expr`);
      continue;
    }
    for (const s of selectors(target.expr)) {
      const has = (name: string) =>
        s.matchers.some((m) => m.name === name && m.op === '=~' && m.value === `$${name}`);
      for (const name of perTarget) {
        if (!has(name))
          problems.push(`target-${name}-rule: ${where}: ${s.metric} has no ${name}=~"$${name}"`);
      }
      if (
        s.range !== null &&
        ['rate', 'irate', 'increase'].includes(s.enclosingFunction ?? '') &&
        s.range !== '$__rate_interval'
      ) {
        problems.push(`target-rate-interval-rule: ${where}: ${s.enclosingFunction}(…[${s.range}])`);
      }
    }
  }
  return problems;
}

/** The value Grafana would put in for each variable when every job and instance is selected. */
export function expandVariables(expr: string, rateInterval = '1m'): string {
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$job', '.+')
    .replaceAll('$instance', '.+');
}

/** The dashboard's expressions as a rule file, so `promtool check rules` can parse every one. */
export function promqlOfTargets(d: GrafanaDashboard): {
  groups: { name: string; rules: { record: string; expr: string }[] }[];
} {
  const rules = allTargets(d).map(({ target }, i) => ({
    record: `dashboard:target_${i}:check`,
    expr: expandVariables(target.expr ?? ''),
  }));
  return { groups: [{ name: 'dashboard-targets', rules }] };
}
