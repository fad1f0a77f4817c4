// The report a person reads at a terminal: failing controls first, most severe first, each with what was
// observed against what is expected, the fix for that state and its runbook; then what could not be judged,
// what is waived, and the rest collapsed to lists of ids. Caveats shared by many reasons are said once at the
// top. Lines fit the width (80 unless told, or the terminal's), wrapped between words with a hanging indent.
// Colour only when asked (a TTY without NO_COLOR).
import {
  type ControlResult,
  SEVERITIES,
  type Severity,
  type Status,
  type WaiverRef,
} from '../../controls/types.js';
import type { Evaluation } from '../../evaluation/types.js';
import { WAIVER_STATES } from '../../policy/waivers.js';
import {
  bySeverity,
  fixFor,
  observedVsExpected,
  readableReasons,
  runbookUrl,
  severityCounts,
} from './reading.js';
import { wrap } from './wrap.js';

const COLOURS: Record<Status, string> = {
  pass: '\x1b[32m',
  fail: '\x1b[31m',
  error: '\x1b[35m',
  not_applicable: '\x1b[90m',
  waived: '\x1b[36m',
};
const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[90m',
};
const LABEL: Record<Status, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  not_applicable: 'N/A',
  waived: 'WAIVED',
};
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

/** Control characters from hostile input (a container name, a file) must not drive the terminal. */
// A tab or newline inside a reason would break the layout: each becomes a space.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point here.
const clean = (s: string) => s.replace(/[\t\n]/g, ' ').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '?');

/** "waivers[0] (owner platform-team, ticket SEC-1234, until 2027-03-31T00:00:00Z): reason". */
const describeWaiver = (w: WaiverRef): string =>
  clean(
    `waivers[${w.index}] (owner ${w.owner}${w.ticket ? `, ticket ${w.ticket}` : ''}, until ${w.expires}): ${w.reason}`,
  );

export interface TextReportOptions {
  readonly colour?: boolean;
  /** Columns; 80 by default. */
  readonly width?: number;
  /** With it, the report ends by naming the findings at or above it, which make `check` exit 1. */
  readonly failOn?: Severity | 'none';
  /** `table`: one line per control; `quiet`: one line per failing control and the summary. */
  readonly layout?: 'text' | 'table' | 'quiet';
}

export const DEFAULT_WIDTH = 80;

/** Cuts a line to `width` columns with an ellipsis. */
const fit = (s: string, width: number): string => (s.length <= width ? s : `${s.slice(0, width - 1)}…`);

