// A seeded corpus of daemon.json files, good and hostile, for test/unit/fuzzDaemonJson.test.ts and
// bench/fuzz.ts: valid files, wrong types, removed and misspelled keys, bad values, nested log-opts and
// ulimits, huge strings, duplicate keys (up to 100,000), deep nesting, invalid UTF-8, UTF-16, truncations,
// non-JSON text and random mutations. The same seed always gives the same files, byte for byte.
//   npx tsx scripts/fuzz-daemon-json.ts OUT_DIR [--count 5000] [--seed N]   writes the corpus to OUT_DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_RELEASES, releaseFor } from '../src/facts/dockerd/releases.js';
import { READ_LIMITS } from '../src/sources/boundedRead.js';

export const FUZZ_SEED = 0x5eed_d0c;

export interface FuzzCase {
  readonly index: number;
  /** What the generator meant to produce, for messages. */
  readonly kind: string;
  readonly bytes: Buffer;
}

/** mulberry32: small, fast, and the same everywhere. */
function rngFrom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof rngFrom>;

const NEWEST = releaseFor(KNOWN_RELEASES[KNOWN_RELEASES.length - 1]!).release;
const KEYS = [...NEWEST.keys.values()];
const REMOVED = [
  'graph',
  'disable-legacy-registry',
  'cluster-store',
  'cluster-advertise',
  'cluster-store-opts',
  'api-cors-header',
  'oom-score-adjust',
  'deprecated-key-path',
  'restrict',
  'experimental-insecure-registry',
];
/** The daemon.json cap of the reader: the corpus has files just under it and just over it. */
const MAX_FILE = READ_LIMITS.daemonJson;

function misspell(rng: Rng, key: string): string {
  switch (rng.int(5)) {
    case 0:
      return key.replace(/-/g, '_');
    case 1:
      return key.toUpperCase();
    case 2: {
      const i = rng.int(key.length);
      return key.slice(0, i) + key.slice(i + 1);
    }
    case 3:
      return `${key}s`;
    default:
      return key.replace(/s$/, '');
  }
}

function randomString(rng: Rng, max = 24): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_./:= ,"\\\n\té€😀\u0000\u001f\u2028';
  let s = '';
  for (let i = rng.int(max); i > 0; i--) s += rng.pick([...alphabet]);
  return s;
}

function scalar(rng: Rng): unknown {
  return rng.pick([
    () => rng.chance(0.5),
    () => rng.int(100000) - 1000,
    () => rng.next() * 1e6,
    () => rng.pick([1e300, -0, 0.5, 2 ** 53 + 1, -(2 ** 31)]),
    () => randomString(rng),
    () => null,
  ])();
}

function randomValue(rng: Rng, depth = 0): unknown {
  if (depth > 3 || rng.chance(0.6)) return scalar(rng);
  if (rng.chance(0.5)) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  return Object.fromEntries(
    Array.from({ length: rng.int(4) }, () => [randomString(rng, 8), randomValue(rng, depth + 1)]),
  );
}

/** A plausible value for a key of this type (sometimes a bad one: wrong format, out of range). */
function valueFor(rng: Rng, type: string, bad: boolean): unknown {
  if (type === 'bool') return bad ? rng.pick(['true', 1, 'yes']) : rng.chance(0.5);
  if (type === 'integer') return bad ? rng.pick([-1, 1.5, 2 ** 40, '1500']) : rng.int(9000);
  if (type.startsWith('array of strings'))
    return bad
      ? rng.pick([['a=b', 'a=c'], ['com.docker.x=1'], 'not-an-array', [1, 2]])
      : Array.from({ length: rng.int(3) }, () => rng.pick(['1.1.1.1', 'a=b', 'unix:///run/x.sock', 'x']));
  if (type === 'array of {base,size}')
    return bad
      ? [{ base: 'nope', size: 99 }]
      : [{ base: `10.${rng.int(256)}.0.0/16`, size: rng.pick([24, 26]) }];
  if (type.startsWith('object(string->string)') || type.includes('log-opt'))
    return bad
      ? { 'max-size': rng.pick([10, 'ten', { x: 1 }]), 'max-file': 3 }
      : { 'max-size': rng.pick(['10m', '1g']), 'max-file': String(rng.int(9) + 1) };
  if (type.includes('{Name,Hard,Soft}'))
    return bad
      ? { nofile: { Name: 'nofile', Hard: 'lots', Soft: -5 }, bogus: [1] }
      : { nofile: { Name: 'nofile', Hard: 64000, Soft: 64000 } };
  if (type.startsWith('object(string->bool)'))
    return bad ? { buildkit: 'yes' } : { buildkit: rng.chance(0.5) };
  if (type.startsWith('object')) return bad ? rng.pick(['x', [1], 7]) : randomValue(rng, 1);
  if (type.startsWith('string (IP)'))
    return bad ? rng.pick(['999.1.1.1', 'dns.example.com', 7]) : `192.168.${rng.int(256)}.1`;
  if (type.startsWith('string (size'))
    return bad ? rng.pick(['64Q', '-1', 64]) : rng.pick(['64M', '1G', '512k']);
  if (type.startsWith('string')) return bad ? rng.pick([7, true, '', 'verbose']) : randomString(rng, 12);
  return randomValue(rng);
}

