// Outputs render a finished evaluation: Prometheus text that promtool accepts (whatever strings it holds),
// and the JSON, text and SARIF reports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { ControlResult } from '../../src/controls/types.js';
import type { Evaluation } from '../../src/evaluation/types.js';
import { renderEvaluation } from '../../src/outputs/metrics/evaluationMetrics.js';
import { jsonReport } from '../../src/outputs/report/jsonReport.js';
import { sarifReport } from '../../src/outputs/report/sarifReport.js';
import { textReport } from '../../src/outputs/report/textReport.js';
import { parseMetrics } from '../support/exporter.js';

const build = { name: 'dockersec-exporter', version: '1.2.3', revision: 'abc' };
const hostile = 'a "quoted" \\ back\nslash ✓ \x1b[31mred';

const result = (over: Partial<ControlResult>): ControlResult => ({
  id: 'icc',
  title: 'Network traffic is restricted',
  cis: '2.2',
  section: 'daemon_configuration',
  severity: 'medium',
  remediation: 'Set "icc": false',
  status: 'fail',
  reason: hostile,
  observed: { runtime: true },
  expected: 'false',
  keys: ['icc'],
  ...over,
});

const evaluation: Evaluation = {
  generatedAt: 1_700_000_000_000,
  durationSeconds: 0.002,
  results: [
    result({}),
    result({ id: 'tls', cis: '2.7', severity: 'critical', status: 'pass', title: hostile }),
    result({ id: 'config_valid', cis: null, severity: 'critical', status: 'error' }),
    result({ id: 'socket_permissions', cis: '3.16', section: 'daemon_files', status: 'not_applicable' }),
  ],
  sources: {
    daemon_config: { up: true, error: null },
    dockerd_cmdline: { up: false, error: 'no dockerd' },
    docker_api: { up: true, error: null },
    file_stats: { up: true, error: null },
    host: { up: true, error: null },
  } as Evaluation['sources'],
  docker: {
    host: 'unix:///var/run/docker.sock',
    reachable: true,
    version: '20.10.24',
    apiVersion: '1.41',
    rootless: false,
  },
  engine: {
    version: hostile,
    apiVersion: '1.41',
    minApiVersion: null,
    os: 'linux',
    arch: 'amd64',
    kernelVersion: '6.1',
    storageDriver: 'overlay2',
    loggingDriver: 'json-file',
    cgroupDriver: 'systemd',
    cgroupVersion: '2',
    rootless: false,
  },
  options: [
    { option: 'icc', source: 'config', enabled: true },
    { option: 'icc', source: 'runtime', enabled: true },
  ],
  summary: { pass: 1, fail: 1, not_applicable: 1, error: 1, waived: 0 },
  daemonConfigPath: '/etc/docker/daemon.json',
  daemonConfigMtimeSeconds: 1_699_999_000,
  daemonStartTimeSeconds: 1_699_990_000,
};

describe('metrics', () => {
  test('promtool check metrics accepts the exposition, hostile strings included', async () => {
    const text = await renderEvaluation(evaluation, build);
    execFileSync('promtool', ['check', 'metrics'], { input: text });
  });
  test('a state set per control with exactly one 1, and label values that survive escaping', async () => {
    const m = parseMetrics(await renderEvaluation(evaluation, build));
    for (const r of evaluation.results) {
      const series = m.all('dockersec_control_status', { control: r.id });
      assert.equal(series.length, 5);
      assert.deepEqual(
        series.filter((s) => s.value === 1).map((s) => s.labels.status),
        [r.status],
      );
    }
    assert.equal(m.get('dockersec_control_info', { control: 'tls' }), 1);
    assert.equal(m.all('dockersec_control_info', { control: 'tls' })[0]!.labels.title, hostile);
    assert.equal(m.all('dockersec_control_info', { control: 'config_valid' })[0]!.labels.cis, '');
    assert.equal(m.get('dockersec_source_up', { source: 'dockerd_cmdline' }), 0);
    assert.equal(m.get('dockersec_controls', { section: 'daemon_configuration', status: 'fail' }), 1);
    assert.equal(m.get('dockersec_last_evaluation_timestamp_seconds'), 1_700_000_000);
  });
});

describe('reports', () => {
  test('JSON has the documented shape', () => {
    const r = jsonReport(evaluation) as Record<string, unknown>;
    assert.equal(r.schemaVersion, 1);
    assert.equal(r.generatedAt, '2023-11-14T22:13:20.000Z');
    assert.deepEqual(Object.keys(r.docker as object), [
      'host',
      'reachable',
      'version',
      'apiVersion',
      'rootless',
    ]);
    assert.deepEqual(r.summary, evaluation.summary);
    const c = (r.controls as Record<string, unknown>[])[0]!;
    for (const k of [
      'id',
      'title',
      'cis',
      'section',
      'severity',
      'status',
      'reason',
      'remediation',
      'observed',
      'expected',
    ]) {
      assert.ok(k in c, `control has ${k}`);
    }
  });
  test('SARIF 2.1.0: one rule per control, results for fail and error only, levels by severity', () => {
    const s = sarifReport(evaluation, build) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string; helpUri: string }[] } };
        results: { ruleId: string; level: string; ruleIndex: number }[];
      }[];
    };
    assert.equal(s.version, '2.1.0');
    const run = s.runs[0]!;
    assert.deepEqual(
      run.tool.driver.rules.map((x) => x.id),
      ['icc', 'tls', 'config_valid', 'socket_permissions'],
    );
    assert.deepEqual(
      run.results.map((x) => [x.ruleId, x.level]),
      [
        ['icc', 'warning'],
        ['config_valid', 'note'],
      ],
    );
    for (const res of run.results) assert.equal(run.tool.driver.rules[res.ruleIndex]!.id, res.ruleId);
    for (const rule of run.tool.driver.rules)
      assert.ok(rule.helpUri.endsWith(`/docs/runbooks/${rule.id}.md`));
  });
  test('text: by verdict, control characters neutralised, colour only when asked', () => {
    const plain = textReport(evaluation, false);
    assert.match(plain, /\nFailing: 1 \(1 medium\)\n/);
    assert.match(plain, /\nPassing: 1 {2}tls\n/);
    assert.ok(!plain.includes('\x1b'), 'no escape sequences without colour, even from hostile input');
    assert.match(plain, /1 failing \(1 medium\), 1 passing, 1 not applicable, 1 not judged, 0 waived/);
    // A newline in hostile text does not start a line of its own.
    assert.doesNotMatch(plain, /\nslash/);
    assert.ok(textReport(evaluation, true).includes('\x1b[31m'));
  });
});
