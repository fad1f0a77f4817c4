// What each command loads before it does any work (issue 12: start-up cost). `--version` and `--help` must not
// load the HTTP side (prom-client, the routes), the file watcher (chokidar) or the catalog; `check` loads the catalog
// and the evaluation while the facts are read and only the report module of its --format; `serve` loads its HTTP
// side while the first evaluation runs. Walks the static imports of the JavaScript TypeScript emits for each
// module (type-only imports gone, dynamic `import()` not followed).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { type CliResult, ROOT, runCli } from '../support/exporter.js';

const SRC = join(ROOT, 'src');
const DIST_CLI = join(ROOT, 'dist', 'cli.js');

/** Static imports of one module as emitted: relative ones as .ts paths, packages by name. */
function staticImports(file: string): { modules: string[]; packages: string[]; builtins: string[] } {
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  }).outputText;
  const specifiers = [
    ...js.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'|^import\s*'([^']+)'/gms),
  ].map((m) => (m[1] ?? m[2])!);
  const modules: string[] = [];
  const packages: string[] = [];
  const builtins: string[] = [];
  for (const s of specifiers) {
    if (s.startsWith('.')) modules.push(resolve(dirname(file), s).replace(/\.js$/, '.ts'));
    else if (s.startsWith('node:')) builtins.push(s);
    else packages.push(s.split('/')[0]!);
  }
  return { modules, packages, builtins };
}

/** Every module and package an entry loads before its first line runs. */
function loadedBy(...entries: string[]): {
  modules: Set<string>;
  packages: Set<string>;
  builtins: Set<string>;
} {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const builtins = new Set<string>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    assert.ok(existsSync(file), `${file} does not exist`);
    modules.add(file);
    const found = staticImports(file);
    for (const p of found.packages) packages.add(p);
    for (const b of found.builtins) builtins.add(b);
    for (const m of found.modules) visit(m);
  };
  for (const entry of entries) visit(join(SRC, entry));
  return { modules: new Set([...modules].map((m) => relative(SRC, m))), packages, builtins };
}

/** The modules `file` imports with `import()`, as paths relative to src/. */
function dynamicImports(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return [...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) =>
    relative(SRC, resolve(dirname(join(SRC, file)), m[1]!)).replace(/\.js$/, '.ts'),
  );
}

test('the entry point (--version, --help) loads no package and neither catalog nor commands', () => {
  const { modules, packages } = loadedBy('cli.ts');
  assert.deepEqual([...packages], []);
  for (const m of modules)
    assert.ok(
      !/^(controls\/catalog|cli\/(check|serve|healthcheck)|outputs\/(http|metrics)|outputs\/report\/\w+Report|web\/index)/.test(
        m,
      ),
      `cli.ts loads ${m} before it knows the command`,
    );
});

test('check loads no HTTP side, no file watcher, no catalog and no report module before it starts reading', () => {
  const { modules, packages } = loadedBy('cli/check.ts');
  for (const p of ['prom-client', 'chokidar', 'yaml'])
    assert.ok(!packages.has(p), `check loads ${p} up front`);
  for (const m of modules)
    assert.ok(
      !/^(controls\/catalog|evaluation\/(evaluate|waiverPolicy)|outputs\/report\/\w+Report)/.test(m),
      `check loads ${m} up front`,
    );
});

test('serve loads prom-client and the routes only once its first evaluation has started', () => {
  const { modules, packages } = loadedBy('cli/serve.ts');
  for (const p of ['prom-client']) assert.ok(!packages.has(p), `serve loads ${p} up front`);
  for (const m of modules)
    assert.ok(!/^(outputs\/(http|metrics)|web\/index)/.test(m), `serve loads ${m} up front`);
});

test('serve without a web config or a waivers file loads neither YAML nor worker threads', () => {
  // Both cost ~20-45 ms of CPU on every start (issue 12); only a --web.config.file (YAML), a --waivers.file
  // (YAML) or a basic-auth password check (the bcrypt worker) needs them, and those load them when they run.
  const lazy = dynamicImports('cli/serve.ts').filter((m) => m !== 'evaluation/waiverPolicy.ts');
  assert.ok(lazy.includes('web/index.ts'), `serve's dynamic imports: ${lazy.join(', ')}`);
  const { packages, builtins } = loadedBy('cli/serve.ts', ...lazy);
  assert.ok(!packages.has('yaml'), 'serve loads the yaml package with its HTTP side');
  assert.ok(!builtins.has('node:worker_threads'), 'serve loads node:worker_threads with its HTTP side');
});

/**
 * The packages the built CLI (`npm run build`: dist/cli.js and its chunks) loads for `args`, recorded by a module
 * loader hook: the bundle must keep the lazy loading the tests above check in the sources.
 */
async function packagesLoadedByBuild(args: string[]): Promise<{ packages: string[]; result: CliResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'dockersec-loads-'));
  const record = join(dir, 'loaded.txt');
  const hook = `data:text/javascript,${encodeURIComponent(
    `import { appendFileSync } from 'node:fs';
     export async function load(url, context, next) {
       appendFileSync(${JSON.stringify(record)}, url + '\\n');
       return next(url, context);
     }`,
  )}`;
  try {
    const result = await runCli(args, {
      command: [process.execPath, '--no-warnings', '--experimental-loader', hook, DIST_CLI],
      timeoutMs: 60_000,
    });
    const urls = readFileSync(record, 'utf8').split('\n').filter(Boolean);
    assert.ok(
      urls.some((u) => u.endsWith('/dist/cli.js')),
      `the hook saw no dist/cli.js: ${urls.join(', ')}`,
    );
    const packages = [
      ...new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? [])),
    ];
    return { packages, result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the built CLI keeps it: --version loads no package, check neither prom-client, chokidar nor yaml', {
  skip: existsSync(DIST_CLI) ? false : 'dist/cli.js not built (npm run build; CI builds first)',
}, async () => {
  const version = await packagesLoadedByBuild(['--version']);
  assert.equal(version.result.code, 0, version.result.stderr);
  assert.match(version.result.stdout, /^dockersec-exporter \d+\.\d+\.\d+ \(revision /);
  assert.deepEqual(version.packages, []);
  // A dead daemon still gives a whole report (its API controls in error): the command ran to its end.
  const check = await packagesLoadedByBuild([
    'check',
    '--format=json',
    '--docker.host=unix:///nonexistent/docker.sock',
    '--docker.timeout=1s',
  ]);
  const report = JSON.parse(check.result.stdout) as { controls: unknown[] };
  assert.ok(report.controls.length > 50, check.result.stderr);
  for (const p of ['prom-client', 'chokidar', 'yaml'])
    assert.ok(!check.packages.includes(p), `the built check loads ${p}: ${check.packages.join(', ')}`);
});