function realisticConfig(rng: Rng, bad: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = rng.int(12); i >= 0; i--) {
    const spec = rng.pick(KEYS);
    out[spec.name] = valueFor(rng, spec.type, rng.chance(bad));
  }
  return out;
}

const json = (v: unknown, rng: Rng) => JSON.stringify(v, null, rng.pick([0, 2, '\t']));
const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** `{ "key": V }` with `depth` nested arrays/objects around V. */
function deep(rng: Rng, depth: number, balanced: boolean): string {
  const opens: string[] = [];
  for (let i = 0; i < depth; i++) opens.push(rng.chance(0.5) ? '[' : '{"k":');
  const closes = opens.map((o) => (o === '[' ? ']' : '}')).reverse();
  return `{"${rng.pick(['log-opts', 'default-ulimits', 'x', 'runtimes'])}": ${opens.join('')}1${balanced ? closes.join('') : ''}}`;
}

function duplicates(rng: Rng): string {
  const n = rng.pick([2, 10, 1000, 10_000, 100_000]);
  const key = rng.pick(['debug', 'log-opts', 'mtu', 'x']);
  const distinct = rng.chance(0.3);
  const members: string[] = [];
  let size = 2;
  for (let i = 0; i < n && size < MAX_FILE - 64; i++) {
    const k = distinct ? `${key}${i % Math.max(1, n >> 1)}` : key;
    const m = `"${k}":${rng.pick(['true', String(i), '"v"', '{"max-size":"1m"}', `${i}.5`])}`;
    members.push(m);
    size += m.length + 1;
  }
  return `{${members.join(',')}}`;
}

function manyKeys(rng: Rng): string {
  const members: string[] = [];
  let size = 2;
  const prefix = rng.pick(['k', 'a.b', 'log_opts', 'x y']);
  const target = MAX_FILE - 64 - rng.int(MAX_FILE / 2);
  for (let i = 0; size < target; i++) {
    const m = `"${prefix}${i}":${rng.pick(['1', '"v"', '{"z":1}', '[1]'])}`;
    members.push(m);
    size += m.length + 1;
  }
  return `{${members.join(',')}}`;
}

function hugeString(rng: Rng): Buffer {
  // Around the cap: some just under (judged), some over (refused by the reader).
  const length = rng.pick([16 * 1024, MAX_FILE / 2, MAX_FILE - 64, MAX_FILE + 16]);
  const key = rng.pick(['log-level', 'data-root', 'x', 'hosts', 'labels']);
  const filler = rng.pick(['a', 'é', '\\n', '\\u00e9', ' ']);
  const body = filler.repeat(Math.floor(length / Buffer.byteLength(filler)));
  return utf8(key === 'hosts' || key === 'labels' ? `{"${key}": ["${body}"]}` : `{"${key}": "${body}"}`);
}

function invalidUtf8(rng: Rng): Buffer {
  const base = utf8(json(realisticConfig(rng, 0.2), rng));
  const bad = rng.pick([
    [0xff],
    [0xc3],
    [0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xc0, 0xaf],
    [0xfe, 0xff],
  ]);
  const at = rng.int(base.length + 1);
  return Buffer.concat([base.subarray(0, at), Buffer.from(bad), base.subarray(at)]);
}

function utf16(rng: Rng): Buffer {
  const text = json(realisticConfig(rng, 0), rng);
  const le = Buffer.from(text, 'utf16le');
  const bom = rng.chance(0.5);
  if (rng.chance(0.5)) return Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), le]);
  const be = Buffer.from(le);
  be.swap16();
  return Buffer.concat([Buffer.from(bom ? [0xfe, 0xff] : []), be]);
}

