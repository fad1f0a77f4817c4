// systemd's unit file, command line and environment file syntax, read the way systemd reads them.

export type Directives = Record<string, string[]>;

/** The logical lines of a unit file: comments dropped, backslash continuations joined (in linear time). */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  // The parts of a continued line, each without its trailing backslash; null outside a continuation.
  let pending: string[] | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    // Comment lines are skipped, also inside a continuation, which they do not end.
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const continued = line.endsWith('\\');
    const part = continued ? line.slice(0, -1) : line;
    if (pending === null) pending = [part];
    else pending.push(part);
    if (continued) continue;
    const joined = pending.join(' ');
    pending = null;
    if (joined !== '') out.push(joined);
  }
  if (pending !== null) {
    const joined = pending.join(' ');
    if (joined.trim() !== '') out.push(joined);
  }
  return out;
}

/**
 * Applies one unit file (a fragment or a drop-in) on top of `into`: values per "Section.Key" in order,
 * where an empty assignment resets the list, as it does for ExecStart=, ListenStream= and Environment=.
 */
export function applyUnitText(into: Directives, text: string): Directives {
  let section = '';
  // Lists this call created, appended to in place (copying each time made 60,000 assignments take minutes).
  const own = new Set<string[]>();
  for (const line of logicalLines(text)) {
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || section === '') continue;
    const key = `${section}.${line.slice(0, eq).trim()}`;
    const value = line.slice(eq + 1).trim();
    const list = into[key];
    if (value === '') {
      const reset: string[] = [];
      own.add(reset);
      into[key] = reset;
    } else if (list && own.has(list)) list.push(value);
    else {
      const copy = [...(list ?? []), value];
      own.add(copy);
      into[key] = copy;
    }
  }
  return into;
}

const C_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  s: ' ',
};

export interface Word {
  readonly text: string;
  /** The word was written as one `$NAME` reference, which systemd splits at whitespace when expanding. */
  readonly splitVariable: string | null;
}

/** systemd's extract_first_word with quotes and C escapes: quoted parts may sit inside a word. */
export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    const start = i;
    let text = '';
    let quoted = false;
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        quoted = true;
        const close = c;
        i++;
        while (i < line.length && line[i] !== close) {
          if (line[i] === '\\' && close === '"' && i + 1 < line.length) {
            text += C_ESCAPES[line[i + 1]!] ?? line[i + 1]!;
            i += 2;
          } else text += line[i++];
        }
        if (i >= line.length) throw new Error(`unterminated quote in ${JSON.stringify(line)}`);
        i++;
      } else if (c === '\\' && i + 1 < line.length) {
        text += C_ESCAPES[line[i + 1]!] ?? line[i + 1]!;
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    const raw = line.slice(start, i);
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(raw);
    words.push({ text, splitVariable: whole && !quoted ? whole[1]! : null });
  }
  return words;
}

/** `Environment=` values: whitespace-separated, quotable NAME=value assignments. */
export function parseEnvironmentAssignments(values: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of values) {
    for (const w of splitWords(v)) {
      const eq = w.text.indexOf('=');
      if (eq > 0) env[w.text.slice(0, eq)] = w.text.slice(eq + 1);
    }
  }
  return env;
}

/** An `EnvironmentFile=`: NAME=value lines, # and ; comments, single or double quotes, continuations. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of logicalLines(text)) {
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\(["\\`$])/g, '$1');
    } else value = value.trimEnd();
    env[m[1]!] = value;
  }
  return env;
}

const EXEC_PREFIX = /^[-@:+!]+/;

/**
 * One ExecStart= line as the argv systemd runs. `$NAME` words split at whitespace, `${NAME}` stays one
 * word; unset variables expand to nothing. Throws on what cannot be expanded faithfully (specifiers).
 */
export function expandExecLine(line: string, env: Readonly<Record<string, string>>): string[] {
  const prefix = EXEC_PREFIX.exec(line)?.[0] ?? '';
  const noSubstitution = prefix.includes(':');
  const body = line.slice(prefix.length);
  if (/%[^%]/.test(body.replace(/%%/g, ''))) {
    throw new Error(`ExecStart uses systemd specifiers (%): ${body}`);
  }
  const argv: string[] = [];
  for (const w of splitWords(body.replace(/%%/g, '%'))) {
    if (noSubstitution) argv.push(w.text);
    else if (w.splitVariable !== null) {
      argv.push(...(env[w.splitVariable] ?? '').split(/\s+/).filter(Boolean));
    } else argv.push(w.text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, n: string) => env[n] ?? ''));
  }
  // argv[0] may be given in the prefix form "@/path name"; the second word is then argv[0] itself.
  return prefix.includes('@') ? [argv[0]!, ...argv.slice(2)] : argv;
}

/**
 * The physical line (from 1) of the last `Key=` assignment with a value in a unit file's [Service] section, or
 * `reset` when its last assignment is empty (which clears the list), or null when it assigns none.
 */
export function lastAssignmentLine(text: string, section: string, key: string): number | 'reset' | null {
  let current = '';
  let found: number | 'reset' | null = null;
  const lines = text.split('\n');
  let continued = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const wasContinued = continued;
    continued = line.endsWith('\\') && !line.startsWith('#') && !line.startsWith(';');
    if (wasContinued || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    const m = /^([A-Za-z0-9]+)\s*=\s*(.*)$/.exec(line);
    if (current === section && m && m[1] === key) found = m[2]!.trim() === '' ? 'reset' : i + 1;
  }
  return found;
}
