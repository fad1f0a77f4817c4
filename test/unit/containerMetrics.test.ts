// Per-container metrics: exact counts, capped pair series, the dropped counter, and label escaping.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import type { ContainerFacts } from '../../src/facts/containers.js';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';
import { ContainerSeriesBudget } from '../../src/outputs/metrics/containerMetrics.js';
import { renderEvaluation } from '../../src/outputs/metrics/evaluationMetrics.js';
import { compliantContainer, makeContainer } from '../support/containerFacts.js';
import { parseMetrics } from '../support/exporter.js';
import { makeFacts } from '../support/facts.js';

const build = loadBuildInfo();
const evaluationOf = (containers: ContainerFacts[]) => evaluate(makeFacts({ containers }), CATALOG);
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

describe('container metrics', () => {
  test('a count per runtime control, a series per failing pair, none for passing containers', async () => {
    const text = await renderEvaluation(
      evaluationOf([
        compliantContainer(),
        makeContainer({ name: 'web', image: 'nginx:1.25', privileged: true }),
      ]),
      build,
    );
    const m = parseMetrics(text);
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_privileged' }), 1);
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_host_pid' }), 0);
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'swarm_mode' }), undefined);
    assert.equal(
      m.get('dockersec_container_control_failing', {
        control: 'container_privileged',
        container: 'web',
        image: 'nginx:1.25',
      }),
      1,
    );
    assert.deepEqual(m.all('dockersec_container_control_failing', { container: 'compliant' }), []);
    assert.equal(m.get('dockersec_container_series_dropped_total'), 0);
    assert.equal(m.get('dockersec_source_up', { source: 'containers' }), 1);
  });

  test('an errored control exports no count: unknown is not zero', async () => {
    const evaluation = evaluate(makeFacts({ containersDown: 'listing containers failed' }), CATALOG);
    const m = parseMetrics(await renderEvaluation(evaluation, build));
    assert.deepEqual(m.all('dockersec_control_failing_containers'), []);
    assert.equal(m.status('container_privileged'), 'error');
    assert.equal(m.get('dockersec_source_up', { source: 'containers' }), 0);
  });

  test('past --containers.max-series the counts stay exact and the dropped counter grows per evaluation', async () => {
    const containers = Array.from({ length: 10 }, (_, i) =>
      makeContainer({ name: `n${i}`, privileged: i < 4 }),
    );
    const budget = new ContainerSeriesBudget(5);
    const first = evaluationOf(containers);
    const failingPairs = first.results.reduce(
      (n, r) => n + (r.status === 'fail' ? (r.containers?.length ?? 0) : 0),
      0,
    );
    const m = parseMetrics(await renderEvaluation(first, build, budget));
    assert.equal(m.all('dockersec_container_control_failing').length, 5);
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_privileged' }), 4);
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_memory_limit' }), 10);
    assert.equal(m.get('dockersec_container_series_dropped_total'), failingPairs - 5);
    // The most severe findings keep their series: privileged (critical) before memory (medium).
    assert.equal(m.all('dockersec_container_control_failing', { control: 'container_privileged' }).length, 4);

    // The same evaluation rendered again (startup does) counts once; a new one adds its drops.
    await renderEvaluation(first, build, budget);
    const again = parseMetrics(await renderEvaluation(evaluationOf(containers), build, budget));
    assert.equal(again.get('dockersec_container_series_dropped_total'), 2 * (failingPairs - 5));
  });

  test('hostile names and images are escaped, and the exposition stays valid', async () => {
    const hostile = ['quote"name', 'back\\slash', 'new\nline', 'ünïcødé-名前-🐳', 'brace}{=,"x"'];
    const containers = hostile.map((name, i) =>
      makeContainer({ name, image: `${name}-image:${i}`, privileged: true }),
    );
    const text = await renderEvaluation(evaluationOf(containers), build);
    const m = parseMetrics(text);
    for (const [i, name] of hostile.entries()) {
      assert.equal(
        m.get('dockersec_container_control_failing', {
          control: 'container_privileged',
          container: name,
          image: `${name}-image:${i}`,
        }),
        1,
        JSON.stringify(name),
      );
    }
    assert.ok(text.includes('container="new\\nline"'));
    assert.ok(text.includes('container="quote\\"name"'));
    assert.ok(text.includes('container="back\\\\slash"'));
    if (hasPromtool) {
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      // promtool lints (exit 3) on conventions; a parse error is exit 1 and names the line.
      assert.notEqual(r.status, 1, r.stderr || r.stdout);
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, /error while linting|parse/i);
    }
  });
});