export function textReport(
  evaluation: Evaluation,
  options: boolean | TextReportOptions = {},
  failOn?: Severity | 'none',
): string {
  const opts: TextReportOptions = typeof options === 'boolean' ? { colour: options, failOn } : options;
  const colour = opts.colour ?? false;
  const width = Math.max(40, opts.width ?? DEFAULT_WIDTH);
  const layout = opts.layout ?? 'text';
  const paint = (code: string, s: string) => (colour ? `${code}${s}${RESET}` : s);
  /** Paints the first occurrence of `word` in an already wrapped line (the status label). */
  const paintWord = (line: string, word: string, code: string) =>
    colour ? line.replace(word, paint(code, word)) : line;
  const { caveats, reason } = readableReasons(evaluation);
  const lines: string[] = [];
  const results = evaluation.results;
  const head = (r: ControlResult) => `${LABEL[r.status]} ${r.cis ? `${r.cis} ` : ''}${r.id}`;

  if (layout === 'table' || layout === 'quiet') {
    const rows =
      layout === 'quiet'
        ? bySeverity(results, 'fail')
        : ['fail', 'error', 'waived', 'pass', 'not_applicable'].flatMap((s) =>
            bySeverity(results, s as Status),
          );
    const idWidth = Math.max(0, ...rows.map((r) => r.id.length));
    for (const r of rows) {
      const line = fit(
        `${LABEL[r.status].padEnd(6)} ${r.severity.padEnd(8)} ${(r.cis ?? '-').padEnd(6)} ${r.id.padEnd(idWidth)}  ${clean(reason.get(r.id) ?? r.reason)}`,
        width,
      );
      lines.push(paintWord(line, LABEL[r.status], COLOURS[r.status]));
    }
    if (layout === 'table' && caveats.length > 0) {
      lines.push('');
      for (const c of caveats) lines.push(fit(`[${c.n}] ${clean(c.text)}`, width));
    }
    lines.push(...summaryLines(evaluation, paint, width));
    if (opts.failOn !== undefined) lines.push(verdictLine(evaluation, opts.failOn));
    return `${lines.join('\n')}\n`;
  }

  const d = evaluation.docker;
  lines.push(
    ...wrap(
      `${paint(BOLD, 'dockersec-exporter check')} `,
      `— ${clean(d.host)}: ${d.reachable ? `Docker ${clean(d.version ?? '?')} (API ${clean(d.apiVersion ?? '?')})${d.rootless ? ', rootless' : ''}` : 'Docker API unreachable'}`,
      width + (colour ? BOLD.length + RESET.length : 0),
      '  ',
    ),
  );
  if (evaluation.daemonConfigPath)
    lines.push(...wrap('daemon.json: ', clean(evaluation.daemonConfigPath), width, '  '));
  if (caveats.length > 0) {
    lines.push('', paint(BOLD, 'Caveats (the controls marked [n] depend on them):'));
    for (const c of caveats) {
      lines.push(...wrap(`  [${c.n}] `, `${clean(c.text)} — ${c.controls} controls`, width, '      '));
    }
  }
  // Indent of every line after a control's first: under its id.
  const indent = '       ';
  const detail = (label: string, text: string) =>
    wrap(`${indent}${label}`, clean(text), width, `${indent}  `);
  const failing = bySeverity(results, 'fail');
  lines.push(
    '',
    paint(BOLD, `Failing: ${failing.length}${failing.length > 0 ? ` (${severityCounts(failing)})` : ''}`),
  );
  for (const severity of SEVERITIES) {
    const rows = failing.filter((r) => r.severity === severity);
    if (rows.length === 0) continue;
    lines.push(`  ${paint(SEVERITY_COLOURS[severity], severity.toUpperCase())}`);
    for (const r of rows) {
      // The containers are listed below, each with its reason: the headline keeps only the count.
      const why = reason.get(r.id) ?? r.reason;
      const headline = r.containers?.length ? why.replace(/^(\d+ of \d+ containers?): .*$/s, '$1') : why;
      lines.push(
        ...wrap(`  ${head(r)}: `, clean(headline), width, indent).map((l, i) =>
          i === 0 ? paintWord(l, 'FAIL', COLOURS.fail) : l,
        ),
      );
      for (const c of r.containers ?? []) {
        lines.push(
          ...wrap(`${indent}- `, clean(`${c.name} (${c.image}): ${c.reason}`), width, `${indent}  `),
        );
      }
      for (const c of r.waivedContainers ?? []) {
        lines.push(
          ...wrap(
            `${indent}~ waived: `,
            clean(`${c.name} (${c.image}): ${c.reason} — by waivers[${c.waiver.index}]`),
            width,
            `${indent}  `,
          ),
        );
      }
      const ove = observedVsExpected(r);
      if (ove) lines.push(...detail('', ove));
      lines.push(...detail('fix: ', fixFor(r, evaluation)));
      lines.push(...wrap(`${indent}runbook: `, runbookUrl(r.id), width, `${indent}  `));
    }
  }
  const errors = bySeverity(results, 'error');
  if (errors.length > 0) {
    lines.push('', paint(BOLD, `Not judged: ${errors.length}`));
    // Controls not judged for the same reason (a source down) share one line.
    const byReason = new Map<string, ControlResult[]>();
    for (const r of errors) {
      const why = reason.get(r.id) ?? r.reason;
      byReason.set(why, [...(byReason.get(why) ?? []), r]);
    }
    for (const [why, rs] of byReason) {
      const ids = rs.map((r) => r.id).join(', ');
      lines.push(
        ...wrap('  ERROR ', `${ids}: ${clean(why)}`, width, indent).map((l, i) =>
          i === 0 ? paintWord(l, 'ERROR', COLOURS.error) : l,
        ),
      );
    }
  }
  const waived = bySeverity(results, 'waived');
  if (waived.length > 0 || results.some((r) => r.waivedContainers?.length)) {
    lines.push('', paint(BOLD, `Waived: ${waived.length}`));
    for (const r of waived) {
      const why = reason.get(r.id) ?? r.reason;
      const headline = r.waivedContainers?.length
        ? why.replace(/^(\d+ of \d+ containers?): .*$/s, '$1')
        : why;
      lines.push(
        ...wrap(`  ${head(r)}: `, clean(headline), width, indent).map((l, i) =>
          i === 0 ? paintWord(l, 'WAIVED', COLOURS.waived) : l,
        ),
      );
      for (const c of r.waivedContainers ?? []) {
        lines.push(
          ...wrap(
            `${indent}~ waived: `,
            clean(`${c.name} (${c.image}): ${c.reason} — by waivers[${c.waiver.index}]`),
            width,
            `${indent}  `,
          ),
        );
      }
      for (const w of r.waivers ?? [])
        lines.push(...wrap(`${indent}waived by `, describeWaiver(w), width, `${indent}  `));
    }
  }
  for (const status of ['pass', 'not_applicable'] as const) {
    const rows = bySeverity(results, status).sort((a, b) => a.id.localeCompare(b.id));
    if (rows.length === 0) continue;
    const title = status === 'pass' ? 'Passing' : 'Not applicable';
    lines.push(
      '',
      ...wrap(
        `${paint(BOLD, `${title}: ${rows.length}`)}  `,
        rows.map((r) => r.id).join(' '),
        width + (colour ? BOLD.length + RESET.length : 0),
        '  ',
      ),
    );
  }
  if (evaluation.waivers) {
    const entries = evaluation.waivers.entries;
    const counts = WAIVER_STATES.map((st) => `${entries.filter((e) => e.state === st).length} ${st}`);
    lines.push('', paint(BOLD, `Waivers (${clean(evaluation.waivers.file)}): ${counts.join(', ')}`));
    for (const e of entries) {
      lines.push(
        ...wrap(
          `  ${e.state.padEnd(8)} `,
          `${clean(e.controls.join(', '))} — ${describeWaiver(e)}`,
          width,
          '           ',
        ),
      );
    }
  }
  lines.push(...summaryLines(evaluation, paint, width));
  if (opts.failOn !== undefined) lines.push(...wrap('', verdictLine(evaluation, opts.failOn), width, '  '));
  return `${lines.join('\n')}\n`;
}

