// Never hang, never lie: bounded input. A FIFO, a device or an oversized file where a host file is read is a
// prompt, clear error; hostile daemon.json content (100,000 duplicate keys, deep nesting, another file's
// bytes) is judged quickly and without echoing it; long label values are truncated with a hash.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CATALOG } from '../../src/controls/catalog.js';
import { validateDaemonConfig } from '../../src/dockerd/config/validateDaemonConfig.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { decodeDaemonJson, MAX_JSON_DEPTH } from '../../src/facts/daemonJson.js';
import type { DaemonConfigFile, Fact } from '../../src/facts/types.js';
import { loadBuildInfo } from '../../src/outputs/buildInfo.js';
import { renderEvaluation } from '../../src/outputs/metrics/evaluationMetrics.js';
import { labelValue, MAX_LABEL_VALUE_LENGTH } from '../../src/outputs/metrics/labelValue.js';
import { InputBoundsError, READ_LIMITS, readBounded } from '../../src/sources/boundedRead.js';
import { readDaemonConfig } from '../../src/sources/daemonConfigFile.js';
import { readDockerGroup } from '../../src/sources/hostFiles/dockerGroup.js';
import { HostPaths } from '../../src/sources/hostPaths.js';
import { collectSystemd } from '../../src/sources/systemd/units.js';
import { collectTlsFiles } from '../../src/sources/tlsFiles.js';
import { makeContainer } from '../support/containerFacts.js';
import { parseMetrics } from '../support/exporter.js';
import { makeFacts } from '../support/facts.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A fresh host root; `files` maps host paths to content, or to 'fifo' / a `-> target` symlink. */
function hostRoot(files: Record<string, string | Buffer> = {}): HostPaths {
  const root = mkdtempSync(join(tmpdir(), 'dockersec-bounds-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    const at = join(root, path);
    mkdirSync(dirname(at), { recursive: true });
    if (content === 'fifo') execFileSync('mkfifo', [at]);
    else if (typeof content === 'string' && content.startsWith('-> ')) symlinkSync(content.slice(3), at);
    else writeFileSync(at, content);
  }
  return new HostPaths(root);
}

const CONFIG = '/etc/docker/daemon.json';

/** The read, failing the test instead of hanging it. */
async function promptly<T>(read: Promise<T>, ms = 3000): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still reading after ${ms} ms`)), ms);
  });
  try {
    const value = await Promise.race([read, timeout]);
    return { value, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

const readConfig = (paths: HostPaths) => readDaemonConfig(paths, { path: CONFIG, origin: 'default' });

function errorOf(fact: Fact<unknown>): string {
  assert.equal(fact.ok, false, 'expected a fact error');
  return fact.ok ? '' : fact.error;
}

describe('bounded reads of daemon.json', () => {
  test('a FIFO at the daemon.json path is a prompt, clear error', async () => {
    const { value, ms } = await promptly(readConfig(hostRoot({ [CONFIG]: 'fifo' })));
    assert.equal(errorOf(value), `${CONFIG} is a fifo, not a regular file`);
    assert.ok(ms < 1000, `took ${ms} ms`);
  });

  test('/dev/urandom through a symlink is refused as not a regular file', async () => {
    const { value } = await promptly(readConfig(hostRoot({ [CONFIG]: '-> /dev/urandom' })));
    assert.equal(errorOf(value), `${CONFIG} is a character device, not a regular file`);
  });

  test('a directory is refused as not a regular file', async () => {
    const paths = hostRoot();
    mkdirSync(paths.resolve(CONFIG), { recursive: true });
    assert.equal(errorOf(await readConfig(paths)), `${CONFIG} is a directory, not a regular file`);
  });

  test('a file over the cap is refused; one at the cap is read', async () => {
    const cap = READ_LIMITS.daemonJson;
    assert.equal(cap, 128 * 1024);
    const over = `{"labels": ["${'a'.repeat(cap)}"]}`;
    assert.equal(
      errorOf(await readConfig(hostRoot({ [CONFIG]: over }))),
      `${CONFIG} is over the 128 KiB limit for this file (${over.length} bytes)`,
    );
    const at = `{"x": "${'a'.repeat(cap - 9)}"}`;
    assert.equal(at.length, cap);
    const fact = await readConfig(hostRoot({ [CONFIG]: at }));
    assert.ok(fact.ok && fact.value.exists && fact.value.text === at);
  });

  test('a missing daemon.json is still {} (as dockerd reads it), and a normal file is read as it is', async () => {
    const missing = await readConfig(hostRoot());
    assert.deepEqual(missing.ok && { exists: missing.value.exists, parsed: missing.value.parsed }, {
      exists: false,
      parsed: {},
    });
    const text = '\uFEFF{"debug": true, "log-opts": {"max-size": "10m"}}\n';
    const fact = await readConfig(hostRoot({ [CONFIG]: text }));
    assert.ok(fact.ok);
    assert.equal(fact.value.text, text);
    assert.deepEqual(fact.value.parsed, { debug: true, 'log-opts': { 'max-size': '10m' } });
  });

  test('readBounded reads at most cap+1 bytes of a file that reports no size', async () => {
    // /proc files report size 0; the reader still stops past the cap.
    await assert.rejects(readBounded('/proc/self/maps', 16), (e: unknown) => {
      assert.ok(e instanceof InputBoundsError && e.reason === 'too_large', String(e));
      return true;
    });
    assert.ok((await readBounded('/proc/self/stat', 64 * 1024)).length > 0);
  });
});

describe('bounded reads of the other host files', () => {
  test('a unit file over 256 KiB fails the systemd source with its path', async () => {
    const unit = `[Service]\nExecStart=/usr/bin/dockerd\n${'# padding\n'.repeat(30_000)}`;
    const fact = await collectSystemd(hostRoot({ '/lib/systemd/system/docker.service': unit }), null);
    assert.match(errorOf(fact), /\/lib\/systemd\/system\/docker\.service is over the 256 KiB limit/);
  });

  test('an EnvironmentFile that is a FIFO fails the systemd source promptly', async () => {
    const paths = hostRoot({
      '/lib/systemd/system/docker.service':
        '[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/bin/dockerd $DOCKER_OPTS\n',
      '/etc/default/docker': 'fifo',
    });
    const { value } = await promptly(collectSystemd(paths, null));
    assert.match(errorOf(value), /\/etc\/default\/docker is a fifo, not a regular file/);
  });

  test('a TLS file that is a FIFO is that file’s problem, promptly', async () => {
    const paths = hostRoot({ '/etc/docker/ca.pem': 'fifo' });
    const { value } = await promptly(
      collectTlsFiles(paths, [{ role: 'ca', path: '/etc/docker/ca.pem', key: 'tlscacert', origin: 'file' }]),
    );
    assert.ok(value.ok);
    assert.equal(value.value.files[0]?.problem, '/etc/docker/ca.pem is a fifo, not a regular file');
  });

  test('/etc/group as a FIFO is an error, not an empty group', async () => {
    const paths = hostRoot({ '/etc/group': 'fifo', '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n' });
    await assert.rejects(promptly(readDockerGroup(paths, 'docker')), /\/etc\/group is a fifo/);
  });
});

describe('hostile daemon.json content is judged quickly', () => {
  test('100,000 duplicate keys are judged in well under a second', () => {
    const text = `{${Array.from({ length: 100_000 }, (_, i) => `"debug": ${i % 2 === 0}`).join(', ')}}`;
    const started = performance.now();
    const decoded = decodeDaemonJson(text);
    const { findings } = validateDaemonConfig({
      text,
      parsed: decoded.parsed,
      parseError: decoded.error,
      args: null,
      serverVersion: '28.1.0',
    });
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `took ${ms} ms`);
    assert.deepEqual(
      findings.map((f) => f.message),
      ['"debug" is set 100000 times; dockerd keeps only the last value (false)'],
    );
    assert.deepEqual(decoded.duplicateKeys, ['debug']);
  });

  test('nesting deeper than the bound is a finding, not a stack overflow', () => {
    for (const depth of [MAX_JSON_DEPTH, 10_000, 1_000_000]) {
      const text = `{"log-opts": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const started = performance.now();
      const r = evaluate(makeFacts({ config: text }), CATALOG);
      const valid = r.results.find((x) => x.id === 'config_valid')!;
      assert.ok(performance.now() - started < 1000);
      assert.equal(valid.status, 'fail');
      assert.match(
        valid.reason,
        new RegExp(
          `malformed JSON: nesting deeper than ${MAX_JSON_DEPTH} levels at line 1, column ${MAX_JSON_DEPTH + 13}`,
        ),
      );
      for (const x of r.results) assert.doesNotMatch(x.reason, /internal error|Maximum call stack/);
    }
    // At the bound itself the file is judged as usual (here: log-opts is not an array).
    const atBound = `{"log-opts": ${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
    const valid = evaluate(makeFacts({ config: atBound }), CATALOG).results.find(
      (x) => x.id === 'config_valid',
    )!;
    assert.doesNotMatch(valid.reason, /nesting/);
    assert.match(valid.reason, /wrong type log-opts/);
  });
});

describe('config_valid never echoes another file’s content', () => {
  test('daemon.json linked to a shadow-like file: no reason quotes its bytes', async () => {
    const paths = hostRoot({
      '/etc/shadow-like': 'root:$6$saltsalt$secrethash:19000:0:99999:7:::\n',
      [CONFIG]: '-> /etc/shadow-like',
    });
    // The link points inside the host root, as it would on the host.
    rmSync(paths.resolve(CONFIG));
    symlinkSync(paths.resolve('/etc/shadow-like'), paths.resolve(CONFIG));
    const fact = (await readConfig(paths)) as Fact<DaemonConfigFile>;
    assert.ok(fact.ok);
    const r = evaluate({ ...makeFacts({ config: fact.value.text! }), daemonConfig: fact }, CATALOG);
    const valid = r.results.find((x) => x.id === 'config_valid')!;
    assert.equal(
      valid.reason,
      `dockerd would refuse ${CONFIG}: malformed JSON: not JSON: starts with a non-JSON byte at line 1, column 1`,
    );
    // Controls that read settings from the file say why they cannot, in the same words.
    assert.ok(r.results.some((x) => x.id !== 'config_valid' && x.reason.includes('not JSON: starts with')));
    for (const x of r.results) {
      assert.doesNotMatch(x.reason, /'r'|\$6\$|saltsalt|secrethash/, `${x.id}: ${x.reason}`);
    }
  });

  test('other non-JSON starts are not quoted either; a daemon.json typo still is (Go’s wording)', () => {
    const reasonOf = (text: string) =>
      evaluate(makeFacts({ config: text }), CATALOG).results.find((x) => x.id === 'config_valid')!.reason;
    assert.match(reasonOf('[Service]\nExecStart=x'), /not JSON: an invalid byte inside the top-level value/);
    assert.doesNotMatch(reasonOf('[Service]\nExecStart=x'), /'S'/);
    assert.match(reasonOf('null secret'), /not JSON: content after the top-level value/);
    assert.doesNotMatch(reasonOf('toor:x:0'), /'o'/);
    assert.match(reasonOf('{"debug": tru}'), /invalid character '\}' in literal true/);
  });
});

describe('long label values', () => {
  test('labelValue keeps short values and bounds long ones with a stable hash', () => {
    assert.equal(labelValue('web'), 'web');
    const exact = 'x'.repeat(MAX_LABEL_VALUE_LENGTH);
    assert.equal(labelValue(exact), exact);
    const long = 'a'.repeat(10_000);
    const v = labelValue(long);
    assert.equal(v.length, MAX_LABEL_VALUE_LENGTH);
    assert.match(v, /^a+…[0-9a-f]{12}$/);
    assert.equal(labelValue(long), v);
    assert.notEqual(labelValue(`${long}b`), v);
    // A surrogate pair at the cut is not split.
    const emoji = `${'a'.repeat(MAX_LABEL_VALUE_LENGTH - 14)}😀${'a'.repeat(300)}`;
    assert.doesNotMatch(labelValue(emoji), /[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  test('a 10 KB container name is exported truncated with a hash suffix; two such names stay distinct', async () => {
    const a = `${'n'.repeat(10_000)}-a`;
    const b = `${'n'.repeat(10_000)}-b`;
    const evaluation = evaluate(
      makeFacts({
        containers: [
          makeContainer({ name: a, image: 'i'.repeat(10_000), privileged: true }),
          makeContainer({ name: b, privileged: true }),
        ],
      }),
      CATALOG,
    );
    const text = await renderEvaluation(evaluation, loadBuildInfo());
    assert.ok(!text.includes('n'.repeat(300)), 'a label value over 256 characters');
    const series = parseMetrics(text).all('dockersec_container_control_failing', {
      control: 'container_privileged',
    });
    const names = series.map((s) => s.labels.container!).sort();
    assert.deepEqual(names, [labelValue(a), labelValue(b)].sort());
    assert.notEqual(labelValue(a), labelValue(b));
    for (const n of names) assert.match(n, /^n+…[0-9a-f]{12}$/);
    assert.ok(series.some((s) => s.labels.image === labelValue('i'.repeat(10_000))));
  });
});
