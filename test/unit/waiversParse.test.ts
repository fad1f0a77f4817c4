// The waivers file parser: what it accepts, and every way a file is refused (one line naming the file, the
// entry and the field; nothing of the file applied).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CATALOG } from '../../src/controls/catalog.js';
import { parseExpiry, parseWaivers, WaiverFileError } from '../../src/policy/parseWaivers.js';

const NOW = Date.parse('2026-12-05T08:00:00Z');
const YEAR = 365 * 86_400_000;
const opts = { file: 'w.yml', controls: CATALOG, now: NOW, maxDurationMs: YEAR };
const parse = (text: string) => parseWaivers(text, opts);

const GOOD = `waivers:
  - controls: [icc, userland_proxy]       # control ids
    reason: legacy services talk over the default bridge until the Q1 move
    owner: platform-team
    expires: "2027-03-31"
    ticket: SEC-1234
  - controls: [container_privileged]
    reason: the monitoring agent needs the host's devices
    owner: observability
    expires: 2027-01-15T12:00:00+01:00
    containers:
      names: ["legacy-*"]
      images: ["registry.example.com/legacy/*"]
      labels: {com.example.tier: legacy, com.example.level: 2, com.example.version: 1.10, com.example.zone: 02}
`;

/** Asserts the text is refused with one line matching `re`. */
function refused(text: string, re: RegExp, o = opts): void {
  assert.throws(
    () => parseWaivers(text, o),
    (e: unknown) => {
      assert.ok(e instanceof WaiverFileError, String(e));
      assert.ok(!e.message.includes('\n'), `one line: ${JSON.stringify(e.message)}`);
      assert.match(e.message, /^w\.yml(:\d+)?: /);
      assert.match(e.message, re);
      return true;
    },
  );
}

