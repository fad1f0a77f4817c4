// The landing page, for a person opening the exporter in a browser: what runs (real version and revision), a
// verdict summary by status and severity, the failing controls first with their reason, what was observed, the
// fix and the runbook; what could not be judged; then waived and passing controls collapsed below. It reads on a
// 420 px phone, links relatively (so it works behind a path prefix), and loads nothing from elsewhere.
import { createHash } from 'node:crypto';
import { type ControlResult, DEFAULT_CIS_VERSION, SEVERITIES, type Status } from '../../controls/types.js';
import type { Evaluation } from '../../evaluation/types.js';
import type { BuildInfo } from '../buildInfo.js';
import {
  bySeverity,
  countBySeverity,
  fixFor,
  observedVsExpected,
  readableReasons,
  runbookUrl,
} from '../report/reading.js';

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const BADGE: Record<Status, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  error: '#6a1b9a',
  not_applicable: '#757575',
  waived: '#00838f',
};
const SEVERITY_COLOUR = {
  critical: '#b71c1c',
  high: '#d84315',
  medium: '#ef6c00',
  low: '#546e7a',
  info: '#78909c',
} as const;
const STATUS_LABEL: Record<Status, string> = {
  fail: 'failing',
  error: 'not judged',
  waived: 'waived',
  pass: 'passing',
  not_applicable: 'not applicable',
};

// The page's only style sheet. No inline style attributes and no script: the Content-Security-Policy allows
// exactly this sheet, by its hash. Long tokens (paths, ids) may break anywhere so nothing scrolls sideways.
const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.4;overflow-wrap:anywhere}
header{background:#e6522c;color:#fff;padding:12px 16px}header h1{margin:0;font-size:1.4em}
main{padding:8px 16px;max-width:70em}
nav a{margin-right:.8em;white-space:nowrap}
table{border-collapse:collapse;font-size:.9em;max-width:100%}
td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{font-weight:600}
.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:.85em;white-space:nowrap;display:inline-block}
${Object.entries(BADGE)
  .map(([status, colour]) => `.badge-${status}{background:${colour}}`)
  .join('\n')}
${Object.entries(SEVERITY_COLOUR)
  .map(([severity, colour]) => `.sev-${severity}{background:${colour}}`)
  .join('\n')}
