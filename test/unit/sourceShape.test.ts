// The one Source shape: every source declared once, and a read that throws fails that source alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factOk, SOURCE_NAMES } from '../../src/facts/types.js';
import { orAbsent } from '../../src/sources/absent.js';
import { SOURCES } from '../../src/sources/factSources.js';
import { readSource, type Source } from '../../src/sources/source.js';

test('every source name is declared exactly once, with what it reads and when', () => {
  const names = Object.values(SOURCES).map((s) => s.name);
  assert.deepEqual([...names].sort(), [...SOURCE_NAMES].sort());
  for (const s of Object.values(SOURCES)) {
    assert.ok(s.refreshOn.includes('all'), `${s.name}: the resync reads every source`);
    assert.ok(s.reads.length > 10, `${s.name}: says what it reads`);
  }
});

test('readSource: a throwing source becomes its own fact error with the cause, and is timed', async () => {
  const broken: Source<void, number> = {
    name: 'host',
    refreshOn: ['all'],
    collect: async () => {
      throw new TypeError('boom');
    },
  };
  const r = await readSource(broken, undefined);
  assert.deepEqual(r.fact, { ok: false, error: 'host: boom' });
  assert.ok(r.durationSeconds >= 0);
  const fine: Source<number, number> = {
    name: 'host',
    refreshOn: ['all'],
    collect: async (n) => factOk(n * 2),
  };
  assert.deepEqual((await readSource(fine, 21)).fact, { ok: true, value: 42 });
});

test('orAbsent: only "not there" and "not ours to read" become the fallback', async () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(await orAbsent(Promise.reject(errno('ENOENT')), 'fallback'), 'fallback');
  assert.equal(await orAbsent(Promise.reject(errno('EACCES')), 'fallback'), 'fallback');
  await assert.rejects(orAbsent(Promise.reject(errno('EIO')), 'fallback'), /EIO/);
  await assert.rejects(orAbsent(Promise.reject(new TypeError('a bug')), 'fallback'), /a bug/);
  assert.equal(await orAbsent(Promise.resolve('read'), 'fallback'), 'read');
});