const entry = (over: Record<string, string | null>) => {
  const fields: Record<string, string | null> = {
    controls: '[icc]',
    reason: 'because',
    owner: 'me',
    expires: '2027-01-01',
    ...over,
  };
  const lines = Object.entries(fields)
    .filter(([, v]) => v !== null)
    .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${v}`);
  return `waivers:\n${lines.join('\n')}\n`;
};

describe('parseWaivers accepts', () => {
  test('the format of the issue, every field', () => {
    const p = parse(GOOD);
    assert.equal(p.file, 'w.yml');
    assert.equal(p.waivers.length, 2);
    const [a, b] = p.waivers;
    assert.deepEqual(a!.controls, ['icc', 'userland_proxy']);
    assert.equal(a!.owner, 'platform-team');
    assert.equal(a!.ticket, 'SEC-1234');
    assert.equal(a!.expiresAt, Date.parse('2027-03-31T00:00:00Z'));
    assert.equal(a!.containers, null);
    assert.equal(b!.index, 1);
    assert.equal(b!.ticket, null);
    assert.equal(b!.expiresAt, Date.parse('2027-01-15T11:00:00Z'));
    assert.deepEqual(b!.containers, {
      names: ['legacy-*'],
      images: ['registry.example.com/legacy/*'],
      labels: {
        'com.example.tier': 'legacy',
        'com.example.level': '2',
        'com.example.version': '1.10',
        'com.example.zone': '02',
      },
    });
  });

  test('an empty list, a numeric ticket, a past expiry (the waiver is then expired, not refused)', () => {
    assert.deepEqual(parse('waivers: []\n').waivers, []);
    assert.equal(parse(entry({ ticket: '1234' })).waivers[0]!.ticket, '1234');
    assert.equal(parse(entry({ expires: '2020-01-01' })).waivers[0]!.expiresAt, Date.parse('2020-01-01'));
  });

  test('a YAML 1.1 document, whose bare dates are timestamps, is read as written', () => {
    const p = parse(`%YAML 1.1\n---\n${entry({ expires: '2027-02-01' })}`);
    assert.equal(p.waivers[0]!.expiresAt, Date.parse('2027-02-01T00:00:00Z'));
  });

  test('parseExpiry: dates, RFC 3339 with offsets, and nothing else', () => {
    assert.equal(parseExpiry('2027-03-31'), Date.UTC(2027, 2, 31));
    assert.equal(parseExpiry('2027-03-31T10:00:00Z'), Date.UTC(2027, 2, 31, 10));
    assert.equal(parseExpiry('2027-03-31T10:00:00.5-02:00'), Date.UTC(2027, 2, 31, 12, 0, 0, 500));
    for (const bad of [
      '2027-02-30',
      '2027-13-01',
      '31/03/2027',
      '2027-03-31T10:00:00',
      'tomorrow',
      '2027-3-1',
      '',
    ]) {
      assert.equal(parseExpiry(bad), null, bad);
    }
  });
});

describe('parseWaivers refuses, in one line naming the file, the entry and the field', () => {
  test('a missing or empty required field', () => {
    for (const field of ['controls', 'reason', 'owner', 'expires']) {
      refused(entry({ [field]: null }), new RegExp(`waivers\\[0\\]\\.${field}: required`));
    }
    refused(entry({ reason: '""' }), /waivers\[0\]\.reason: must not be empty/);
    refused(entry({ owner: "'   '" }), /waivers\[0\]\.owner: must not be empty/);
    refused(entry({ ticket: '""' }), /waivers\[0\]\.ticket: must not be empty/);
    refused(entry({ reason: '' }), /waivers\[0\]\.reason: required/);
    refused(entry({ controls: '[]' }), /waivers\[0\]\.controls: must list at least one/);
  });

  test('a field of the wrong type', () => {
    refused(
      entry({ controls: 'icc' }),
      /waivers\[0\]\.controls: expected a list of control ids, got a string/,
    );
    refused(entry({ controls: '[icc, 3]' }), /waivers\[0\]\.controls\[1\]: expected a non-empty string/);
    refused(entry({ reason: '[a, b]' }), /waivers\[0\]\.reason: expected a string, got a list/);
    refused(entry({ owner: '42' }), /waivers\[0\]\.owner: expected a string, got a number/);
    refused(entry({ expires: '{at: 1}' }), /waivers\[0\]\.expires: expected a string, got a mapping/);
    refused(entry({ containers: '[a]' }), /waivers\[0\]\.containers: expected a mapping, got a list/);
  });

  test('an unknown control id, or one listed twice', () => {
    refused(
      entry({ controls: '[icc, icc_typo]' }),
      /waivers\[0\]\.controls\[1\]: unknown control id "icc_typo"/,
    );
    refused(entry({ controls: '[icc, icc]' }), /waivers\[0\]\.controls\[1\]: control icc is listed twice/);
  });

  test('an unknown field, at every level', () => {
    refused(`${entry({})}extra: 1\n`, /^w\.yml:\d+: extra: unknown field/);
    refused(entry({ expiry: '2027-01-01' }), /waivers\[0\]\.expiry: unknown field \(known: controls, reason/);
    refused(
      entry({ controls: '[container_privileged]', containers: '{name: [a]}' }),
      /waivers\[0\]\.containers\.name: unknown field \(known: names, images, labels\)/,
    );
  });

  test('an unparseable date', () => {
    for (const bad of ['2027-02-30', 'next week', '"2027-03-31 noon"', '2027-03-31T10:00:00']) {
      refused(
        entry({ expires: bad }),
        /waivers\[0\]\.expires: .* is not a date \(YYYY-MM-DD\) or an RFC 3339 time/,
      );
    }
  });

  test('an expiry further away than --waivers.max-duration', () => {
    refused(
      entry({ expires: '2028-01-01' }),
      /waivers\[0\]\.expires: 2028-01-01 is more than --waivers.max-duration \(365 days\) away/,
    );
    refused(entry({ expires: '2027-01-01' }), /max-duration \(7 days\)/, {
      ...opts,
      maxDurationMs: 7 * 86_400_000,
    });
    assert.equal(parse(entry({ expires: '2027-12-05' })).waivers.length, 1, 'exactly a year is accepted');
  });

  test('a container scope on a control not judged per container, or an empty scope', () => {
    refused(
      entry({ controls: '[container_privileged, icc]', containers: '{names: [a]}' }),
      /waivers\[0\]\.containers: control icc is not judged per container/,
    );
    refused(
      entry({ controls: '[container_privileged]', containers: '{}' }),
      /waivers\[0\]\.containers: must give names, images or labels/,
    );
    refused(
      entry({ controls: '[container_privileged]', containers: '{names: []}' }),
      /containers\.names: must list at least one glob/,
    );
    refused(
      entry({ controls: '[container_privileged]', containers: '{labels: [a]}' }),
      /containers\.labels: expected a mapping/,
    );
    refused(
      entry({ controls: '[container_privileged]', containers: '{labels: {a: [b]}}' }),
      /containers\.labels\.a: expected a value/,
    );
  });

  test('the entry is named by its index and its line', () => {
    const text = `${entry({})}${entry({ owner: null }).replace('waivers:\n', '')}`;
    refused(text, /^w\.yml:6: waivers\[1\]\.owner: required$/);
  });

  test('a file that is not a waivers file', () => {
    refused('', /\(top level\): expected a mapping with a waivers list, got nothing \(empty file\)/);
    refused('- a\n- b\n', /expected a mapping with a waivers list, got a list/);
    refused('other: 1\n', /other: unknown field/);
    refused('waivers: {a: 1}\n', /waivers: expected a list, got a mapping/);
    refused('waivers:\n  - just a string\n', /waivers\[0\]: expected a mapping, got a string/);
  });

  test('YAML that does not parse, duplicate keys, alias bombs', () => {
    refused('waivers: [\n', /not valid YAML/);
    refused(`${entry({})}    owner: again\n`, /not valid YAML: Map keys must be unique/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
      'waivers: []',
    ].join('\n');
    refused(bomb, /not accepted: Excessive alias count/);
  });

  test('nothing is half-applied: one bad entry refuses the whole file', () => {
    assert.throws(
      () => parse(`${GOOD}  - controls: [nope]\n    reason: x\n    owner: y\n    expires: 2027-01-01\n`),
      WaiverFileError,
    );
  });
});

test('the example waivers file is accepted', async () => {
  const { readFile } = await import('node:fs/promises');
  const path = new URL('../../examples/waivers/waivers.yml', import.meta.url);
  const p = parseWaivers(await readFile(path, 'utf8'), { ...opts, file: 'examples/waivers/waivers.yml' });
  assert.equal(p.waivers.length, 3);
  assert.deepEqual(p.waivers[2]!.containers, { labels: { 'com.example.tier': 'batch' } });
});