.finding{border:1px solid #ddd;border-left:4px solid #c62828;border-radius:4px;padding:8px 10px;margin:8px 0}
.finding h3{margin:0 0 4px;font-size:1em}
.finding p{margin:4px 0}
.muted{color:#555;font-size:.9em}
details{margin:12px 0}summary{cursor:pointer;font-weight:600}
ul.ids{padding-left:1.2em;columns:16em}
code{font-size:.95em}
`;

/**
 * The landing page's Content-Security-Policy: nothing may load or run but its own style sheet, no page may
 * frame it, and it submits no form.
 */
export const LANDING_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Who accepted what, under a waived control or one with waived containers. */
function waiverNote(r: ControlResult): string {
  const items = (r.waivers ?? []).map(
    (w) =>
      `<p class="muted">waived by <code>waivers[${w.index}]</code>: ${escapeHtml(w.reason)} (owner ${escapeHtml(w.owner)}${w.ticket ? `, ticket ${escapeHtml(w.ticket)}` : ''}, until ${escapeHtml(w.expires)})</p>`,
  );
  const containers = (r.waivedContainers ?? []).map(
    (c) => `${escapeHtml(c.name)} (by <code>waivers[${c.waiver.index}]</code>)`,
  );
  if (containers.length > 0) items.push(`<p class="muted">waived containers: ${containers.join(', ')}</p>`);
  return items.join('');
}

const badge = (status: Status) =>
  `<span class="badge badge-${status}">${escapeHtml(STATUS_LABEL[status])}</span>`;
const severityBadge = (r: ControlResult) => `<span class="badge sev-${r.severity}">${r.severity}</span>`;
const title = (r: ControlResult) =>
  `<code>${escapeHtml(r.id)}</code>${r.cis ? ` <span class="muted">CIS ${escapeHtml(r.cis)}</span>` : ''}`;
/** The runbook sits with the project's docs; this is a link to follow, not an asset the page loads. */
const runbook = (r: ControlResult) => `<a href="${escapeHtml(runbookUrl(r.id))}">runbook</a>`;

function summary(evaluation: Evaluation): string {
  const statuses: Status[] = ['fail', 'error', 'waived', 'pass', 'not_applicable'];
  const counts = statuses.map((s) => `${badge(s)} <b>${evaluation.summary[s]}</b>`).join(' ');
  const bySev = Object.fromEntries(
    statuses.map((s) => [s, countBySeverity(evaluation.results.filter((r) => r.status === s))]),
  ) as Record<Status, Record<string, number>>;
  const rows = SEVERITIES.map(
    (sev) =>
      `<tr><th>${sev}</th>${(['fail', 'waived', 'pass'] as const).map((s) => `<td>${bySev[s][sev]}</td>`).join('')}</tr>`,
  ).join('');
  return `<section aria-label="summary"><p>${counts}</p>
<table class="bysev"><thead><tr><th>severity</th><th>failing</th><th>waived</th><th>passing</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The waivers file and the state of each waiver, when there is one: collapsed with the waived controls. */
function waiversTable(evaluation: Evaluation): string {
  const w = evaluation.waivers;
  if (!w) return '';
  const rows = w.entries
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.state)}</td><td><code>waivers[${e.index}]</code></td><td>${e.controls.map((c) => `<code>${escapeHtml(c)}</code>`).join(' ')}</td>` +
        `<td>${escapeHtml(e.owner)}</td><td>${escapeHtml(e.ticket ?? '')}</td><td>${escapeHtml(e.expires)}</td><td>${escapeHtml(e.reason)}</td></tr>`,
    )
    .join('\n');
  return `<details><summary>Waivers (${w.entries.length})</summary>
<p>From <code>${escapeHtml(w.file)}</code>.</p>
<table><thead><tr><th>State</th><th>Entry</th><th>Controls</th><th>Owner</th><th>Ticket</th><th>Expires</th><th>Reason</th></tr></thead>
<tbody>
${rows}
</tbody></table></details>`;
}

export function landingPage(build: BuildInfo, telemetryPath: string, evaluation: Evaluation | null): string {
  // Relative links: behind a proxy serving the exporter under /some/prefix/ they still resolve under it.
  const metricsHref = `.${telemetryPath}`;
  const nav = `<nav><a href="${escapeHtml(metricsHref)}">Metrics</a> <a href="report?format=text">Report (text)</a> <a href="report?format=json">JSON</a> <a href="report?format=sarif">SARIF</a> <a href="-/healthy">Health</a> <a href="-/ready">Readiness</a></nav>`;
  let body: string;
  if (!evaluation) body = '<p>First evaluation in progress.</p>';
  else {
    const d = evaluation.docker;
    const { caveats, reason } = readableReasons(evaluation);
    const why = (r: ControlResult) => escapeHtml(reason.get(r.id) ?? r.reason);
    const failing = bySeverity(evaluation.results, 'fail')
      .map((r) => {
        const ove = observedVsExpected(r);
        const containers = (r.containers ?? [])
          .map((c) => `<li>${escapeHtml(c.name)} (${escapeHtml(c.image)}): ${escapeHtml(c.reason)}</li>`)
          .join('');
        return `<article class="finding"><h3>${severityBadge(r)} ${title(r)}</h3>
<p>${escapeHtml(r.title)}</p>
<p><b>Why:</b> ${why(r)}</p>${containers ? `<ul>${containers}</ul>` : ''}${ove ? `<p class="muted">${escapeHtml(ove)}</p>` : ''}
<p><b>Fix:</b> ${escapeHtml(fixFor(r, evaluation))} ${runbook(r)}</p>${waiverNote(r)}</article>`;
      })
      .join('\n');
    const errors = bySeverity(evaluation.results, 'error')
      .map((r) => `<li>${title(r)}: ${why(r)}</li>`)
      .join('');
    const waived = bySeverity(evaluation.results, 'waived')
      .map((r) => `<li>${severityBadge(r)} ${title(r)}: ${why(r)} ${runbook(r)}${waiverNote(r)}</li>`)
      .join('');
    const rest = (status: Status) =>
      bySeverity(evaluation.results, status)
        .map((r) => `<tr><td>${title(r)}</td><td>${r.severity}</td><td>${why(r)}</td></tr>`)
        .join('');
    const collapsed = (status: Status, inner: string, table: boolean) =>
      evaluation.summary[status] === 0
        ? ''
        : `<details><summary>${escapeHtml(STATUS_LABEL[status][0]!.toUpperCase() + STATUS_LABEL[status].slice(1))} (${evaluation.summary[status]})</summary>${table ? `<table><thead><tr><th>control</th><th>severity</th><th>reason</th></tr></thead><tbody>${inner}</tbody></table>` : `<ul>${inner}</ul>`}</details>`;
    body = `<p>Docker at <code>${escapeHtml(d.host)}</code>: ${
      d.reachable
        ? `reachable, version ${escapeHtml(d.version ?? '?')} (API ${escapeHtml(d.apiVersion ?? '?')})`
        : '<strong>unreachable</strong>'
    }. Last evaluation ${escapeHtml(new Date(evaluation.generatedAt).toISOString())}.</p>
${summary(evaluation)}
${caveats.length > 0 ? `<section aria-label="caveats"><h2>Caveats</h2><ol>${caveats.map((c) => `<li>${escapeHtml(c.text)} <span class="muted">(${c.controls} controls, marked [${c.n}])</span></li>`).join('')}</ol></section>` : ''}
<h2>Failing (${evaluation.summary.fail})</h2>
${failing || '<p>No control fails.</p>'}
${errors ? `<h2>Not judged (${evaluation.summary.error})</h2><ul>${errors}</ul>` : ''}
${collapsed('waived', waived, false)}
${waiversTable(evaluation)}
${collapsed('pass', rest('pass'), true)}
${collapsed('not_applicable', rest('not_applicable'), true)}`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dockersec-exporter</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body><header><h1>dockersec-exporter</h1><div>version ${escapeHtml(build.version)} (revision ${escapeHtml(build.revision)})</div></header>
<main>
<p>Continuous security audit of a Docker daemon, mapped to the CIS Docker Benchmark v${escapeHtml(evaluation?.cisVersion ?? DEFAULT_CIS_VERSION)}.</p>
${nav}
${body}
</main></body></html>
`;
}
