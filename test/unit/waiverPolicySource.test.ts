// The waiver policy in force (serve): first load refused whole, reloads that keep the last good policy and say
// so once, the timer that wakes the monitor when a waiver expires; and check's scoping flags.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { selectControls } from '../../src/cli/check.js';
import { parseArgs, parseDuration, UsageError } from '../../src/cli/flags.js';
import { CATALOG } from '../../src/controls/catalog.js';
import {
  WaiverFileError,
  WaiverPolicySource,
  type WaiverTrigger,
} from '../../src/evaluation/waiverPolicy.js';
import { createLogger } from '../../src/log.js';
import { waitFor } from '../support/wait.js';

const entry = (controls: string, expires: string) =>
  `  - controls: [${controls}]\n    reason: r\n    owner: o\n    expires: "${expires}"\n`;
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

describe('WaiverPolicySource', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockersec-waivers-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const options = (file: string) => ({
    file,
    catalog: CATALOG,
    maxDurationMs: 365 * 86_400_000,
    expiryWarningMs: 14 * 86_400_000,
  });

  test('a bad file at start is refused whole', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, `waivers:\n${entry('icc', inDays(30))}${entry('nope', inDays(30))}`);
    await assert.rejects(WaiverPolicySource.load(options(file), createLogger('error')), WaiverFileError);
    await assert.rejects(
      WaiverPolicySource.load(options(join(dir, 'missing.yml')), createLogger('error')),
      /missing\.yml: cannot read the waivers file \(no such file\)/,
    );
  });

  test('an edit applies; a broken file keeps the last good policy, logged once; a fix recovers', async () => {
    const file = join(dir, 'w.yml');
    await writeFile(file, `waivers:\n${entry('icc', inDays(30))}`);
    const logged: string[] = [];
    const source = await WaiverPolicySource.load(
      options(file),
      createLogger('info', 'logfmt', (l) => logged.push(l)),
    );
    const changes: WaiverTrigger[] = [];
    await source.watch((why) => changes.push(why));
    try {
      assert.deepEqual(source.current.policy.waivers[0]!.controls, ['icc']);
      await writeFile(file, `waivers:\n${entry('icc', inDays(30))}${entry('userland_proxy', inDays(30))}`);
      await waitFor(
        'source.current.policy.waivers.length === 2',
        () => source.current.policy.waivers.length === 2,
        1000,
      );
      assert.deepEqual(changes, ['waivers_change']);

      await writeFile(file, `waivers:\n${entry('icc', inDays(30))}  - controls: [icc]\n`);
      await waitFor('!source.lastReloadSuccessful', () => !source.lastReloadSuccessful, 1000);
      assert.equal(source.current.policy.waivers.length, 2, 'the last good policy stays');
      // The same broken content again (an editor's second event) is not logged again.
      await source.reload();
      await source.reload();
      const errors = logged.filter((l) => l.includes('level=error'));
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0]!, /waivers\[1\]\.reason: required/);

      const lastSuccess = source.lastSuccessSeconds;
      await writeFile(file, 'waivers: []\n');
      await waitFor('source.lastReloadSuccessful', () => source.lastReloadSuccessful, 1000);
      assert.equal(source.current.policy.waivers.length, 0);
      assert.ok(source.lastSuccessSeconds >= lastSuccess);
    } finally {
      await source.close();
    }
  });

  test('a waiver that expires wakes the monitor without any edit', async () => {
    const file = join(dir, 'soon.yml');
    const soon = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    await writeFile(file, `waivers:\n${entry('icc', soon)}`);
    const source = await WaiverPolicySource.load(options(file), createLogger('error'));
    const changes: WaiverTrigger[] = [];
    await source.watch((why) => changes.push(why));
    try {
      await waitFor('changes.includes(waiver_expiry)', () => changes.includes('waiver_expiry'), 4000);
      assert.ok(Date.now() >= Date.parse(soon));
    } finally {
      await source.close();
    }
  });
});

describe('check scoping and waiver flags', () => {
  test('--controls, --sections, --skip select in catalog order', () => {
    const ids = (scope: Parameters<typeof selectControls>[1]) =>
      selectControls(CATALOG, scope).map((c) => c.id);
    assert.equal(ids({}).length, CATALOG.length);
    assert.deepEqual(ids({ controls: ['userland_proxy', 'icc'] }), ['icc', 'userland_proxy']);
    const daemon = ids({ sections: ['daemon_configuration'] });
    assert.ok(daemon.includes('icc') && !daemon.includes('container_privileged'));
    assert.deepEqual(
      ids({ controls: ['icc'], sections: ['daemon_files'], skip: ['icc'] }),
      ids({ sections: ['daemon_files'] }),
    );
    assert.ok(!ids({ skip: ['icc'] }).includes('icc'));
    assert.throws(
      () => selectControls(CATALOG, { controls: ['icc', 'icc_typo'] }),
      /--controls: unknown control id "icc_typo"/,
    );
    assert.throws(() => selectControls(CATALOG, { skip: ['x'] }), /--skip: unknown control id "x"/);
    assert.throws(
      () => selectControls(CATALOG, { sections: ['daemon'] }),
      /--sections: unknown section "daemon"/,
    );
    assert.throws(() => selectControls(CATALOG, { controls: ['icc'], skip: ['icc'] }), /leave no control/);
  });

  test('flags: lists, durations with d/w/y, defaults', () => {
    const o = parseArgs(['check', '--controls=icc, tls', '--skip', 'tls', '--waivers.file=w.yml'], {});
    assert.ok(o.command === 'check');
    assert.deepEqual(o.scope, { controls: ['icc', 'tls'], skip: ['tls'] });
    assert.equal(o.waiversFile, 'w.yml');
    assert.equal(o.waiversMaxDurationMs, 365 * 86_400_000);
    assert.equal(o.waiversExpiryWarningMs, 14 * 86_400_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    assert.throws(() => parseArgs(['check', '--controls='], {}), UsageError);
    assert.throws(() => parseArgs(['--controls=icc'], {}), /not a flag of the serve command/);
    const s = parseArgs(['--waivers.file', 'w.yml', '--waivers.expiry-warning=3d'], {});
    assert.ok(s.command === 'serve');
    assert.equal(s.waiversExpiryWarningMs, 3 * 86_400_000);
  });
});

test('the monitor: a waiver change alone reads no source; with another refresh pending, that refresh wins', async () => {
  const { wider } = await import('../../src/evaluation/monitor.js');
  assert.equal(wider(null, 'policy'), 'policy');
  assert.equal(wider('policy', 'policy'), 'policy');
  for (const r of ['all', 'config', 'api', 'containers'] as const) {
    assert.equal(wider('policy', r), r);
    assert.equal(wider(r, 'policy'), r);
  }
  assert.equal(wider('config', 'api'), 'all');
  assert.equal(wider('containers', 'api'), 'api');
});
