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
  const r = await readSource(broken, () => undefined);
  assert.deepEqual(r.fact, { ok: false, error: 'host: boom' });
  assert.ok(r.durationSeconds >= 0);
  const fine: Source<number, number> = {
    name: 'host',
    refreshOn: ['all'],
    collect: async (n) => factOk(n * 2),
  };
  assert.deepEqual((await readSource(fine, () => 21)).fact, { ok: true, value: 42 });
  const badInput = await readSource(fine, () => {
    throw new Error('no input');
  });
  assert.deepEqual(
    badInput.fact,
    { ok: false, error: 'host: no input' },
    'working out the input fails it alone too',
  );
});

test('orAbsent: what the system reports for a file becomes the fallback, a bug does not', async () => {
  const errno = (code: string) => Object.assign(new Error(code), { code, syscall: 'open' });
  for (const code of ['ENOENT', 'EACCES', 'EISDIR', 'ENAMETOOLONG', 'EIO', 'ESTALE']) {
    assert.equal(await orAbsent(Promise.reject(errno(code)), 'fallback'), 'fallback', code);
  }
  const { readFile } = await import('node:fs/promises');
  assert.equal(
    await orAbsent(readFile('/'), 'fallback'),
    'fallback',
    'a directory where a file was expected',
  );
  assert.equal(
    await orAbsent(readFile(`/tmp/${'x'.repeat(300)}`), 'fallback'),
    'fallback',
    'a name too long',
  );
  await assert.rejects(orAbsent(Promise.reject(new TypeError('a bug')), 'fallback'), /a bug/);
  await assert.rejects(
    orAbsent(Promise.reject(Object.assign(new Error('ours'), { code: 'E_OURS' })), 'fallback'),
    /ours/,
    'an error of our own with a code is not a file error',
  );
  assert.equal(await orAbsent(Promise.resolve('read'), 'fallback'), 'read');
});
