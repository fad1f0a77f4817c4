// The README's control table must not drift from the catalog.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG, cisId } from '../../src/controls/catalog.js';
import { ROOT } from '../support/exporter.js';

test('every control in the catalog is documented in the README with its CIS id and severity', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const c of CATALOG) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${c.id}\` |`));
    assert.ok(row, `README has no row for ${c.id}`);
    const cells = row.split('|').map((x) => x.trim());
    assert.equal(cells[2], cisId(c) ?? '-', `${c.id}: CIS id`);
    assert.equal(cells[3], c.severity, `${c.id}: severity`);
  }
});
