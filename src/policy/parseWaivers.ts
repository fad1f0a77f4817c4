// The waivers file, parsed strictly: an entry the exporter would have to guess about is refused, with one line
// naming the file, the entry and the field, and nothing of the file applies (a half-applied policy would hide
// failures nobody accepted). Pure: the text, the catalog and the time come in as arguments.
import { LineCounter, type Node, parseDocument } from 'yaml';
import type { ContainerScope, Waiver, WaiverPolicy } from './waivers.js';

export class WaiverFileError extends Error {
  override name = 'WaiverFileError';
}

/** What the parser needs to know of each control. */
export interface WaivableControl {
  readonly id: string;
  readonly perContainer?: boolean;
}

export interface ParseOptions {
  /** The file as the operator named it, for messages. */
  readonly file: string;
  readonly controls: readonly WaivableControl[];
  /** Unix time (ms) the file is read at. */
  readonly now: number;
  /** An expiry further away than this is refused (--waivers.max-duration): a waiver never lasts forever. */
  readonly maxDurationMs: number;
}

const ENTRY_FIELDS = ['controls', 'reason', 'owner', 'expires', 'ticket', 'containers'] as const;
const SCOPE_FIELDS = ['names', 'images', 'labels'] as const;
/** Aliases expanded at most this often: a file of nested aliases cannot grow into gigabytes. */
const MAX_ALIAS_COUNT = 100;
/** Longest text of one field; reasons are sentences, not documents. */
const MAX_FIELD_LENGTH = 1024;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Unix time (ms) of an expiry: `YYYY-MM-DD` (the waiver ends as that day begins, UTC) or an RFC 3339 time with
 * its offset. null when it is neither, or not a day of the calendar (2027-02-30).
 */
export function parseExpiry(text: string): number | null {
  const d = DATE.exec(text);
  const t = d ? null : RFC3339.exec(text);
  const parts = d ?? t;
  if (!parts) return null;
  const [y, mo, da] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const day = new Date(Date.UTC(y, mo - 1, da));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== da) return null;
  if (!t) return day.getTime();
  const [h, mi, s] = [Number(t[4]), Number(t[5]), Number(t[6])];
  if (h > 23 || mi > 59 || s > 60) return null;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isFinite(ms) ? ms : null;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

const describe = (v: unknown): string =>
  v === null || v === undefined
    ? 'nothing'
    : Array.isArray(v)
      ? 'a list'
      : v instanceof Date
        ? 'a timestamp'
        : typeof v === 'object'
          ? 'a mapping'
          : `a ${typeof v}`;

