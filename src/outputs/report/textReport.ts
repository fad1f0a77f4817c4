// A readable table by CIS section for people at a terminal; colour only when asked (a TTY without NO_COLOR).
import { SECTIONS, SEVERITIES, type Severity, type Status, type WaiverRef } from '../../controls/types.js';
import type { Evaluation } from '../../evaluation/types.js';
import { WAIVER_STATES } from '../../policy/waivers.js';

const COLOURS: Record<Status, string> = {
  pass: '\x1b[32m',
  fail: '\x1b[31m',
  error: '\x1b[35m',
  not_applicable: '\x1b[90m',
  waived: '\x1b[36m',
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
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point here.
const clean = (s: string) => s.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '?');

/** "waivers[0] (owner platform-team, ticket SEC-1234, until 2027-03-31T00:00:00Z): reason". */
const describeWaiver = (w: WaiverRef): string =>
  clean(
    `waivers[${w.index}] (owner ${w.owner}${w.ticket ? `, ticket ${w.ticket}` : ''}, until ${w.expires}): ${w.reason}`,
  );

/**
 * The report; with `failOn` it ends by naming the findings at or above that severity, which make `check`
 * exit 1.
 */
export function textReport(evaluation: Evaluation, colour: boolean, failOn?: Severity | 'none'): string {
  const paint = (code: string, s: string) => (colour ? `${code}${s}${RESET}` : s);
  const lines: string[] = [];
  const d = evaluation.docker;
  lines.push(
    paint(BOLD, 'dockersec-exporter check') +
      ` — ${clean(d.host)}: ${d.reachable ? `Docker ${clean(d.version ?? '?')} (API ${clean(d.apiVersion ?? '?')})${d.rootless ? ', rootless' : ''}` : 'Docker API unreachable'}`,
  );
  if (evaluation.daemonConfigPath) lines.push(`daemon.json: ${clean(evaluation.daemonConfigPath)}`);
  for (const [name, s] of Object.entries(evaluation.sources)) {
    if (!s.up) lines.push(paint(COLOURS.error, `source ${name} unavailable: ${clean(s.error ?? '')}`));
  }
  for (const [section, heading] of Object.entries(SECTIONS)) {
    const rows = evaluation.results.filter((r) => r.section === section);
    if (rows.length === 0) continue;
    lines.push('', paint(BOLD, heading));
    const idWidth = Math.max(...rows.map((r) => r.id.length));
    const cisWidth = Math.max(...rows.map((r) => (r.cis ?? '-').length));
    for (const r of rows) {
      const label = LABEL[r.status].padEnd(6);
      lines.push(
        `  ${paint(COLOURS[r.status], label)} ${(r.cis ?? '-').padEnd(cisWidth)} ${r.id.padEnd(idWidth)} ${r.severity.padEnd(8)} ${clean(r.reason)}`,
      );
      if (r.status === 'fail') {
        for (const c of r.containers ?? []) {
          lines.push(`         - ${clean(c.name)} (${clean(c.image)}): ${clean(c.reason)}`);
        }
      }
      // Waived containers, apart from the failing ones, each with the waiver that covers it.
      for (const c of r.waivedContainers ?? []) {
        lines.push(
          `         ~ waived: ${clean(c.name)} (${clean(c.image)}): ${clean(c.reason)} — by waivers[${c.waiver.index}]`,
        );
      }
      for (const w of r.waivers ?? []) lines.push(`         waived by ${describeWaiver(w)}`);
      if (r.status === 'fail') lines.push(`         fix: ${clean(r.remediation)}`);
    }
  }
  const s = evaluation.summary;
  if (evaluation.waivers) {
    const entries = evaluation.waivers.entries;
    const counts = WAIVER_STATES.map((st) => `${entries.filter((e) => e.state === st).length} ${st}`);
    lines.push('', paint(BOLD, `Waivers (${clean(evaluation.waivers.file)}): ${counts.join(', ')}`));
    for (const e of entries) {
      lines.push(`  ${e.state.padEnd(8)} ${clean(e.controls.join(', '))} — ${describeWaiver(e)}`);
    }
  }
  lines.push(
    '',
    `${paint(COLOURS.pass, `${s.pass} passed`)}, ${paint(COLOURS.fail, `${s.fail} failed`)}, ${s.not_applicable} not applicable, ${paint(COLOURS.error, `${s.error} errors`)}, ${paint(COLOURS.waived, `${s.waived} waived`)}`,
  );
  if (failOn !== undefined) lines.push(verdictLine(evaluation, failOn));
  return `${lines.join('\n')}\n`;
}

/** The last line: what makes `check` exit 1 under --fail-on, or that nothing does. */
function verdictLine(evaluation: Evaluation, failOn: Severity | 'none'): string {
  if (failOn === 'none') return 'exit 0: --fail-on none';
  const threshold = SEVERITIES.indexOf(failOn);
  const findings = evaluation.results.filter(
    (r) => r.status === 'fail' && SEVERITIES.indexOf(r.severity) <= threshold,
  );
  if (findings.length === 0) return `exit 0: no failing control at or above ${failOn}`;
  return `exit 1: ${findings.length} failing at or above ${failOn}: ${findings.map((r) => `${r.id} (${r.severity})`).join(', ')}`;
}
