// The text report as a person reads it, against golden files at 80 and 160 columns
// (DOCKERSEC_UPDATE_GOLDEN=1 rewrites them after a deliberate change; review the diff).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { textReport } from '../../src/outputs/report/textReport.js';
import { makeContainer } from '../support/containerFacts.js';
import { ROOT } from '../support/exporter.js';
import { makeFacts } from '../support/facts.js';

const GOLDEN = join(ROOT, 'test/fixtures/text-report');

/** A host with something of everything: nnp configured but off at runtime, a privileged container, no dockerd. */
function evaluation() {
  return evaluate(
    makeFacts({
      config: '{\n  "icc": true,\n  "no-new-privileges": true,\n  "log-level": "info"\n}\n',
      version: '24.0.7',
      noDockerd: true,
      containers: [
        makeContainer({ name: 'web', privileged: true }),
        makeContainer({ name: 'db\u001b[31m', privileged: true }),
      ],
    }),
    CATALOG,
    () => Date.UTC(2026, 11, 5, 9, 0, 0),
  );
}

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.DOCKERSEC_UPDATE_GOLDEN) writeFileSync(path, actual);
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs (DOCKERSEC_UPDATE_GOLDEN=1 to rewrite)`);
}

describe('text report', () => {
  for (const width of [80, 160]) {
    test(`golden at ${width} columns; every line fits except a URL on its own`, () => {
      const text = textReport(evaluation(), { width, failOn: 'low' });
      golden(`report-${width}.txt`, text);
      for (const line of text.split('\n')) {
        if (line.length > width)
          assert.match(line, /^\s+(runbook: )?https:\/\/\S+$/, `over ${width}: ${line}`);
      }
    });
  }

  test('failures first by severity, then not judged, waived, and the rest collapsed', () => {
    const text = textReport(evaluation(), { width: 80, failOn: 'low' });
    const order = ['Failing:', 'Not judged:', 'Passing:', 'Not applicable:'].map((h) =>
      text.indexOf(`\n${h}`),
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    assert.ok(order.every((i) => i > 0));
    const critical = text.indexOf('  CRITICAL');
    const medium = text.indexOf('  MEDIUM');
    assert.ok(critical > 0 && critical < medium);
    // Passing controls are listed by id only, several to a line.
    assert.doesNotMatch(text, /^ {2}PASS /m);
  });

  test('the fix follows what was observed: configured true but off at runtime says restart, not set it', () => {
    const text = textReport(evaluation(), { width: 160 });
    const block = text.slice(
      text.indexOf('2.15 no_new_privileges:'),
      text.indexOf('runbook:', text.indexOf('2.15 no_new_privileges:')),
    );
    assert.match(block, /observed running false, configured true; expected true/);
    assert.match(
      block,
      /fix: The configuration already sets true but the running daemon has false: restart dockerd/,
    );
    assert.doesNotMatch(block, /Set "no-new-privileges": true/);
    assert.match(text, /runbook: https:\/\/\S+\/docs\/runbooks\/no_new_privileges\.md/);
  });

  test('a caveat many reasons share is said once at the top', () => {
    const text = textReport(evaluation(), { width: 160 });
    const caveat = /\[(\d+)\] dockerd flags unknown \(.*\) — (\d+) controls/.exec(text);
    assert.ok(caveat, text.slice(0, 800));
    assert.ok(Number(caveat[2]) >= 2);
    assert.equal(text.split('dockerd flags unknown').length - 1, 1, 'once');
  });

  test('the summary by severity and the findings that decide the exit code', () => {
    const text = textReport(evaluation(), { width: 160, failOn: 'high' });
    assert.match(
      text,
      /\n\d+ failing \(\d+ critical, .*\), \d+ passing, \d+ not applicable, \d+ not judged, 0 waived/,
    );
    assert.match(text, /exit 1: \d+ failing at or above high: container_privileged \(critical\)/);
  });

  test('colour only when asked; hostile control characters never reach the terminal', () => {
    assert.ok(!textReport(evaluation(), { width: 80 }).includes('\x1b'));
    const coloured = textReport(evaluation(), { width: 80, colour: true });
    assert.ok(coloured.includes('\x1b[31mFAIL\x1b[0m'));
    assert.ok(!coloured.includes('db\x1b[31m'));
  });

  test('--quiet: one line per failure; --format table: one line per control, all within the width', () => {
    const e = evaluation();
    const quiet = textReport(e, { width: 80, layout: 'quiet', failOn: 'low' }).split('\n');
    const failing = e.results.filter((r) => r.status === 'fail').length;
    assert.equal(quiet.filter((l) => l.startsWith('FAIL ')).length, failing);
    assert.equal(quiet.filter((l) => /^(PASS|N\/A|ERROR) /.test(l)).length, 0);
    const table = textReport(e, { width: 80, layout: 'table' }).split('\n');
    assert.equal(table.filter((l) => /^(FAIL|PASS|N\/A|ERROR|WAIVED) /.test(l)).length, e.results.length);
    for (const l of table) assert.ok(l.length <= 80, l);
  });
});
