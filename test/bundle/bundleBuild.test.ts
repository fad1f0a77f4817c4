// The bundle built for an operator's selector and runbook URL (issue 14): `npm run bundle:for`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { defaultConfig } from '../../alerts/src/config.js';
import { selectors } from '../../alerts/src/promql.js';
import { isAlertingRule, type RuleFile } from '../../alerts/src/types.js';
import { DASHBOARD_NAME, parseBundleArgs, RULES_NAME, writeBundle } from '../../scripts/bundle.js';
import { allTargets, type GrafanaDashboard, lintDashboard } from './support/dashboardLint.js';
import { DASHBOARD_FILE, REPO, RULE_FILE, run } from './support/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'dockersec-bundle-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SELECTOR = 'job="docker-audit", env="prod"';
const RUNBOOKS = 'https://wiki.example.com/security/dockersec';

const matcherTexts = (expr: string) =>
  selectors(expr).map((s) => s.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`));

describe('npm run bundle:for', () => {
  test('with the default selector and runbook URL it writes exactly the checked-in files', () => {
    const out = join(scratch, 'defaults');
    writeBundle(parseBundleArgs([`--out=${out}`]));
    assert.equal(readFileSync(join(out, RULES_NAME), 'utf8'), readFileSync(RULE_FILE, 'utf8'));
    assert.equal(readFileSync(join(out, DASHBOARD_NAME), 'utf8'), readFileSync(DASHBOARD_FILE, 'utf8'));
  });

  test('builds rules that select only the given targets and link the given runbooks', () => {
    const out = join(scratch, 'custom');
    writeBundle(parseBundleArgs([`--selector=${SELECTOR}`, `--runbook-url=${RUNBOOKS}`, `--out=${out}`]));
    const file = join(out, RULES_NAME);
    const r = run('promtool', ['check', 'rules', '--lint=all', '--lint-fatal', file]);
    assert.equal(r.status, 0, r.output);
    const rules = (parse(readFileSync(file, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      for (const m of matcherTexts(rule.expr)) {
        assert.ok(m.includes('job="docker-audit"') && m.includes('env="prod"'), rule.expr);
      }
      if (isAlertingRule(rule)) {
        assert.ok(rule.annotations.runbook_url.startsWith(`${RUNBOOKS}/`), rule.annotations.runbook_url);
      }
    }
    assert.ok(!readFileSync(file, 'utf8').includes(defaultConfig.runbookBaseUrl));
  });

  test('builds a dashboard that passes the lint and reads only the given targets', () => {
    const out = join(scratch, 'custom-dashboard');
    writeBundle(parseBundleArgs([`--selector=${SELECTOR}`, `--runbook-url=${RUNBOOKS}`, `--out=${out}`]));
    const text = readFileSync(join(out, DASHBOARD_NAME), 'utf8');
    const dashboard = JSON.parse(text) as GrafanaDashboard;
    assert.deepEqual(lintDashboard(dashboard), []);
    for (const { panel, target } of allTargets(dashboard)) {
      for (const m of matcherTexts(target.expr ?? '')) {
        assert.ok(m.includes('env="prod"'), `${panel.title}: ${target.expr}`);
      }
    }
    const variable = (name: string) =>
      (
        dashboard as unknown as { templating: { list: { name: string; query: string }[] } }
      ).templating.list.find((v) => v.name === name)?.query;
    assert.equal(variable('job'), 'label_values(dockersec_up{job="docker-audit", env="prod"}, job)');
    assert.equal(variable('instance'), 'label_values(dockersec_up{job=~"$job", env="prod"}, instance)');
    assert.ok(text.includes(`${RUNBOOKS}/\${__value.raw}.md`), 'runbook links');
    assert.ok(!text.includes(defaultConfig.runbookBaseUrl));
  });

  test('refuses what it cannot use, with a message', () => {
    const fails = (args: string[], message: RegExp) => assert.throws(() => parseBundleArgs(args), message);
    fails(['--selector=job="x"'], /--out is required/);
    fails(['--selector=job=x', '--out=d'], /not a list of label matchers/);
    fails(['--selector=env!="dev"', '--out=d'], /needs a matcher that requires a value/);
    fails(['--selector=', '--out=d'], /empty/);
    fails(['--runbook-url=wiki/runbooks', '--out=d'], /not an http\(s\) URL/);
    fails(['--job=x', '--out=d'], /unknown argument/);
    fails(['--out=a', '--out=b'], /given twice/);
  });

  test('runs as an npm script: exit 2 and the usage on a mistake, 0 and both files otherwise', () => {
    const bad = run('npm', ['run', '-s', 'bundle:for', '--', '--selector=job=x', `--out=${scratch}/x`], REPO);
    assert.equal(bad.status, 2, bad.output);
    assert.match(bad.output, /usage: npm run bundle:for/);
    const out = join(scratch, 'cli');
    const ok = run('npm', ['run', '-s', 'bundle:for', '--', `--selector=${SELECTOR}`, `--out=${out}`], REPO);
    assert.equal(ok.status, 0, ok.output);
    assert.match(ok.output, new RegExp(`wrote ${out}/${RULES_NAME}`));
    assert.match(ok.output, new RegExp(`wrote ${out}/${DASHBOARD_NAME}`));
  });
});
