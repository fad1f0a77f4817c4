// The seeded fuzz corpus (scripts/fuzz-daemon-json.ts) through the exporter's own path: the daemon_config
// source reads each file, the whole catalog is evaluated. No uncaught error, no internal error, no stack
// overflow, config_valid judged whenever the file was read, and every file under 200 ms. The first 1,000
// files run here; `npx tsx bench/fuzz.ts` runs all 5,000 and prints the numbers.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fuzzDaemonJson } from '../../scripts/fuzz-daemon-json.js';
import { fuzzRoot, runFuzzCorpus } from '../support/fuzzRun.js';

const FILES = 1000;
const LIMIT_MS = 200;

const dir = mkdtempSync(join(tmpdir(), 'dockersec-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the corpus is the same for the same seed, and covers every kind of file', () => {
  const digest = (n: number, seed?: number) => {
    const h = createHash('sha256');
    for (const c of fuzzDaemonJson(n, seed)) h.update(c.kind).update(c.bytes);
    return h.digest('hex');
  };
  assert.equal(digest(200), digest(200));
  assert.notEqual(digest(200), digest(200, 1));
  const kinds = new Set([...fuzzDaemonJson(FILES)].map((c) => c.kind));
  assert.deepEqual([...kinds].sort(), [
    'bad_values',
    'deep_nesting',
    'duplicate_keys',
    'huge_string',
    'invalid_utf8',
    'many_keys',
    'mutated',
    'nested_opts',
    'not_json',
    'removed_misspelled',
    'truncated',
    'utf16',
    'valid',
    'wrong_types',
  ]);
});

test(`${FILES} fuzzed daemon.json files: no error escapes, each judged in under ${LIMIT_MS} ms`, async () => {
  const s = await runFuzzCorpus(fuzzRoot(dir), fuzzDaemonJson(FILES), LIMIT_MS);
  assert.equal(s.files, FILES);
  assert.deepEqual(s.failures, []);
  assert.deepEqual(s.overLimit, [], `slowest: #${s.slowest.index} (${s.slowest.kind}) ${s.slowest.ms} ms`);
});
