// serve's start-up logger: lines wait until the exporter listens, in order, or are dropped when it cannot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, heldLogger } from '../../src/log.js';

test('heldLogger writes nothing until release, then everything in order, then at once', () => {
  const lines: string[] = [];
  const held = heldLogger(createLogger('info', 'logfmt', (l) => lines.push(l)));
  held.warn('Docker API unreachable', { sources: 'docker_api' });
  held.debug('below the level');
  held.info('second');
  assert.equal(lines.length, 0);
  held.release();
  assert.deepEqual(
    lines.map((l) => l.replace(/^ts=\S+ /, '')),
    ['level=warn msg="Docker API unreachable" sources=docker_api', 'level=info msg=second'],
  );
  held.error('after');
  assert.equal(lines.length, 3);
});

test('heldLogger.discard drops what was held (a usage error stays the one line)', () => {
  const lines: string[] = [];
  const held = heldLogger(createLogger('debug', 'logfmt', (l) => lines.push(l)));
  held.warn('from the first evaluation');
  held.discard();
  held.release();
  assert.deepEqual(lines, []);
});
