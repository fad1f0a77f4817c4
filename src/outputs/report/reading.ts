// What the text report and the landing page share, so a person reads the same thing in both: verdicts in the
// order that matters (failing first, most severe first, then waived, then the rest), caveats that many reasons
// repeat said once, and a fix that fits what was observed.
import { type ControlResult, SEVERITIES, type Severity, type Status } from '../../controls/types.js';
import type { SettingLocation } from '../../evaluation/locations.js';
import type { Evaluation } from '../../evaluation/types.js';
import type { SourceName } from '../../facts/types.js';
import { sourcesBlamed } from '../logs/verdictLog.js';
import { RUNBOOK_BASE_URL } from './sarifReport.js';

export const runbookUrl = (id: string): string => `${RUNBOOK_BASE_URL}/${id}.md`;

/** The groups a reader goes through, in order. */
export const READING_ORDER: readonly Status[] = ['fail', 'error', 'waived', 'pass', 'not_applicable'];

/** Results of one status, most severe first, then by id. */
export function bySeverity(results: readonly ControlResult[], status: Status): ControlResult[] {
  return results
    .filter((r) => r.status === status)
    .sort(
      (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.id.localeCompare(b.id),
    );
}

export function countBySeverity(results: readonly ControlResult[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const r of results) out[r.severity]++;
  return out;
}

/** "1 critical, 3 high, 2 low" (severities with none left out). */
export function severityCounts(results: readonly ControlResult[]): string {
  const counts = countBySeverity(results);
  return SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}

/** Splits a reason at top-level "; " (not inside parentheses or brackets). */
export function splitClauses(reason: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < reason.length; i++) {
    const c = reason[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if (depth === 0 && c === ';' && reason[i + 1] === ' ') {
      out.push(reason.slice(start, i));
      start = i + 2;
    }
  }
  out.push(reason.slice(start));
  return out.filter((s) => s !== '');
}

export interface Caveat {
  /** 1-based, as the reader sees it: [1]. */
  readonly n: number;
  readonly text: string;
  readonly controls: number;
}

export interface ReadableReasons {
  readonly caveats: readonly Caveat[];
  /** The reason of each control without its shared caveats, with their numbers: "log level is info [1]". */
  readonly reason: ReadonlyMap<string, string>;
}

/**
 * A clause that closes the reasons of several controls (dockerd's flags unknown, a source down) is a caveat:
 * said once, and referred to by number from each reason it came from.
 */
export function readableReasons(evaluation: Evaluation): ReadableReasons {
  const clauses = new Map<string, string[]>();
  const sourceOf = new Map<string, string[]>();
  for (const r of evaluation.results) {
    const blamed = r.status === 'error' ? sourcesBlamed(r.reason) : [];
    if (blamed.length > 0) {
      sourceOf.set(r.id, blamed);
      continue;
    }
    clauses.set(r.id, splitClauses(r.reason));
  }
  const uses = new Map<string, number>();
  for (const parts of clauses.values())
    for (const c of new Set(parts.slice(1))) uses.set(c, (uses.get(c) ?? 0) + 1);
  const numbered = new Map<string, Caveat>();
  const caveatFor = (text: string): Caveat => {
    let c = numbered.get(text);
    if (!c) {
      c = { n: numbered.size + 1, text, controls: 0 };
      numbered.set(text, c);
    }
    (c as { controls: number }).controls++;
    return c;
  };
  const reason = new Map<string, string>();
  for (const r of evaluation.results) {
    const blamed = sourceOf.get(r.id);
    if (blamed) {
      const refs = blamed.map((s) => {
        const c = caveatFor(
          `source ${s} unavailable: ${evaluation.sources[s as SourceName]?.error ?? 'unknown error'}`,
        );
        return `${s} [${c.n}]`;
      });
      reason.set(r.id, `not judged: source ${refs.join(', ')} unavailable`);
      continue;
    }
    const parts = clauses.get(r.id)!;
    const own = parts.filter((c, i) => i === 0 || (uses.get(c) ?? 0) < 2);
    const shared = parts.filter((c, i) => i > 0 && (uses.get(c) ?? 0) >= 2);
    const refs = shared.map((c) => `[${caveatFor(c).n}]`);
    reason.set(r.id, `${own.join('; ')}${refs.length > 0 ? ` ${refs.join(' ')}` : ''}`);
  }
  return { caveats: [...numbered.values()], reason };
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** "observed runtime false, configured true; expected true", or null when the control did not say. */
export function observedVsExpected(r: ControlResult): string | null {
  const o = r.observed;
  const parts: string[] = [];
  if (o && ('runtime' in o || 'configured' in o)) {
    if (o.runtime !== undefined && o.runtime !== null) parts.push(`running ${show(o.runtime)}`);
    if (o.configured !== undefined && o.configured !== null) parts.push(`configured ${show(o.configured)}`);
  }
  if (parts.length === 0 && !r.expected) return null;
  return `${parts.length > 0 ? `observed ${parts.join(', ')}; ` : ''}expected ${r.expected ?? '?'}`;
}

const same = (value: unknown, expected: string | null): boolean =>
  expected !== null && (show(value) === expected || String(value) === expected);

function where(at: SettingLocation): string {
  if (at.kind === 'daemon_json') return `${at.path}:${at.line}`;
  if (at.kind === 'unit_file') return `${at.path}:${at.line} (${at.unit} ExecStart=)`;
  return `dockerd's command line (pid ${at.pid})`;
}

/**
 * The fix for what was observed: when the configuration already asks for the expected value and only the
 * running daemon differs, the fix is to make dockerd apply it, not to set it again; a setting made somewhere
 * is changed where it is made.
 */
export function fixFor(r: ControlResult, evaluation: Evaluation): string {
  const o = r.observed;
  if (
    r.status === 'fail' &&
    o &&
    o.runtime !== undefined &&
    o.runtime !== null &&
    same(o.configured, r.expected) &&
    !same(o.runtime, r.expected)
  ) {
    return `The configuration already sets ${r.expected} but the running daemon has ${show(o.runtime)}: restart dockerd to apply it (check that no flag or drop-in overrides it, and that this dockerd reads this daemon.json).`;
  }
  const locations = r.keys.flatMap((k) => {
    const at = evaluation.settingLocations?.[k];
    return at ? [`${k} is set at ${where(at)}`] : [];
  });
  return locations.length > 0 ? `${r.remediation} (${locations.join('; ')})` : r.remediation;
}