export function parseWaivers(text: string, opts: ParseOptions): WaiverPolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: unknown): number | null => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : null;
  };
  const refuse = (path: readonly (string | number)[], problem: string): never => {
    const node = path.length > 0 ? doc.getIn(path, true) : doc.contents;
    // Point at the deepest part of the path that is in the file.
    let line = lineOf(node);
    for (let n = path.length - 1; line === null && n >= 0; n--)
      line = lineOf(doc.getIn(path.slice(0, n), true));
    const field = path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`))
      .join('')
      .replace(/^$/, '(top level)');
    throw new WaiverFileError(`${opts.file}${line === null ? '' : `:${line}`}: ${field}: ${problem}`);
  };
  const firstProblem = doc.errors[0] ?? doc.warnings[0];
  if (firstProblem) {
    const at = firstProblem.pos?.[0];
    const where = at === undefined ? '' : `:${lines.linePos(at).line}`;
    const message = firstProblem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new WaiverFileError(`${opts.file}${where}: not valid YAML: ${message}`);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml throws a ReferenceError past maxAliasCount, the only failure left once the document parsed.
    if (!(e instanceof ReferenceError)) throw e;
    throw new WaiverFileError(`${opts.file}: not accepted: ${e.message.split('\n')[0]}`);
  }
  if (!isPlainObject(root))
    return refuse(
      [],
      `expected a mapping with a waivers list, got ${describe(root)}${text.trim() ? '' : ' (empty file)'}`,
    );
  for (const key of Object.keys(root)) {
    if (key !== 'waivers') refuse([key], 'unknown field (the file holds only waivers)');
  }
  if (!('waivers' in root)) refuse([], 'waivers: required (an empty list is written waivers: [])');
  const list = root.waivers;
  if (!Array.isArray(list)) return refuse(['waivers'], `expected a list, got ${describe(list)}`);

  const byId = new Map(opts.controls.map((c) => [c.id, c]));
  const waivers = list.map((entry, index): Waiver => {
    const at = (...rest: (string | number)[]) => ['waivers', index, ...rest];
    if (!isPlainObject(entry)) return refuse(at(), `expected a mapping, got ${describe(entry)}`);
    for (const key of Object.keys(entry)) {
      if (!(ENTRY_FIELDS as readonly string[]).includes(key))
        refuse(at(key), `unknown field (known: ${ENTRY_FIELDS.join(', ')})`);
    }
    const text = (field: string, required: boolean): string | null => {
      const v = entry[field];
      if (v === undefined || v === null) return required ? refuse(at(field), 'required') : null;
      // A ticket may well be written as a number (1234); other fields are words.
      if (typeof v === 'number' && field === 'ticket') return String(v);
      if (typeof v !== 'string') return refuse(at(field), `expected a string, got ${describe(v)}`);
      if (v.trim() === '') return refuse(at(field), 'must not be empty');
      if (v.length > MAX_FIELD_LENGTH) return refuse(at(field), `longer than ${MAX_FIELD_LENGTH} characters`);
      return v.trim();
    };
    const strings = (path: (string | number)[], v: unknown, what: string): string[] => {
      if (!Array.isArray(v)) return refuse(path, `expected a list of ${what}, got ${describe(v)}`);
      if (v.length === 0) return refuse(path, `must list at least one ${what.replace(/s$/, '')}`);
      return v.map((x, i) => {
        if (typeof x !== 'string' || x.trim() === '')
          return refuse([...path, i], `expected a non-empty string, got ${describe(x)}`);
        if (x.length > MAX_FIELD_LENGTH)
          return refuse([...path, i], `longer than ${MAX_FIELD_LENGTH} characters`);
        return x;
      });
    };

    if (entry.controls === undefined || entry.controls === null) refuse(at('controls'), 'required');
    const controls = strings(at('controls'), entry.controls, 'control ids');
    controls.forEach((id, i) => {
      if (!byId.has(id)) refuse(at('controls', i), `unknown control id ${JSON.stringify(id)}`);
      if (controls.indexOf(id) !== i) refuse(at('controls', i), `control ${id} is listed twice`);
    });
    const reason = text('reason', true)!;
    const owner = text('owner', true)!;
    // A YAML 1.1 document (%YAML 1.1) turns a bare date into a timestamp: read the text as written instead.
    const expiresRaw = entry.expires;
    const expiresText =
      expiresRaw instanceof Date
        ? String((doc.getIn(at('expires'), true) as { source?: string } | undefined)?.source ?? '')
        : text('expires', true)!;
    const expiresAt = parseExpiry(expiresText);
    if (expiresAt === null)
      refuse(at('expires'), `${JSON.stringify(expiresText)} is not a date (YYYY-MM-DD) or an RFC 3339 time`);
    if (expiresAt! - opts.now > opts.maxDurationMs) {
      const days = Math.round(opts.maxDurationMs / 86_400_000);
      refuse(
        at('expires'),
        `${expiresText} is more than --waivers.max-duration (${days} days) away: a waiver must be reviewed before then`,
      );
    }
    const ticket = text('ticket', false);

    let containers: ContainerScope | null = null;
    if (entry.containers !== undefined) {
      const scope = entry.containers;
      if (!isPlainObject(scope))
        return refuse(at('containers'), `expected a mapping, got ${describe(scope)}`);
      for (const key of Object.keys(scope)) {
        if (!(SCOPE_FIELDS as readonly string[]).includes(key))
          refuse(at('containers', key), `unknown field (known: ${SCOPE_FIELDS.join(', ')})`);
      }
      if (Object.keys(scope).length === 0)
        refuse(at('containers'), 'must give names, images or labels (leave it out to waive every container)');
      const names =
        scope.names === undefined ? undefined : strings(at('containers', 'names'), scope.names, 'globs');
      const images =
        scope.images === undefined ? undefined : strings(at('containers', 'images'), scope.images, 'globs');
      let labels: Record<string, string> | undefined;
      if (scope.labels !== undefined) {
        const l = scope.labels;
        if (!isPlainObject(l) || Object.keys(l).length === 0)
          refuse(at('containers', 'labels'), `expected a mapping of label to value, got ${describe(l)}`);
        labels = {};
        for (const [k, v] of Object.entries(l as Record<string, unknown>)) {
          // Numbers and booleans are common label values (tier: 2, legacy: true): compare the text as written,
          // since a label is a string and YAML's number would change it (version: 1.10 is 1.1, tier: 02 is 2).
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
            refuse(at('containers', 'labels', k), `expected a value, got ${describe(v)}`);
          const written = (doc.getIn(at('containers', 'labels', k), true) as { source?: unknown } | undefined)
            ?.source;
          labels[k] = typeof v === 'string' ? v : typeof written === 'string' ? written : String(v);
        }
      }
      const notPerContainer = controls.find((id) => !byId.get(id)!.perContainer);
      if (notPerContainer)
        refuse(
          at('containers'),
          `control ${notPerContainer} is not judged per container: a container scope applies only to container controls`,
        );
      containers = Object.freeze({
        ...(names ? { names: Object.freeze(names) } : {}),
        ...(images ? { images: Object.freeze(images) } : {}),
        ...(labels ? { labels: Object.freeze(labels) } : {}),
      });
    }
    return Object.freeze({
      index,
      controls: Object.freeze(controls),
      reason,
      owner,
      expiresText,
      expiresAt: expiresAt!,
      ticket,
      containers,
    });
  });
  return Object.freeze({ file: opts.file, waivers: Object.freeze(waivers) });
}
