// Decodes daemon.json the way dockerd does, with a scanner of our own: JSON.parse gives neither Go's error
// wording nor a reliable position, and it silently drops duplicate keys.
import type { JsonParseError } from './types.js';

/** A JSON value with its position; objects keep every member in order, duplicates included (Go decodes each). */
export type JsonNode =
  | { readonly kind: 'object'; readonly offset: number; readonly members: readonly JsonMember[] }
  | { readonly kind: 'array'; readonly offset: number; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly offset: number; readonly value: string; readonly raw: string }
  | { readonly kind: 'number'; readonly offset: number; readonly value: number; readonly raw: string }
  | { readonly kind: 'bool'; readonly offset: number; readonly value: boolean }
  | { readonly kind: 'null'; readonly offset: number };

export interface JsonMember {
  readonly key: string;
  readonly offset: number;
  readonly value: JsonNode;
}

export interface ScannedJson {
  /** The first top-level value, or null when it is malformed or missing. */
  readonly root: JsonNode | null;
  /** The first syntax error inside the first value, or its truncation. */
  readonly error: JsonParseError | null;
  /** Whether the input ended inside the first value (Go: "unexpected end of JSON input" / "unexpected EOF"). */
  readonly truncated: boolean;
  /** Non-space content after the first value: json.Unmarshal (dockerd 23+) refuses it, json.Decoder (20.10) ignores it. */
  readonly trailing: JsonParseError | null;
  /** The key whose value was being read when the error occurred, for messages. */
  readonly errorKey: string | null;
}

export interface DecodedDaemonJson {
  readonly parsed: Readonly<Record<string, unknown>> | null;
  readonly error: JsonParseError | null;
  /** Keys set more than once (dotted path for nested objects); Go keeps the last value. */
  readonly duplicateKeys: readonly string[];
  /** The text started with a UTF-8 byte order mark (dockerd 23+ skips it; 20.10 refuses the file). */
  readonly bom: boolean;
  /** The text is empty or only whitespace (dockerd 23+ reads it as {}; 20.10 refuses it with "EOF"). */
  readonly empty: boolean;
}

/**
 * How deep objects and arrays may nest before the file is refused unjudged. dockerd's decoder (Go's
 * encoding/json) allows 10000 levels, but no daemon.json option nests more than a few: deeper content sits
 * under a key dockerd refuses anyway, and the bound keeps every walk of the tree off the call stack's limit.
 */
export const MAX_JSON_DEPTH = 200;

export function positionOf(text: string, offset: number): { line: number; column: number } {
  return new LineIndex(text).positionOf(offset);
}

/**
 * Line starts of a text, found once: a report locates every key a verdict names (a daemon.json of thousands of
 * unknown keys names them all), and slicing the text per key made that quadratic in the file's size.
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** 1-based line and column of a UTF-16 offset. */
  positionOf(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Go's quoteChar: the offending byte as Go prints it ('\n', '\'', or a Latin-1 rendering of a UTF-8 lead byte). */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return `'"'`;
  const code = c.codePointAt(0) ?? 0;
  if (code >= 0x80) {
    const lead = Buffer.from(String.fromCodePoint(code), 'utf8')[0] ?? 0;
    return `'${String.fromCharCode(lead)}'`;
  }
  const quoted = JSON.stringify(c).slice(1, -1);
  if (/^\\u00[0-9a-f]{2}$/.test(quoted)) return `'\\x${quoted.slice(4)}'`;
  return `'${quoted}'`;
}

class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly truncated: boolean,
  ) {
    super(message);
  }
}

class Scanner {
  private pos = 0;
  private depth = 0;
  lastKey: string | null = null;

  constructor(private readonly text: string) {}

  get offset(): number {
    return this.pos;
  }

  private fail(context: string): never {
    const c = this.text[this.pos];
    if (c === undefined) throw new SyntaxFailure('unexpected end of JSON input', this.pos, true);
    throw new SyntaxFailure(`invalid character ${quoteChar(c)} ${context}`, this.pos, false);
  }

  skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  value(): JsonNode {
    this.skipSpace();
    const start = this.pos;
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"': {
        const value = this.string();
        return { kind: 'string', offset: start, value, raw: this.text.slice(start, this.pos) };
      }
      case 't':
        this.literal('true');
        return { kind: 'bool', offset: start, value: true };
      case 'f':
        this.literal('false');
        return { kind: 'bool', offset: start, value: false };
      case 'n':
        this.literal('null');
        return { kind: 'null', offset: start };
      default:
        if (c === '-' || isDigit(c)) return this.number();
        return this.fail('looking for beginning of value');
    }
  }

  /** Enters an object or array; past MAX_JSON_DEPTH the scan stops with a finding, not a stack overflow. */
  private enter(): void {
    if (++this.depth > MAX_JSON_DEPTH)
      throw new SyntaxFailure(`nesting deeper than ${MAX_JSON_DEPTH} levels`, this.pos, false);
  }

  private object(): JsonNode {
    const start = this.pos;
    this.enter();
    this.pos++;
    const members: JsonMember[] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return { kind: 'object', offset: start, members };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('looking for beginning of object key string');
      const keyOffset = this.pos;
      const key = this.string();
      this.lastKey = key;
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('after object key');
      this.pos++;
      const value = this.value();
      members.push({ key, offset: keyOffset, value });
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        this.depth--;
        return { kind: 'object', offset: start, members };
      }
      this.fail('after object key:value pair');
    }
  }

  private array(): JsonNode {
    const start = this.pos;
    this.enter();
    this.pos++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return { kind: 'array', offset: start, items };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        this.depth--;
        return { kind: 'array', offset: start, items };
      }
      this.fail('after array element');
    }
  }

  private string(): string {
    this.pos++;
    // Fast path: a run without escapes or control characters is one slice.
    const text = this.text;
    let end = this.pos;
    for (let code = text.charCodeAt(end); code >= 0x20 && code !== 0x22 && code !== 0x5c; )
      code = text.charCodeAt(++end);
    if (text.charCodeAt(end) === 0x22) {
      const value = text.slice(this.pos, end);
      this.pos = end + 1;
      return value;
    }
    let out = text.slice(this.pos, end);
    this.pos = end;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('in string literal');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        this.pos++;
        const e = this.text[this.pos];
        const simple: Record<string, string> = {
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
          '\\': '\\',
          '/': '/',
          '"': '"',
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.pos++;
          continue;
        }
        if (e !== 'u') this.fail('in string escape code');
        this.pos++;
        const unit = this.hex4();
        if (unit >= 0xd800 && unit < 0xdc00 && this.text.startsWith('\\u', this.pos)) {
          const save = this.pos;
          this.pos += 2;
          const low = this.hex4();
          if (low >= 0xdc00 && low < 0xe000) {
            out += String.fromCharCode(unit, low);
            continue;
          }
          this.pos = save;
        }
        // Go replaces an unpaired surrogate with U+FFFD.
        out += unit >= 0xd800 && unit < 0xe000 ? '\uFFFD' : String.fromCharCode(unit);
        continue;
      }
      if (c < ' ') this.fail('in string literal');
      out += c;
      this.pos++;
    }
  }

  private hex4(): number {
    for (let i = 0; i < 4; i++) {
      if (!isHex(this.text[this.pos + i])) {
        this.pos += i;
        this.fail('in \\u hexadecimal character escape');
      }
    }
    const unit = Number.parseInt(this.text.slice(this.pos, this.pos + 4), 16);
    this.pos += 4;
    return unit;
  }

  private number(): JsonNode {
    const start = this.pos;
    if (this.text[this.pos] === '-') {
      this.pos++;
      if (!isDigit(this.text[this.pos])) this.fail('in numeric literal');
    }
    if (this.text[this.pos] === '0') this.pos++;
    else while (isDigit(this.text[this.pos])) this.pos++;
    if (this.text[this.pos] === '.') {
      this.pos++;
      if (!isDigit(this.text[this.pos])) this.fail('after decimal point in numeric literal');
      while (isDigit(this.text[this.pos])) this.pos++;
    }
    if (this.text[this.pos] === 'e' || this.text[this.pos] === 'E') {
      this.pos++;
      if (this.text[this.pos] === '+' || this.text[this.pos] === '-') this.pos++;
      if (!isDigit(this.text[this.pos])) this.fail('in exponent of numeric literal');
      while (isDigit(this.text[this.pos])) this.pos++;
    }
    const raw = this.text.slice(start, this.pos);
    return { kind: 'number', offset: start, value: Number(raw), raw };
  }

  private literal(word: string): void {
    this.pos++;
    for (let i = 1; i < word.length; i++) {
      if (this.text[this.pos] !== word[i]) this.fail(`in literal ${word} (expecting ${quoteChar(word[i]!)})`);
      this.pos++;
    }
  }
}

function errorAt(text: string, message: string, offset: number): JsonParseError {
  return { message, offset, ...positionOf(text, offset) };
}

/**
 * Go's wording quotes the offending byte. That is the point for a daemon.json with a typo, but a path
 * pointed at another file (a symlink to /etc/shadow) must not leak it: unless the text starts like a
 * daemon.json (with "{", or with a comment, "/" or "#", whose first byte is then the only one quoted), the
 * message says what is wrong without quoting anything.
 */
function unquoted(body: string, message: string, offset: number): string {
  let first = 0;
  while (isSpace(body[first])) first++;
  const start = body[first];
  if (!message.startsWith('invalid character')) return message;
  if (start === '{' || ((start === '/' || start === '#') && offset === first)) return message;
  if (offset === first) return 'not JSON: starts with a non-JSON byte';
  if (message.endsWith('after top-level value')) return 'not JSON: content after the top-level value';
  return 'not JSON: an invalid byte inside the top-level value';
}

/**
 * Scans the first JSON value of `body` (no BOM handling here) the way Go's encoding/json scanner does,
 * reporting the first syntax error with Go's wording and its position. Nesting deeper than MAX_JSON_DEPTH
 * is an error too.
 */
