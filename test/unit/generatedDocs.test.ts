// Documentation generated from the catalog (scripts/catalog-docs.ts) must be what the generator writes today,
// and every control must have a hand-written runbook. The rule file and the dashboard have their own
// staleness tests (test/bundle/rules.test.ts, test/bundle/dashboard.test.ts).
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultConfig } from '../../alerts/src/config.js';
import { DEDICATED_CONTROLS } from '../../alerts/src/controlAlerts.js';
import {
  COMMAND,
  generate,
  HEADER_END,
  runbookHeader,
  runbookProse,
  runbookStub,
  staleFiles,
} from '../../scripts/catalog-docs.js';
import { CATALOG } from '../../src/controls/catalog.js';
import { defineControl } from '../../src/controls/define.js';
import { pass } from '../../src/controls/support.js';
import { RUNBOOK_BASE_URL } from '../../src/outputs/report/sarifReport.js';
import { ROOT } from '../support/exporter.js';

const scratch = mkdtempSync(join(tmpdir(), 'dockersec-docs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the documentation the generator reads, to try changes on. */
function docsCopy(name: string): string {
  const root = join(scratch, name);
  cpSync(join(ROOT, 'docs', 'runbooks'), join(root, 'docs', 'runbooks'), { recursive: true });
  cpSync(join(ROOT, 'README.md'), join(root, 'README.md'));
  return root;
}

const newControl = defineControl({
  id: 'example_new_control',
  cis: {},
  section: 'daemon_configuration',
  title: 'An example control nobody has documented yet',
  severity: 'critical',
  remediation: 'Do the thing.',
  requires: [],
  evaluate: () => pass('fine'),
});

describe('documentation generated from the catalog', () => {
  const generation = generate();

  test('README controls table, runbook headers and runbook index are up to date', () => {
    assert.deepEqual(
      staleFiles(generation),
      [],
      `stale generated documentation: run \`${COMMAND}\` (npx tsx scripts/catalog-docs.ts) and commit the result`,
    );
  });

  test('every control has a written runbook and every runbook a control', () => {
    assert.deepEqual(generation.problems, [], generation.problems.join('\n'));
  });

  test('the generator rewrites only the header of a runbook: the prose stays byte for byte', () => {
    for (const f of generation.files.filter((x) => x.path.startsWith(join('docs', 'runbooks', '')))) {
      if (f.path.endsWith('README.md')) continue;
      assert.equal(runbookProse(f.expected), runbookProse(f.current), f.path);
      assert.ok(f.expected.includes(HEADER_END), f.path);
    }
  });

  test('a control without a runbook fails, naming the file to write; nothing is created', () => {
    const root = docsCopy('missing');
    const g = generate([...CATALOG, newControl], root);
    assert.ok(
      g.problems.some((p) => p.includes('write docs/runbooks/example_new_control.md')),
      g.problems.join('\n'),
    );
    assert.ok(!g.files.some((f) => f.path.includes('example_new_control')));
  });

  test('a stub (--new) has the generated header but fails until its prose is written', () => {
    const root = docsCopy('stub');
    const stub = runbookStub(newControl);
    assert.ok(stub.startsWith(runbookHeader(newControl)));
    assert.match(stub, /^## Remediation$/m);
    assert.match(stub, /^## Verify$/m);
    const path = join(root, 'docs', 'runbooks', 'example_new_control.md');
    writeFileSync(path, stub);
    const g = generate([...CATALOG, newControl], root);
    assert.ok(
      g.problems.some((p) => p.includes('write docs/runbooks/example_new_control.md')),
      g.problems.join('\n'),
    );
    writeFileSync(path, stub.replace(/TODO/g, 'Written.'));
    assert.deepEqual(generate([...CATALOG, newControl], root).problems, []);
  });

  test('a runbook whose control left the catalog fails', () => {
    const root = docsCopy('orphan');
    const g = generate(
      CATALOG.filter((c) => c.id !== 'icc'),
      root,
    );
    assert.ok(
      g.problems.some((p) => p.includes('icc.md documents icc, which is not in the catalog')),
      g.problems.join('\n'),
    );
  });

  test('the alert rules name only controls of the catalog', () => {
    const ids = new Set(CATALOG.map((c) => c.id));
    for (const id of DEDICATED_CONTROLS) assert.ok(ids.has(id), `alerts/src/controlAlerts.ts names ${id}`);
  });

  test('SARIF rules link the runbooks where the alerting bundle links them', () => {
    assert.equal(RUNBOOK_BASE_URL, defaultConfig.runbookBaseUrl);
  });
});
