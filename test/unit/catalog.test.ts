// The catalog: one way to declare a control, every declared control in it, ordered by code.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CATALOG, cisId } from '../../src/controls/catalog.js';
import {
  ControlDeclarationError,
  compareControls,
  controlsIn,
  defineControl,
  definedControls,
} from '../../src/controls/define.js';
import { pass } from '../../src/controls/support.js';
import type { ControlDefinition } from '../../src/controls/types.js';
import { CIS_VERSIONS } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { ROOT } from '../support/exporter.js';
import { makeFacts } from '../support/facts.js';

const CONTROLS_DIR = join(ROOT, 'src', 'controls');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const spec = (over: Partial<ControlDefinition> = {}): ControlDefinition => ({
  id: 'example_control',
  cis: { '1.6.0': '2.99' },
  section: 'daemon_configuration',
  title: 'An example',
  severity: 'low',
  remediation: 'Do the thing.',
  requires: [],
  evaluate: () => pass('fine'),
  ...over,
});

describe('the catalog', () => {
  test('holds every control declared anywhere under src/controls, each once', async () => {
    const modules: object[] = [];
    for (const file of tsFiles(CONTROLS_DIR)) modules.push(await import(pathToFileURL(file).href));
    const everywhere = controlsIn(...modules).map((c) => c.id);
    const unexported = definedControls().filter((c) => !CATALOG.includes(c));
    assert.deepEqual(
      unexported.map((c) => c.id),
      [],
      'a control is defined but not exported (only exported controls, alone or in arrays, reach the catalog)',
    );
    assert.deepEqual(
      CATALOG.map((c) => c.id),
      everywhere,
      `a module declares controls the catalog does not import (add it to CONTROL_MODULES in ${relative(ROOT, join(CONTROLS_DIR, 'catalog.ts'))})`,
    );
    assert.equal(new Set(everywhere).size, everywhere.length);
  });

  test('is in report order: by section, then CIS id part by part, controls beyond the benchmark last', () => {
    for (let i = 1; i < CATALOG.length; i++) {
      assert.ok(
        compareControls(CATALOG[i - 1]!, CATALOG[i]!) < 0,
        `${CATALOG[i - 1]!.id} before ${CATALOG[i]!.id}`,
      );
    }
    const ids = CATALOG.map((c) => c.id);
    assert.ok(ids.indexOf('audit_runc') > ids.indexOf('audit_default_docker'), '1.1.18 after 1.1.10');
    assert.ok(ids.indexOf('tls') < ids.indexOf('default_ulimits'), '2.8 before 2.9');
    assert.ok(ids.indexOf('devicemapper_storage') < ids.indexOf('tls'), '2.7 before 2.8 (1.8.0)');
    assert.ok(
      ids.indexOf('experimental') < ids.indexOf('config_valid'),
      'CIS controls first in their section',
    );
    assert.equal(cisId(CATALOG.find((c) => c.id === 'config_valid')!), null);
  });

  test('CIS ids per version (issue 13): 1.8.0 by default, 2.7 devicemapper inserted, 1.6.0/1.7.0 on request', () => {
    const byId = (id: string) => CATALOG.find((c) => c.id === id)!;
    const ids = (id: string) => CIS_VERSIONS.map((v) => cisId(byId(id), v));
    assert.deepEqual(ids('tls'), ['2.7', '2.7', '2.8']);
    assert.deepEqual(ids('devicemapper_storage'), [null, null, '2.7']);
    assert.deepEqual(ids('storage_driver'), ['2.6', '2.6', '2.6']);
    assert.deepEqual(ids('seccomp'), ['2.17', '2.17', '2.18']);
    assert.deepEqual(ids('experimental'), ['2.18', '2.18', '2.19']);
    assert.deepEqual(ids('rootless'), ['2.1', '2.1', '2.1']);
    assert.deepEqual(ids('swarm_mode'), ['5.1', '5.1', '5.1']);
    assert.deepEqual(ids('config_valid'), [null, null, null]);
    assert.equal(cisId(byId('tls')), '2.8');
    // Every version numbers its controls once.
    for (const v of CIS_VERSIONS) {
      const seen = CATALOG.map((c) => cisId(c, v)).filter((x) => x !== null);
      assert.equal(new Set(seen).size, seen.length, `duplicate CIS ${v} id`);
    }
    // --cis.version reaches the results.
    const base = makeFacts();
    const old = evaluate({ ...base, exporter: { ...base.exporter, cisVersion: '1.6.0' } }, CATALOG);
    assert.equal(old.results.find((r) => r.id === 'tls')!.cis, '2.7');
    assert.equal(old.cisVersion, '1.6.0');
    const newest = evaluate(makeFacts(), CATALOG);
    assert.equal(newest.results.find((r) => r.id === 'tls')!.cis, '2.8');
  });

  test('every control is frozen, as the catalog hands the same object to every evaluation', () => {
    for (const c of CATALOG) {
      assert.ok(Object.isFrozen(c) && Object.isFrozen(c.cis) && Object.isFrozen(c.requires), c.id);
    }
  });
});

describe('defineControl', () => {
  test('refuses a declaration that would break reports, metrics or the generated docs', () => {
    const bad: [string, Partial<ControlDefinition>][] = [
      ['snake_case', { id: 'Bad-Id' }],
      ['unknown section', { section: 'nowhere' as ControlDefinition['section'] }],
      ['unknown severity', { severity: 'urgent' as ControlDefinition['severity'] }],
      ['unknown CIS version', { cis: { '9.9.9': '1.1' } as ControlDefinition['cis'] }],
      ['not a section number', { cis: { '1.6.0': 'two' } }],
      ['required', { remediation: ' ' }],
    ];
    for (const [message, over] of bad) {
      assert.throws(
        () => defineControl(spec(over)),
        (e: Error) => {
          assert.ok(e instanceof ControlDeclarationError);
          assert.match(e.message, new RegExp(message));
          return true;
        },
      );
    }
  });

  test('a control declared any other way, or twice, stops the catalog', () => {
    const literal = spec({ id: 'literal' });
    assert.throws(() => controlsIn({ literal }), /literal is not declared with defineControl/);
    const a = defineControl(spec({ id: 'twice' }));
    const b = defineControl(spec({ id: 'twice' }));
    assert.throws(() => controlsIn({ a, b }), /twice is declared twice/);
    assert.deepEqual(
      controlsIn({ a, list: [a] }).map((c) => c.id),
      ['twice'],
      'exported alone and in a list is one control',
    );
  });
});
