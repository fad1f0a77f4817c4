// Just enough of a PromQL reader to find the vector selectors of an expression, the matchers on
// each and the function a range sits in. Syntax errors are promtool's business (it checks every
// expression for real); this only has to be right on valid PromQL.

export interface Matcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Selector {
  /** Null for a selector written as `{__name__=~"…"}`. */
  readonly metric: string | null;
  readonly matchers: readonly Matcher[];
  /** The text inside `[…]` for a range or subquery, else null. */
  readonly range: string | null;
  /** The innermost function or aggregation the selector is an argument of, else null. */
  readonly enclosingFunction: string | null;
}

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'braces'; text: string }
  | { kind: 'brackets'; text: string }
  | { kind: 'open' | 'close' }
  | { kind: 'other'; text: string };

const KEYWORDS_WITH_LABEL_LIST = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['bool', 'and', 'or', 'unless', 'offset', 'atan2', ...KEYWORDS_WITH_LABEL_LIST]);

function readString(src: string, start: number): number {
  const quote = src[start];
  let i = start + 1;
  while (i < src.length && src[i] !== quote) i += src[i] === '\\' && quote !== '`' ? 2 : 1;
  if (i >= src.length) throw new Error(`unterminated string in ${src}`);
  return i + 1;
}

/** Index just past the bracket that closes the one at `start`, skipping strings. */
function readBalanced(src: string, start: number, open: string, close: string): number {
  let depth = 0;
  for (let i = start; i < src.length; ) {
    const c = src[i]!;
    if (c === '"' || c === "'" || c === '`') {
      i = readString(src, i);
      continue;
    }
    if (c === open) depth++;
    if (c === close && --depth === 0) return i + 1;
    i++;
  }
  throw new Error(`unbalanced ${open}${close} in ${src}`);
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      const end = readString(src, i);
      tokens.push({ kind: 'string', text: src.slice(i, end) });
      i = end;
    } else if (c === '{') {
      const end = readBalanced(src, i, '{', '}');
      tokens.push({ kind: 'braces', text: src.slice(i + 1, end - 1) });
      i = end;
    } else if (c === '[') {
      const end = readBalanced(src, i, '[', ']');
      tokens.push({ kind: 'brackets', text: src.slice(i + 1, end - 1) });
      i = end;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c === '(' ? 'open' : 'close' });
      i++;
    } else if (/[A-Za-z_:]/.test(c)) {
      const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(src.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else if (/[0-9.]/.test(c)) {
      // Numbers and durations (`5m`, `1.5e3`) in one go, so their letters are not read as names.
      const m = /^[0-9.]+(?:[eE][+-]?[0-9]+)?[A-Za-z0-9]*/.exec(src.slice(i))!;
      tokens.push({ kind: 'other', text: m[0] });
      i += m[0].length;
    } else {
      tokens.push({ kind: 'other', text: c });
      i++;
    }
  }
  return tokens;
}

export function parseMatchers(body: string): Matcher[] {
  const out: Matcher[] = [];
  const re =
    /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/gy;
  let consumed = 0;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const raw = m[3]!;
    const value = raw.startsWith('`')
      ? raw.slice(1, -1)
      : (JSON.parse(`"${raw.slice(1, -1).replace(/\\'/g, "'")}"`) as string);
    out.push({ name: m[1]!, op: m[2] as Matcher['op'], value });
    consumed = re.lastIndex;
  }
  if (body.slice(consumed).trim() !== '') throw new Error(`cannot read matchers {${body}}`);
  return out;
}

export function selectors(expr: string): Selector[] {
  const tokens = tokenize(expr);
  const out: Selector[] = [];
  /** Function name for each open parenthesis; null for plain grouping. */
  const calls: (string | null)[] = [];
  let pendingCall: string | null = null;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'open') {
      calls.push(pendingCall);
      pendingCall = null;
      continue;
    }
    if (t.kind === 'close') {
      calls.pop();
      continue;
    }
    if (t.kind === 'ident' && KEYWORDS_WITH_LABEL_LIST.has(t.text) && next?.kind === 'open') {
      // A label list, not a call: skip to its closing parenthesis. A pending aggregation
      // (`sum by (x) (…)`) stays pending for the argument list that follows.
      while (tokens[i] && tokens[i]!.kind !== 'close') i++;
      continue;
    }
    if (t.kind === 'ident' && KEYWORDS.has(t.text)) continue;
    if (
      t.kind === 'ident' &&
      (next?.kind === 'open' || (next?.kind === 'ident' && KEYWORDS_WITH_LABEL_LIST.has(next.text)))
    ) {
      pendingCall = t.text;
      continue;
    }
    if (t.kind === 'ident' || t.kind === 'braces') {
      let j = i + 1;
      let found: Matcher[] = [];
      if (t.kind === 'braces') found = parseMatchers(t.text);
      else if (tokens[j]?.kind === 'braces') found = parseMatchers((tokens[j++] as { text: string }).text);
      let range: string | null = null;
      if (tokens[j]?.kind === 'brackets') range = (tokens[j++] as { text: string }).text;
      out.push({
        metric: t.kind === 'ident' ? t.text : null,
        matchers: found,
        range,
        enclosingFunction: calls.findLast((c) => c !== null) ?? null,
      });
      i = j - 1;
    }
  }
  return out;
}

/** Metric names an expression reads. */
export function metricNames(expr: string): Set<string> {
  return new Set(selectors(expr).flatMap((s) => (s.metric === null ? [] : [s.metric])));
}
