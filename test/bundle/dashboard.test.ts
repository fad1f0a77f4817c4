import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { metricNames, selectors } from '../../alerts/src/promql.js';
import { shippedOptions } from '../../grafana/build.js';
import { DASHBOARD_UID, renderDashboard } from '../../grafana/src/dashboard.js';
import { CATALOG } from '../../src/controls/catalog.js';
import {
  allPanels,
  allTargets,
  type GrafanaDashboard,
  type GrafanaPanel,
  lintDashboard,
  promqlOfTargets,
} from './support/dashboardLint.js';
import { DASHBOARD_FILE, REPO, run } from './support/paths.js';

const committed = readFileSync(DASHBOARD_FILE, 'utf8');
const dashboard = JSON.parse(committed) as GrafanaDashboard;
const scratch = mkdtempSync(join(tmpdir(), 'dockersec-dashboard-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const panel = (title: string): GrafanaPanel => {
  const p = allPanels(dashboard).find((x) => x.title === title);
  assert.ok(p, `no panel "${title}"`);
  return p;
};

describe('grafana/dashboards/dockersec-overview.json', () => {
  test('is exactly what `npx tsx grafana/build.ts` generates', () => {
    assert.equal(
      committed,
      renderDashboard(shippedOptions),
      'the dashboard is stale: run `npx tsx grafana/build.ts` and commit the result',
    );
  });

  test('has a stable uid, no numeric id and no import-only placeholders', () => {
    assert.equal(dashboard.uid, DASHBOARD_UID);
    assert.ok(DASHBOARD_UID.length <= 40);
    assert.equal(dashboard.id ?? null, null);
    assert.doesNotMatch(committed, /__inputs|\$\{DS_/);
  });

  test('passes the dashboard-linter rules', () => {
    assert.deepEqual(lintDashboard(dashboard), []);
  });

  test('the lint catches what it is meant to catch', () => {
    const broken = JSON.parse(committed) as {
      templating: { list: Record<string, unknown>[] };
      panels: unknown[];
    };
    broken.templating.list = broken.templating.list.map((v) =>
      v.name === 'instance' ? { ...v, allValue: '.*', refresh: 1 } : v,
    );
    broken.panels.push({
      type: 'timeseries',
      title: 'bad',
      datasource: { type: 'prometheus', uid: 'prometheus' },
      targets: [{ refId: 'A', expr: 'rate(dockersec_evaluations_total{job=~"$job"}[5m])' }],
    });
    const problems = lintDashboard(broken as unknown as GrafanaDashboard);
    for (const rule of [
      'template-instance-rule',
      'template-on-time-change-reload-rule',
      'panel-datasource-rule',
      'target-instance-rule',
      'target-rate-interval-rule',
    ]) {
      assert.ok(
        problems.some((p) => p.startsWith(rule)),
        `${rule} not reported in ${JSON.stringify(problems)}`,
      );
    }
    assert.ok(!problems.some((p) => p.startsWith('target-job-rule')), 'job matcher was present');
  });

  test('every query is valid PromQL (promtool)', () => {
    const file = join(scratch, 'dashboard-targets.yml');
    writeFileSync(file, stringify(promqlOfTargets(dashboard)));
    const r = run('promtool', ['check', 'rules', file]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${allTargets(dashboard).length} rules found`));
  });

  test('has the panels the bundle promises', () => {
    for (const [title, type] of [
      ['Failing controls by severity', 'stat'],
      ['Compliance ratio', 'stat'],
      ['Hosts reporting', 'stat'],
      ['Docker reachable', 'stat'],
      ['Failing controls', 'table'],
      ['Control status over time', 'state-timeline'],
      ['Per-container findings', 'table'],
      ['Configured vs running daemon options', 'table'],
      ['Exporter sources', 'state-timeline'],
      ['Controls by status', 'stat'],
      ['Waived controls', 'table'],
      ['Waivers by state', 'stat'],
      ['Waiver owners, reasons and expiry', 'table'],
    ] as const) {
      assert.equal(panel(title).type, type, title);
    }
  });

  test('the failing-controls table shows the catalog remediation of every control and links its runbook', () => {
    const text = JSON.stringify(panel('Failing controls'));
    for (const c of CATALOG) {
      assert.ok(text.includes(JSON.stringify(c.remediation)), `no remediation for ${c.id}`);
    }
    assert.ok(text.includes(`${shippedOptions.runbookBaseUrl}/\${__value.raw}.md`));
  });

  test('waived controls are shown apart from passing and failing ones (issue 10)', () => {
    const statuses = (title: string) =>
      allTargets(dashboard)
        .filter(({ panel: p }) => p.title === title)
        .flatMap(({ target }) => selectors(target.expr ?? ''))
        .filter((s) => s.metric === 'dockersec_control_status')
        .flatMap((s) => s.matchers.filter((m) => m.name === 'status').map((m) => `${m.op}${m.value}`));
    assert.deepEqual(statuses('Failing controls'), ['=fail']);
    assert.deepEqual(statuses('Waived controls'), ['=waived']);
    assert.deepEqual(statuses('Controls by status').sort(), [
      '=error',
      '=fail',
      '=not_applicable',
      '=pass',
      '=waived',
    ]);
  });

  test('the waivers panels show the states and each waiver with owner, reason and expiry', () => {
    const states = allTargets(dashboard)
      .filter(({ panel: p }) => p.title === 'Waivers by state')
      .flatMap(({ target }) => selectors(target.expr ?? ''))
      .map((s) => `${s.metric} ${s.matchers.find((m) => m.name === 'state')?.value}`);
    assert.deepEqual(states, [
      'dockersec_waivers active',
      'dockersec_waivers expiring',
      'dockersec_waivers expired',
      'dockersec_waivers unused',
    ]);
    const table = panel('Waiver owners, reasons and expiry');
    const metrics = new Set(
      allTargets(dashboard)
        .filter(({ panel: p }) => p === table)
        .flatMap(({ target }) => [...metricNames(target.expr ?? '')]),
    );
    assert.deepEqual([...metrics].sort(), [
      'dockersec_waiver_expiry_timestamp_seconds',
      'dockersec_waiver_info',
    ]);
    const text = JSON.stringify(table);
    for (const column of ['Owner', 'Reason', 'Ticket', 'Expires', 'Time left']) {
      assert.ok(text.includes(`"value":"${column}"`), `no ${column} column`);
    }
  });

  test('panels lie on the 24-column grid without overlapping', () => {
    const boxes = allPanels(dashboard).map((p) => ({ title: p.title, ...p.gridPos! }));
    for (const b of boxes) assert.ok(b.x >= 0 && b.x + b.w <= 24, `${b.title} outside the grid`);
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `${a.title} overlaps ${b.title}`);
      }
    }
  });
});

describe('grafana/provisioning', () => {
  test('provisions a Prometheus datasource and the dashboards folder', () => {
    const ds = parse(readFileSync(join(REPO, 'grafana/provisioning/datasources/dockersec.yml'), 'utf8')) as {
      apiVersion: number;
      datasources: { type: string; url: string; access: string }[];
    };
    assert.equal(ds.apiVersion, 1);
    assert.equal(ds.datasources[0]?.type, 'prometheus');
    assert.equal(ds.datasources[0]?.access, 'proxy');
    const dash = parse(readFileSync(join(REPO, 'grafana/provisioning/dashboards/dockersec.yml'), 'utf8')) as {
      apiVersion: number;
      providers: { type: string; allowUiUpdates: boolean; options: { path: string } }[];
    };
    assert.equal(dash.apiVersion, 1);
    assert.equal(dash.providers[0]?.type, 'file');
    assert.equal(dash.providers[0]?.allowUiUpdates, false);
    assert.ok(dash.providers[0]?.options.path.startsWith('/'));
  });
});
