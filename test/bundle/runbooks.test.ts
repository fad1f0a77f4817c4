import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { readRunbooks } from '../../alerts/src/runbooks.js';
import { CATALOG } from '../../src/controls/catalog.js';
import { KNOWN_CONTROLS } from './support/controls.js';
import { RUNBOOKS } from './support/paths.js';

const runbooks = new Map(readRunbooks().map((r) => [r.name, r]));

/** The exporter's catalog as it is today, plus the controls promised but not yet in it. */
function expectedControls(): { id: string; cis: string | null; severity: string }[] {
  const byId = new Map<string, { id: string; cis: string | null; severity: string }>();
  for (const c of KNOWN_CONTROLS) byId.set(c.id, c);
  for (const c of CATALOG) byId.set(c.id, { id: c.id, cis: c.cis, severity: c.severity });
  return [...byId.values()];
}

describe('docs/runbooks', () => {
  test("every control of the exporter's catalog has a runbook that agrees with the catalog", () => {
    for (const c of expectedControls()) {
      const rb = runbooks.get(c.id);
      assert.ok(rb, `docs/runbooks/${c.id}.md is missing`);
      assert.deepEqual(
        rb.control,
        { id: c.id, cis: c.cis, severity: c.severity },
        `docs/runbooks/${c.id}.md header`,
      );
      assert.ok(rb.title.startsWith(`${c.id}: `), `docs/runbooks/${c.id}.md title`);
    }
  });

  test('every runbook says what to do and how to check it worked', () => {
    for (const rb of runbooks.values()) {
      assert.match(rb.text, /^## .*[Rr]emediation/m, `${rb.name}.md: no remediation section`);
      assert.match(rb.text, /^## Verify$/m, `${rb.name}.md: no "## Verify" section`);
    }
  });

  test('the index lists every runbook and every relative link resolves', () => {
    const index = readFileSync(join(RUNBOOKS, 'README.md'), 'utf8');
    for (const name of runbooks.keys())
      assert.ok(index.includes(`(${name}.md)`), `README.md does not link ${name}.md`);
    for (const file of ['README.md', ...[...runbooks.keys()].map((n) => `${n}.md`)]) {
      const text = readFileSync(join(RUNBOOKS, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#:]+\.md)(#[^)]*)?\)/g)) {
        assert.ok(existsSync(join(dirname(join(RUNBOOKS, file)), m[1]!)), `${file} links to missing ${m[1]}`);
      }
    }
  });
});