function summaryLines(
  evaluation: Evaluation,
  paint: (code: string, s: string) => string,
  width: number,
): string[] {
  const s = evaluation.summary;
  const failing = evaluation.results.filter((r) => r.status === 'fail');
  const text = `${s.fail} failing${failing.length > 0 ? ` (${severityCounts(failing)})` : ''}, ${s.pass} passing, ${s.not_applicable} not applicable, ${s.error} not judged, ${s.waived} waived`;
  return [
    '',
    ...wrap('', text, width, '  ').map((l, i) =>
      i === 0 ? l.replace(/^\d+ failing/, (m) => paint(COLOURS.fail, m)) : l,
    ),
  ];
}

/** The last line: what makes `check` exit 1 under --fail-on, or that nothing does. */
function verdictLine(evaluation: Evaluation, failOn: Severity | 'none'): string {
  if (failOn === 'none') return 'exit 0: --fail-on none';
  const threshold = SEVERITIES.indexOf(failOn);
  const findings = evaluation.results
    .filter((r) => r.status === 'fail' && SEVERITIES.indexOf(r.severity) <= threshold)
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  if (findings.length === 0) return `exit 0: no failing control at or above ${failOn}`;
  return `exit 1: ${findings.length} failing at or above ${failOn}: ${findings.map((r) => `${r.id} (${r.severity})`).join(', ')}`;
}
