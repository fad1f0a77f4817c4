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

export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
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

  private object(): JsonNode {
    const start = this.pos;
    this.pos++;
    const members: JsonMember[] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
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
        return { kind: 'object', offset: start, members };
      }
      this.fail('after object key:value pair');
    }
  }

  private array(): JsonNode {
    const start = this.pos;
    this.pos++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
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
        return { kind: 'array', offset: start, items };
      }
      this.fail('after array element');
    }
  }

  private string(): string {
    this.pos++;
    let out = '';
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
 * Scans the first JSON value of `body` (no BOM handling here) the way Go's encoding/json scanner does,
 * reporting the first syntax error with Go's wording and its position.
 */
export function scanJson(body: string): ScannedJson {
  const scanner = new Scanner(body);
  try {
    const root = scanner.value();
    scanner.skipSpace();
    const rest = body[scanner.offset];
    const trailing =
      rest === undefined
        ? null
        : errorAt(body, `invalid character ${quoteChar(rest)} after top-level value`, scanner.offset);
    return { root, error: null, truncated: false, trailing, errorKey: null };
  } catch (e) {
    if (!(e instanceof SyntaxFailure)) throw e;
    return {
      root: null,
      error: errorAt(body, e.message, e.offset),
      truncated: e.truncated,
      trailing: null,
      errorKey: scanner.lastKey,
    };
  }
}

/** The plain value of a node, Go-map style: the last of duplicate keys wins. */
export function plainValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const m of node.members) {
        // defineProperty keeps a "__proto__" key an ordinary key.
        Object.defineProperty(out, m.key, {
          value: plainValue(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
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

/** Keys that appear more than once in the same object, as dotted paths. */
export function duplicateKeysOf(node: JsonNode, prefix = ''): string[] {
  const out: string[] = [];
  if (node.kind === 'object') {
    const seen = new Set<string>();
    const reported = new Set<string>();
    for (const m of node.members) {
      const path = prefix ? `${prefix}.${m.key}` : m.key;
      if (seen.has(m.key) && !reported.has(m.key)) {
        out.push(path);
        reported.add(m.key);
      }
      seen.add(m.key);
    }
    for (const m of node.members)
      out.push(...duplicateKeysOf(m.value, prefix ? `${prefix}.${m.key}` : m.key));
  } else if (node.kind === 'array') {
    node.items.forEach((item, i) => {
      out.push(...duplicateKeysOf(item, `${prefix}[${i}]`));
    });
  }
  return [...new Set(out)];
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
  return {
    parsed: plainValue(root) as Record<string, unknown>,
    error: null,
    duplicateKeys: duplicateKeysOf(root),
    bom,
    empty: false,
  };
}