function mutate(rng: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 1 + rng.int(4); i > 0 && out.length > 0; i--) {
    out[rng.int(out.length)] = rng.pick([
      0x7b,
      0x7d,
      0x5b,
      0x5d,
      0x22,
      0x3a,
      0x2c,
      0x5c,
      0x00,
      0xff,
      rng.int(256),
    ]);
  }
  return out;
}

function notJson(rng: Rng): Buffer {
  return utf8(
    rng.pick([
      'root:$6$salt$hash:19000:0:99999:7:::\n',
      '[Service]\nExecStart=/usr/bin/dockerd\n',
      '-----BEGIN CERTIFICATE-----\nMIIB\n',
      '\u0000\u0001\u0002',
      'nul',
      'true',
      '"string"',
      '12 34',
      'null garbage',
      '[1, 2, oops]',
      '{"debug": true} trailing',
      ' \n\t ',
      '',
      '\uFEFF',
      '\uFEFF{"debug": true}',
      '// comment\n{}',
    ]),
  );
}

function oneCase(rng: Rng, index: number): FuzzCase {
  const r = rng.next();
  let kind: string;
  let bytes: Buffer;
  if (r < 0.16) {
    kind = 'valid';
    bytes = utf8(json(realisticConfig(rng, 0), rng));
  } else if (r < 0.28) {
    kind = 'wrong_types';
    const cfg = realisticConfig(rng, 0);
    for (let i = rng.int(4); i >= 0; i--) cfg[rng.pick(KEYS).name] = randomValue(rng);
    bytes = utf8(json(cfg, rng));
  } else if (r < 0.38) {
    kind = 'removed_misspelled';
    const cfg = realisticConfig(rng, 0.1);
    for (let i = rng.int(3); i >= 0; i--)
      cfg[rng.chance(0.5) ? rng.pick(REMOVED) : misspell(rng, rng.pick(KEYS).name)] = scalar(rng);
    bytes = utf8(json(cfg, rng));
  } else if (r < 0.5) {
    kind = 'bad_values';
    bytes = utf8(json(realisticConfig(rng, 0.7), rng));
  } else if (r < 0.58) {
    kind = 'nested_opts';
    const cfg = realisticConfig(rng, 0.2);
    cfg['log-opts'] = valueFor(rng, 'object(string->string)', rng.chance(0.5));
    cfg['default-ulimits'] = valueFor(rng, '{Name,Hard,Soft}', rng.chance(0.5));
    if (rng.chance(0.5)) cfg.runtimes = { [randomString(rng, 6)]: randomValue(rng) };
    bytes = utf8(json(cfg, rng));
  } else if (r < 0.62) {
    kind = 'huge_string';
    bytes = hugeString(rng);
  } else if (r < 0.67) {
    kind = 'duplicate_keys';
    bytes = utf8(duplicates(rng));
  } else if (r < 0.69) {
    kind = 'many_keys';
    bytes = utf8(manyKeys(rng));
  } else if (r < 0.74) {
    kind = 'deep_nesting';
    bytes = utf8(deep(rng, rng.pick([10, 150, 199, 200, 201, 1000, 20_000, 100_000]), rng.chance(0.8)));
  } else if (r < 0.8) {
    kind = 'invalid_utf8';
    bytes = invalidUtf8(rng);
  } else if (r < 0.82) {
    kind = 'utf16';
    bytes = utf16(rng);
  } else if (r < 0.89) {
    kind = 'truncated';
    const full = utf8(json(realisticConfig(rng, 0.2), rng));
    bytes = full.subarray(0, rng.int(full.length));
  } else if (r < 0.93) {
    kind = 'not_json';
    bytes = notJson(rng);
  } else {
    kind = 'mutated';
    bytes = mutate(rng, utf8(json(realisticConfig(rng, 0.2), rng)));
  }
  return { index, kind, bytes };
}

/** `count` files from `seed`; the first n of a longer run are the same files as a run of n. */
export function* fuzzDaemonJson(count = 5000, seed = FUZZ_SEED): Generator<FuzzCase> {
  for (let i = 0; i < count; i++) yield oneCase(rngFrom((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0), i);
}

if (process.argv[1]?.endsWith('fuzz-daemon-json.ts')) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: npx tsx scripts/fuzz-daemon-json.ts OUT_DIR [--count 5000] [--seed N]');
    process.exit(2);
  }
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  mkdirSync(out, { recursive: true });
  let n = 0;
  for (const c of fuzzDaemonJson(arg('count', 5000), arg('seed', FUZZ_SEED))) {
    writeFileSync(join(out, `${String(c.index).padStart(5, '0')}-${c.kind}.json`), c.bytes);
    n++;
  }
  console.log(`${n} files in ${out}`);
}
