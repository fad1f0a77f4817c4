// The /metrics gzip body: a part deflated once per evaluation joined with one deflated per scrape must be one
// valid gzip member with the whole text, for Node, the gzip tool and a reader that stops after one member.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { createGunzip, gunzipSync } from 'node:zlib';
import { gzipJoin, gzipPrefix } from '../../src/outputs/http/gzipJoin.js';

const firstMember = (buf: Buffer): Promise<string> =>
  new Promise((resolve, reject) => {
    // Node's gunzip stream ends at the end of the first member when told nothing else follows.
    const chunks: Buffer[] = [];
    const g = createGunzip();
    g.on('data', (c: Buffer) => chunks.push(c));
    g.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    g.on('error', reject);
    g.end(buf);
  });

test('a kept prefix and a per-scrape tail make one gzip member of the whole text', async () => {
  const big = Array.from(
    { length: 3000 },
    (_, i) => `dockersec_x{control="c${i}",status="pass"} ${i % 2}\n`,
  ).join('');
  for (const [head, tail] of [
    [big, '# HELP process_cpu_seconds_total x\nprocess_cpu_seconds_total 1.5\n'],
    ['', 'only the tail\n'],
    [big, ''],
    ['é ü ✓\n', 'ünïcode tail ✓\n'],
  ] as const) {
    const body = gzipJoin(await gzipPrefix(head), tail);
    assert.equal(gunzipSync(body).toString('utf8'), head + tail);
    assert.equal(await firstMember(body), head + tail);
    assert.equal(execFileSync('gzip', ['-dc'], { input: body }).toString('utf8'), head + tail);
  }
});
