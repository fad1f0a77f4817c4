// The landing page: name, version, a link to the metrics, and the current verdicts at a glance.
import { createHash } from 'node:crypto';
import { type ControlResult, SECTIONS, type Status } from '../../controls/types.js';
import type { Evaluation } from '../../evaluation/types.js';
import type { BuildInfo } from '../buildInfo.js';

export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const BADGE: Record<Status, string> = {
  pass: '#2e7d32',
  fail: '#c62828',
  error: '#6a1b9a',
  not_applicable: '#757575',
  waived: '#00838f',
};

// The page's only style sheet. No inline style attributes and no script: the Content-Security-Policy allows
// exactly this sheet, by its hash.
const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;color:#222}
header{background:#e6522c;color:#fff;padding:12px 24px}header h1{margin:0;font-size:1.4em}
main{padding:12px 24px}table{border-collapse:collapse;width:100%;font-size:.9em}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:.85em;white-space:nowrap}
${Object.entries(BADGE)
  .map(([status, colour]) => `.badge-${status}{background:${colour}}`)
  .join('\n')}
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
  const waivers = r.waivers ?? [];
  if (waivers.length === 0) return '';
  const items = waivers.map(
    (w) =>
      `waived by <code>waivers[${w.index}]</code>: ${escapeHtml(w.reason)} (owner ${escapeHtml(w.owner)}${w.ticket ? `, ticket ${escapeHtml(w.ticket)}` : ''}, until ${escapeHtml(w.expires)})`,
  );
  const containers = (r.waivedContainers ?? []).map((c) => escapeHtml(c.name));
  const which = containers.length > 0 ? `<br>waived containers: ${containers.join(', ')}` : '';
  return `<br>${items.join('<br>')}${which}`;
}

/** The waivers file and the state of each waiver, when there is one. */
function waiversTable(evaluation: Evaluation | null): string {
  const w = evaluation?.waivers;
  if (!w) return '';
  const rows = w.entries
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.state)}</td><td><code>waivers[${e.index}]</code></td><td>${e.controls.map((c) => `<code>${escapeHtml(c)}</code>`).join(' ')}</td>` +
        `<td>${escapeHtml(e.owner)}</td><td>${escapeHtml(e.ticket ?? '')}</td><td>${escapeHtml(e.expires)}</td><td>${escapeHtml(e.reason)}</td></tr>`,
    )
    .join('\n');
  return `<h2>Waivers</h2>
<p>From <code>${escapeHtml(w.file)}</code>.</p>
<table><thead><tr><th>State</th><th>Entry</th><th>Controls</th><th>Owner</th><th>Ticket</th><th>Expires</th><th>Reason</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Controls</h2>`;
}

export function landingPage(build: BuildInfo, telemetryPath: string, evaluation: Evaluation | null): string {
  const rows = (evaluation?.results ?? [])
    .map(
      (r) =>
        `<tr><td><span class="badge badge-${r.status}">${escapeHtml(r.status.replace('_', ' '))}</span></td>` +
        `<td>${escapeHtml(r.cis ?? '')}</td><td><code>${escapeHtml(r.id)}</code></td><td>${escapeHtml(SECTIONS[r.section])}</td>` +
        `<td>${escapeHtml(r.severity)}</td><td>${escapeHtml(r.reason)}${waiverNote(r)}</td></tr>`,
    )
    .join('\n');
  const d = evaluation?.docker;
  const s = evaluation?.summary;
  const status = !evaluation
    ? '<p>First evaluation in progress.</p>'
    : `<p>Docker at <code>${escapeHtml(d!.host)}</code>: ${
        d!.reachable
          ? `reachable, version ${escapeHtml(d!.version ?? '?')} (API ${escapeHtml(d!.apiVersion ?? '?')})`
          : '<strong>unreachable</strong>'
      }. Last evaluation ${escapeHtml(new Date(evaluation.generatedAt).toISOString())}.</p>
<p class="summary"><b>${s!.fail}</b> failing, ${s!.pass} passing, ${s!.not_applicable} not applicable, ${s!.error} errors, ${s!.waived} waived.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dockersec-exporter</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body><header><h1>dockersec-exporter</h1><div>version ${escapeHtml(build.version)} (${escapeHtml(build.revision)})</div></header>
<main>
<p>Continuous security audit of a Docker daemon, mapped to the CIS Docker Benchmark v1.6.0.</p>
<ul><li><a href="${escapeHtml(telemetryPath)}">Metrics</a></li><li><a href="report?format=json">Report (JSON)</a> · <a href="report?format=text">text</a> · <a href="report?format=sarif">SARIF</a></li><li><a href="-/healthy">Health</a> · <a href="-/ready">Readiness</a></li></ul>
${status}
${waiversTable(evaluation)}
<table><thead><tr><th>Status</th><th>CIS</th><th>Control</th><th>Section</th><th>Severity</th><th>Reason</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</main></body></html>
`;
}
