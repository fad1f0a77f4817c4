// The verdict log: one line per settled change, an outage summarised with counts, nothing per control for it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ControlResult, Status } from '../../src/controls/types.js';
import type { Evaluation } from '../../src/evaluation/types.js';
import { createLogger } from '../../src/log.js';
import { sourcesBlamed, VerdictLog } from '../../src/outputs/logs/verdictLog.js';

function evaluation(statuses: Record<string, Status>, down: string[] = []): Evaluation {
  const results = Object.entries(statuses).map(
    ([id, status]) =>
      ({
        id,
        severity: 'high',
        status,
        reason:
          status === 'error' && down.length > 0
            ? `source unavailable (${down.map((s) => `${s}: gone`).join('; ')})`
            : `${id} is ${status}`,
      }) as ControlResult,
  );
  const summary = { pass: 0, fail: 0, not_applicable: 0, error: 0, waived: 0 };
  for (const r of results) summary[r.status]++;
  const sources = Object.fromEntries(
    ['docker_api', 'dockerd_cmdline', 'daemon_config'].map((s) => [
      s,
      { up: !down.includes(s), error: down.includes(s) ? 'gone' : null },
    ]),
  );
  return { results, summary, sources } as unknown as Evaluation;
}

function harness() {
  let now = 0;
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', 'json', (l) => lines.push(JSON.parse(l)));
  const log = new VerdictLog(logger, { settleMs: 1_000, holdMaxMs: 10_000, now: () => now });
  return {
    log,
    lines,
    advance(ms: number) {
      now += ms;
      log.flush();
    },
    info: () =>
      lines
        .filter((l) => l.level !== 'debug')
        .map(
          (l) => `${l.level} ${l.msg} ${l.control ?? l.sources ?? ''}${l.from ? ` ${l.from}->${l.to}` : ''}`,
        ),
  };
}

test('sourcesBlamed reads the sources out of an error reason', () => {
  assert.deepEqual(sourcesBlamed('source unavailable (docker_api: x; containers: y: z)'), [
    'docker_api',
    'containers',
  ]);
  assert.deepEqual(sourcesBlamed('/x does not exist'), []);
});

test('start: the verdicts at debug only; a settled change is one info line', () => {
  const h = harness();
  h.log.record(evaluation({ a: 'pass', b: 'fail' }), 'startup');
  assert.deepEqual(h.info(), []);
  assert.equal(h.lines.filter((l) => l.msg === 'control verdict').length, 2);
  h.log.record(evaluation({ a: 'pass', b: 'pass' }), 'config_change');
  assert.deepEqual(h.info(), [], 'not before it settled');
  h.advance(1_000);
  assert.deepEqual(h.info(), ['info verdict changed b fail->pass']);
});

test('a flap that reverts before it settles logs nothing', () => {
  const h = harness();
  h.log.record(evaluation({ a: 'pass' }), 'startup');
  h.log.record(evaluation({ a: 'fail' }), 'file_change');
  h.advance(500);
  h.log.record(evaluation({ a: 'pass' }), 'file_change');
  h.advance(5_000);
  assert.deepEqual(h.info(), []);
});

test('an outage: one warning, one recovery line with counts, and only the net change per control', () => {
  const h = harness();
  h.log.record(evaluation({ a: 'pass', b: 'pass', c: 'fail' }), 'startup');
  h.log.record(evaluation({ a: 'error', b: 'error', c: 'error' }, ['docker_api']), 'reconnect');
  h.advance(3_000);
  assert.deepEqual(h.info(), ['warn Docker API unreachable docker_api']);
  h.log.record(evaluation({ a: 'pass', b: 'fail', c: 'fail' }), 'reconnect');
  h.advance(1_000);
  assert.deepEqual(h.info(), [
    'warn Docker API unreachable docker_api',
    'info Docker API reachable again docker_api',
    'info verdict changed b pass->fail',
  ]);
  const back = h.lines.find((l) => l.msg === 'Docker API reachable again')!;
  assert.equal(back.controls_decided_again, 3);
  assert.equal(back.down_seconds, 3);
});

test('while the daemon is away, file verdict flaps wait, and vanish when it is back', () => {
  const h = harness();
  h.log.record(evaluation({ socket: 'pass', api: 'pass' }), 'startup');
  h.log.record(evaluation({ socket: 'error', api: 'error' }, ['dockerd_cmdline']), 'file_change');
  h.advance(5_000);
  h.log.record(evaluation({ socket: 'pass', api: 'pass' }), 'reconnect');
  h.advance(5_000);
  assert.deepEqual(h.info(), [
    'warn sources unavailable dockerd_cmdline',
    'info sources available again dockerd_cmdline',
  ]);
});

test('a source other than the API gone for less than the settle time logs nothing; with the API, one line', () => {
  const h = harness();
  h.log.record(evaluation({ a: 'pass' }), 'startup');
  h.log.record(evaluation({ a: 'pass' }, ['dockerd_cmdline']), 'file_change');
  h.advance(500);
  h.log.record(evaluation({ a: 'pass' }), 'file_change');
  h.advance(5_000);
  assert.deepEqual(h.info(), []);
  h.log.record(evaluation({ a: 'pass' }, ['dockerd_cmdline']), 'file_change');
  h.log.record(evaluation({ a: 'error' }, ['dockerd_cmdline', 'docker_api']), 'reconnect');
  h.log.record(evaluation({ a: 'error' }, ['docker_api']), 'file_change');
  h.log.record(evaluation({ a: 'pass' }), 'reconnect');
  h.advance(5_000);
  assert.deepEqual(h.info(), [
    'warn Docker API unreachable dockerd_cmdline,docker_api',
    'info Docker API reachable again dockerd_cmdline,docker_api',
  ]);
});
