import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeDaemonJson, positionOf, scanJson } from '../../src/facts/daemonJson.js';

/** The error decodeDaemonJson reports, as [message, line, column]. */
function errorOf(text: string): [string, number, number] {
  const d = decodeDaemonJson(text);
  assert.equal(d.parsed, null, `expected an error for ${JSON.stringify(text)}`);
  assert.ok(d.error);
  return [d.error.message, d.error.line, d.error.column];
}

describe('decodeDaemonJson: what decodes', () => {
  test('an object, with Go semantics for duplicate keys (the last wins) reported separately', () => {
    const d = decodeDaemonJson(
      '{"debug": true, "debug": false, "log-opts": {"max-size": "1m", "max-size": "2m"}}',
    );
    assert.equal(d.error, null);
    assert.deepEqual(d.parsed, { debug: false, 'log-opts': { 'max-size': '2m' } });
    assert.deepEqual(d.duplicateKeys, ['debug', 'log-opts.max-size']);
  });

  test('empty and whitespace-only files are {}, as dockerd 23+ reads them (flagged for older releases)', () => {
    for (const text of ['', '  \n\t\r\n']) {
      const d = decodeDaemonJson(text);
      assert.deepEqual(d.parsed, {});
      assert.equal(d.error, null);
      assert.equal(d.empty, true);
    }
    assert.equal(decodeDaemonJson('{}').empty, false);
  });

  test('a UTF-8 byte order mark is skipped and reported', () => {
    const d = decodeDaemonJson('\uFEFF{"debug": true}');
    assert.deepEqual(d.parsed, { debug: true });
    assert.equal(d.bom, true);
    assert.equal(decodeDaemonJson('{}').bom, false);
  });

  test('a top-level null leaves Go’s map empty: dockerd starts with its defaults', () => {
    assert.deepEqual(decodeDaemonJson('null').parsed, {});
    assert.deepEqual(decodeDaemonJson(' null \n').parsed, {});
  });

  test('escapes, surrogate pairs, unpaired surrogates (U+FFFD, as Go) and numbers', () => {
    const d = decodeDaemonJson(
      '{"a": "tab\\there \\u00e9 \\ud83d\\ude00 \\ud800 \\/", "n": -1.5e3, "i": 0, "b": [true, false, null]}',
    );
    assert.deepEqual(d.parsed, { a: 'tab\there é 😀 \uFFFD /', n: -1500, i: 0, b: [true, false, null] });
  });

  test('"__proto__" stays an ordinary key', () => {
    const parsed = decodeDaemonJson('{"__proto__": {"polluted": true}}').parsed!;
    assert.ok(Object.hasOwn(parsed, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('decodeDaemonJson: errors with Go’s wording and the position of the offending character', () => {
  // Messages marked (dockerd) were printed by the real dockerd 20.10 for the same input.
  test('trailing comma (dockerd)', () => {
    assert.deepEqual(errorOf('{\n  "debug": true,\n}\n'), [
      "invalid character '}' looking for beginning of object key string",
      3,
      1,
    ]);
  });
  test('missing comma between members', () => {
    assert.deepEqual(errorOf('{\n  "userland-proxy": false\n  "icc": false\n}\n'), [
      `invalid character '"' after object key:value pair`,
      3,
      3,
    ]);
  });
  test('broken literal (dockerd)', () => {
    assert.deepEqual(errorOf('{"debug": true,\n "icc": tru }'), [
      "invalid character ' ' in literal true (expecting 'e')",
      2,
      12,
    ]);
    assert.equal(errorOf('{"a": nul}')[0], "invalid character '}' in literal null (expecting 'l')");
    assert.equal(errorOf('{"a": fals}')[0], "invalid character '}' in literal false (expecting 'e')");
  });
  test('control character in a string (dockerd)', () => {
    assert.deepEqual(errorOf('{"a\tb": 1}'), ["invalid character '\\t' in string literal", 1, 4]);
  });
  test('leading zero (dockerd)', () => {
    assert.deepEqual(errorOf('{"debug": 01}'), ["invalid character '1' after object key:value pair", 1, 12]);
  });
  test('bad escape (dockerd) and bad \\u escape', () => {
    assert.deepEqual(errorOf('{"debug": "\\x"}'), ["invalid character 'x' in string escape code", 1, 13]);
    assert.equal(errorOf('{"a": "\\u12G4"}')[0], "invalid character 'G' in \\u hexadecimal character escape");
  });
  test('numbers', () => {
    assert.equal(errorOf('{"a": -}')[0], "invalid character '}' in numeric literal");
    assert.equal(errorOf('{"a": 1.}')[0], "invalid character '}' after decimal point in numeric literal");
    assert.equal(errorOf('{"a": 1e}')[0], "invalid character '}' in exponent of numeric literal");
    assert.equal(errorOf('{"a": +1}')[0], "invalid character '+' looking for beginning of value");
  });
  test('keys: unquoted, single-quoted, missing colon', () => {
    assert.deepEqual(errorOf('{debug: true}'), [
      "invalid character 'd' looking for beginning of object key string",
      1,
      2,
    ]);
    assert.equal(
      errorOf("{'debug': true}")[0],
      "invalid character '\\'' looking for beginning of object key string",
    );
    assert.equal(errorOf('{"debug" true}')[0], "invalid character 't' after object key");
  });
  test('arrays', () => {
    assert.equal(errorOf('{"dns": ["1.1.1.1" "8.8.8.8"]}')[0], `invalid character '"' after array element`);
    assert.equal(errorOf('{"dns": [,]}')[0], "invalid character ',' looking for beginning of value");
  });
  test('comments are not JSON', () => {
    assert.deepEqual(errorOf('// dockerd config\n{}'), [
      "invalid character '/' looking for beginning of value",
      1,
      1,
    ]);
  });
  test('non-ASCII is shown as Go shows the first byte', () => {
    assert.equal(errorOf('{"a": ä}')[0], "invalid character 'Ã' looking for beginning of value");
  });
  test('truncated input', () => {
    const [message, line, column] = errorOf('{\n  "debug": true');
    assert.equal(message, 'unexpected end of JSON input');
    assert.deepEqual([line, column], [2, 16]);
    assert.equal(errorOf('{"a": "unterminated')[0], 'unexpected end of JSON input');
  });
  test('content after the object (json.Unmarshal refuses it)', () => {
    assert.deepEqual(errorOf('{"debug": true}\n{"icc": false}'), [
      "invalid character '{' after top-level value",
      2,
      1,
    ]);
  });
  test('a top-level value other than an object or null', () => {
    assert.equal(
      errorOf('[]')[0],
      'json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
    assert.equal(
      errorOf('"x"')[0],
      'json: cannot unmarshal string into Go value of type map[string]interface {}',
    );
    assert.equal(
      errorOf('1')[0],
      'json: cannot unmarshal number into Go value of type map[string]interface {}',
    );
    assert.equal(
      errorOf('true')[0],
      'json: cannot unmarshal bool into Go value of type map[string]interface {}',
    );
  });
  test('a file that looks UTF-16 encoded', () => {
    assert.match(errorOf('{\0"\0d\0"\0:\0 \x001\0}\0')[0], /UTF-16/);
  });
  test('positions are 1-based and counted after a byte order mark', () => {
    assert.deepEqual(errorOf('\uFEFF{\n "a": 1,\n}').slice(1), [3, 1]);
  });
});

describe('scanJson', () => {
  test('keeps every member in order, duplicates included, with raw number text', () => {
    const s = scanJson('{"mtu": 1e3, "mtu": 1500}');
    assert.equal(s.error, null);
    assert.ok(s.root?.kind === 'object');
    assert.deepEqual(
      s.root.members.map((m) => [m.key, m.value.kind === 'number' ? m.value.raw : null]),
      [
        ['mtu', '1e3'],
        ['mtu', '1500'],
      ],
    );
  });
  test('reports trailing content separately, so the json.Decoder of dockerd 20.10 can be modelled', () => {
    const s = scanJson('{"debug": true} xyz');
    assert.equal(s.error, null);
    assert.equal(s.trailing?.message, "invalid character 'x' after top-level value");
    assert.equal(s.trailing?.column, 17);
  });
  test('names the key being read when the error occurred', () => {
    assert.equal(scanJson('{"debug": true, "icc": fals}').errorKey, 'icc');
    assert.equal(scanJson('{"debug": true').truncated, true);
  });
});

describe('positionOf', () => {
  test('1-based line and column of an offset', () => {
    assert.deepEqual(positionOf('ab\ncd', 0), { line: 1, column: 1 });
    assert.deepEqual(positionOf('ab\ncd', 4), { line: 2, column: 2 });
  });
});
