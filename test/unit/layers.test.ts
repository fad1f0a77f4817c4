// The layers of docs/architecture.md, enforced: a module imports from its own layer or one below, never up,
// and the dockerd model and the sources, like the web toolkit and the outputs, never import each other.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/exporter.js';

const SRC = join(ROOT, 'src');

/** Rank of each folder under src/; equal ranks are siblings that must not import each other. */
const RANK: Record<string, number> = {
  'log.ts': 0,
  facts: 1,
  sources: 2,
  dockerd: 2,
  controls: 3,
  policy: 3.5,
  evaluation: 4,
  outputs: 5,
  web: 5,
  cli: 6,
  'cli.ts': 7,
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const layerOf = (file: string): string => relative(SRC, file).split('/')[0]!.replace(/\.js$/, '.ts');

test('no module imports from a layer above its own, or from a sibling layer', () => {
  const wrong: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = layerOf(file);
    assert.ok(
      from in RANK,
      `${relative(ROOT, file)}: src/${from} is not a known layer (add it to RANK and docs)`,
    );
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bfrom '(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!);
      const to = layerOf(target);
      if (to === from) continue;
      if (!(to in RANK) || RANK[to]! >= RANK[from]!)
        wrong.push(`${relative(ROOT, file)} imports ${m[1]} (${from} -> ${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import cycles between modules, types included', () => {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps = [...text.matchAll(/\bfrom '(\.[^']+)'/g)].map((m) =>
      resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'),
    );
    graph.set(file, deps);
  }
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('outside src/controls only the catalog and the control types are known: what dockerd does is the model', () => {
  const PUBLIC = new Set(['catalog.ts', 'define.ts', 'types.ts']);
  const wrong: string[] = [];
  for (const file of tsFiles(SRC)) {
    if (layerOf(file) === 'controls') continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/\bfrom '(\.[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
      const inControls = relative(join(SRC, 'controls'), target);
      if (!inControls.startsWith('..') && !PUBLIC.has(inControls))
        wrong.push(`${relative(ROOT, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(wrong, []);
});
