import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { ruleFile } from '../../alerts/src/bundle.js';
import { defaultConfig } from '../../alerts/src/config.js';
import { readRunbooks } from '../../alerts/src/runbooks.js';
import { isAlertingRule } from '../../alerts/src/types.js';
import { CATALOG, cisId } from '../../src/controls/catalog.js';
import { alertFiresFor } from './support/alertsFor.js';
import { KNOWN_CONTROLS } from './support/controls.js';
import { RUNBOOKS } from './support/paths.js';

const runbooks = new Map(readRunbooks().map((r) => [r.name, r]));

/** The exporter's catalog as it is today, plus the controls promised but not yet in it. */
function expectedControls(): { id: string; cis: string | null; severity: string }[] {
  const byId = new Map<string, { id: string; cis: string | null; severity: string }>();
  for (const c of KNOWN_CONTROLS) byId.set(c.id, c);
  for (const c of CATALOG) byId.set(c.id, { id: c.id, cis: cisId(c), severity: c.severity });
  return [...byId.values()];
}

const alerts = ruleFile(defaultConfig)
  .groups.flatMap((g) => g.rules)
  .filter(isAlertingRule);

/** The fourth cell of the header table's data row. */
const alertCell = (text: string): string | undefined =>
  /^\|\s*`[a-z0-9_]+`\s*\|[^|]*\|[^|]*\|([^|]*)\|/m.exec(text)?.[1]?.trim();

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

  test('the Alert column of every control runbook names the alerts that really fire for it', () => {
    for (const c of expectedControls()) {
      const rb = runbooks.get(c.id);
      const cell = rb && alertCell(rb.text);
      assert.ok(cell, `docs/runbooks/${c.id}.md: no Alert column`);
      const firing = alerts.filter((a) => alertFiresFor(a, c));
      const names = new Set(firing.map((a) => a.alert));
      if (names.size === 0) {
        assert.equal(cell, 'none (dashboard only)', `docs/runbooks/${c.id}.md: no alert fires for it`);
        continue;
      }
      for (const name of names) {
        assert.ok(cell.includes(`\`${name}\``), `docs/runbooks/${c.id}.md: Alert column lacks ${name}`);
        const severities = new Set(firing.filter((a) => a.alert === name).map((a) => a.labels.severity));
        if (severities.size === 1) {
          const [severity] = severities;
          assert.ok(
            cell.includes(`severity ${severity}`),
            `docs/runbooks/${c.id}.md: ${name} fires as ${severity}, the Alert column says "${cell}"`,
          );
        }
      }
      for (const named of cell.matchAll(/`(DockerSec\w+)`/g)) {
        assert.ok(
          names.has(named[1]!),
          `docs/runbooks/${c.id}.md names ${named[1]}, which never fires for it`,
        );
      }
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
