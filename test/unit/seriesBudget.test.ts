// The fleet's per-host budget (issue 14): an exporter serves fewer than 1,500 series by default, however
// many containers fail however many controls; per-container series beyond the cap are opt-in
// (--containers.max-series). bench/fleet.ts measures the real count on real hosts (~780).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';
import { ContainerSeriesBudget } from '../../src/outputs/metrics/containerMetrics.js';
import { renderEvaluation } from '../../src/outputs/metrics/evaluationMetrics.js';
import { makeContainer } from '../support/containerFacts.js';
import { parseMetrics } from '../support/exporter.js';
import { makeFacts } from '../support/facts.js';
import { SERIES_PER_HOST_BUDGET } from '../support/fleet/measure.js';

/**
 * What /metrics serves besides the evaluation: the exporter's own process_* and nodejs_* (71 measured),
 * web and TLS counters with bounded labels. Generous on purpose.
 */
const OUTSIDE_EVALUATION = 150;

/** A container that fails as many runtime controls as one can. */
const worst = (i: number) =>
  makeContainer({
    name: `worst-${i}`,
    image: `registry.example.com/team-${i}/app:${i}`,
    privileged: true,
    capAdd: ['SYS_ADMIN'],
    securityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    mounts: [
      {
        type: 'bind',
        source: '/var/run/docker.sock',
        destination: '/var/run/docker.sock',
        rw: true,
        propagation: 'shared',
        hostPath: '/run/docker.sock',
      },
      {
        type: 'bind',
        source: '/etc',
        destination: '/host-etc',
        rw: true,
        propagation: 'rshared',
        hostPath: '/etc',
      },
    ],
    ports: [{ containerPort: '22/tcp', hostIp: '0.0.0.0', hostPort: '22' }],
    networkMode: 'host',
    pidMode: 'host',
    ipcMode: 'host',
    utsMode: 'host',
    usernsMode: 'host',
    devices: ['/dev/sda'],
    restartPolicy: { name: 'always', maximumRetryCount: 0 },
    cgroupParent: '/custom',
    sshd: true,
  });

describe('series per host', () => {
  test(`stay under ${SERIES_PER_HOST_BUDGET} with 1,000 containers failing every runtime control they can`, async () => {
    const evaluation = evaluate(
      makeFacts({ containers: Array.from({ length: 1000 }, (_, i) => worst(i)) }),
      CATALOG,
    );
    const failingPairs = evaluation.results.reduce(
      (n, r) => n + (r.status === 'fail' ? (r.containers?.length ?? 0) : 0),
      0,
    );
    assert.ok(failingPairs > 10_000, `only ${failingPairs} failing (control, container) pairs`);
    const m = parseMetrics(await renderEvaluation(evaluation, loadBuildInfo(), new ContainerSeriesBudget()));
    assert.equal(m.all('dockersec_container_control_failing').length, 500, 'the default cap');
    assert.ok(
      m.series.size + OUTSIDE_EVALUATION < SERIES_PER_HOST_BUDGET,
      `${m.series.size} series from the evaluation, + ${OUTSIDE_EVALUATION} outside it`,
    );
  });

  test('a host opts in to more per-container series with --containers.max-series', async () => {
    const evaluation = evaluate(
      makeFacts({ containers: Array.from({ length: 100 }, (_, i) => worst(i)) }),
      CATALOG,
    );
    const m = parseMetrics(
      await renderEvaluation(evaluation, loadBuildInfo(), new ContainerSeriesBudget(5000)),
    );
    assert.ok(m.all('dockersec_container_control_failing').length > 500);
    assert.equal(m.get('dockersec_container_series_dropped_total'), 0);
  });
});