export function scanJson(body: string): ScannedJson {
  // The source decodes the file and the validator scans it again per evaluation: the last scan is kept
  // (the result is never mutated), so a large file is scanned once per change.
  if (lastScan?.body === body) return lastScan.result;
  const result = scanOnce(body);
  lastScan = { body, result };
  return result;
}

let lastScan: { readonly body: string; readonly result: ScannedJson } | null = null;

function scanOnce(body: string): ScannedJson {
  const scanner = new Scanner(body);
  const daemonJsonLike = /^[ \t\r\n]*\{/.test(body);
  try {
    const root = scanner.value();
    scanner.skipSpace();
    const rest = body[scanner.offset];
    const trailing =
      rest === undefined
        ? null
        : errorAt(
            body,
            unquoted(body, `invalid character ${quoteChar(rest)} after top-level value`, scanner.offset),
            scanner.offset,
          );
    return { root, error: null, truncated: false, trailing, errorKey: null };
  } catch (e) {
    if (!(e instanceof SyntaxFailure)) throw e;
    return {
      root: null,
      error: errorAt(body, unquoted(body, e.message, e.offset), e.offset),
      truncated: e.truncated,
      trailing: null,
      errorKey: daemonJsonLike ? scanner.lastKey : null,
    };
  }
}

/** The plain value of a node, Go-map style: the last of duplicate keys wins. */
export function plainValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const m of node.members) {
        // defineProperty keeps a "__proto__" key an ordinary key; every other key is a plain assignment.
        if (m.key === '__proto__') {
          Object.defineProperty(out, m.key, {
            value: plainValue(m.value),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else out[m.key] = plainValue(m.value);
      }
      return out;
    }
    case 'array':
      return node.items.map(plainValue);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

/** Keys that appear more than once in the same object, as dotted paths (linear in the size of the tree). */
export function duplicateKeysOf(node: JsonNode): string[] {
  const out = new Set<string>();
  // Recursion is bounded by MAX_JSON_DEPTH; results are collected in place, never spread as arguments.
  const walk = (n: JsonNode, prefix: string) => {
    if (n.kind === 'object') {
      const seen = new Set<string>();
      for (const m of n.members) {
        if (seen.has(m.key)) out.add(prefix ? `${prefix}.${m.key}` : m.key);
        seen.add(m.key);
      }
      for (const m of n.members) {
        const k = m.value.kind;
        if (k === 'object' || k === 'array') walk(m.value, prefix ? `${prefix}.${m.key}` : m.key);
      }
    } else if (n.kind === 'array') {
      n.items.forEach((item, i) => {
        walk(item, `${prefix}[${i}]`);
      });
    }
  };
  walk(node, '');
  return [...out];
}

export function jsonKindOf(node: JsonNode): 'object' | 'array' | 'string' | 'number' | 'bool' | 'null' {
  return node.kind;
}

/**
 * Decodes daemon.json as current dockerd releases do: a UTF-8 BOM is skipped, an empty or whitespace-only
 * file is {}, a top-level null is {} (Go leaves the map empty), any other non-object is an error, and so is
 * content after the object. Release differences (20.10 refuses a BOM and an empty file, ignores trailing
 * content) are judged by the config_valid control from the flags returned here.
 */
export function decodeDaemonJson(text: string): DecodedDaemonJson {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const empty = body.trim() === '';
  if (empty) return { parsed: {}, error: null, duplicateKeys: [], bom, empty: true };
  if (/^(\uFFFD\uFFFD|\uFFFE|[^\0]\0[^\0]\0|\0[^\0]\0[^\0])/.test(body)) {
    return {
      parsed: null,
      error: {
        message:
          'the file looks UTF-16 encoded; only dockerd 23.0+ decodes UTF-16 (with a byte order mark); save it as UTF-8',
        offset: 0,
        line: 1,
        column: 1,
      },
      duplicateKeys: [],
      bom,
      empty: false,
    };
  }
  const scanned = scanJson(body);
  if (scanned.error) return { parsed: null, error: scanned.error, duplicateKeys: [], bom, empty: false };
  const root = scanned.root!;
  if (scanned.trailing)
    return { parsed: null, error: scanned.trailing, duplicateKeys: [], bom, empty: false };
  if (root.kind === 'null') return { parsed: {}, error: null, duplicateKeys: [], bom, empty: false };
  if (root.kind !== 'object') {
    const goKind = root.kind === 'bool' ? 'bool' : root.kind;
    return {
      parsed: null,
      error: errorAt(
        body,
        `json: cannot unmarshal ${goKind} into Go value of type map[string]interface {}`,
        root.offset,
      ),
      duplicateKeys: [],
      bom,
      empty: false,
    };
  }
  let duplicateKeys: readonly string[] | null = null;
  return {
    parsed: plainValue(root) as Record<string, unknown>,
    error: null,
    // Computed when asked: the daemon_config source does not keep it (config_valid reports duplicates).
    get duplicateKeys() {
      duplicateKeys ??= duplicateKeysOf(root);
      return duplicateKeys;
    },
    bom,
    empty: false,
  };
}
