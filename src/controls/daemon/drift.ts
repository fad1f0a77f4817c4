// config_drift: the running daemon matches its configuration. The drift itself is part of the dockerd model
// (src/dockerd/drift), computed once per evaluation; this control words it.
import { type DriftItem, orThrow } from '../../dockerd/index.js';
import { defineControl } from '../define.js';
import { apiIfUp, ControlError, fail, pass } from '../support.js';

/** Keys whose values carry credentials (proxy URLs, log driver tokens): compared, never shown. */
const SECRET_KEYS = new Set(['proxies', 'http-proxy', 'https-proxy', 'log-opts', 'cluster-store-opts']);

/** A value for reasons and reports: secrets withheld, URL userinfo masked the way dockerd masks it. */
function shown(key: string, v: unknown): unknown {
  if (v === undefined) return undefined;
  if (SECRET_KEYS.has(key)) return '(not shown)';
  const masked = JSON.stringify(v).replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^@/?#"\s]*@/g, '$1xxxxx:xxxxx@');
  return JSON.parse(masked) as unknown;
}

const show = (key: string, v: unknown): string => {
  if (v === undefined) return 'unset';
  const text = JSON.stringify(shown(key, v));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const describeItem = (i: DriftItem): string =>
  i.note
    ? `${i.key} (${i.note})`
    : `${i.key}: ${show(i.key, i.configured)} configured, ${show(i.key, i.running)} running (${i.from})`;

const observedItem = (i: DriftItem) => ({
  key: i.key,
  configured: shown(i.key, i.configured) ?? null,
  running: shown(i.key, i.running) ?? null,
  from: i.from,
});

export const configDrift = defineControl({
  id: 'config_drift',
  cis: {},
  section: 'daemon_configuration',
  title: 'The running daemon matches its configuration',
  severity: 'medium',
  remediation:
    'Restart dockerd (systemctl restart docker) to apply settings that need a restart, or send SIGHUP (systemctl reload docker) for the ones a reload applies; or put the configuration back the way the daemon runs. Verdicts of the other controls describe the configuration, so they can differ from the running daemon until then.',
  requires: ['daemon_config', 'config_baseline'],
  evaluate({ facts, dockerd }) {
    if (!facts.dockerd.ok && !apiIfUp(facts)) {
      throw new ControlError(`dockerd is not running (${facts.dockerd.error}): nothing to compare with`);
    }
    const report = orThrow(dockerd.drift);
    const restart = report.pending.filter((i) => i.appliedBy === 'restart');
    const reload = report.pending.filter((i) => i.appliedBy === 'reload');
    const observed = {
      restart_pending: restart.map(observedItem),
      reload_pending: reload.map(observedItem),
      unknown: report.unknown,
      flags_from: report.flagsFrom,
    };
    const unknownNote =
      report.unknown.length > report.unknownPending.length
        ? `; value at start unknown for ${report.unknown.filter((k) => !report.unknownPending.includes(k)).join(', ')}${report.unknownReason ? ` (${report.unknownReason})` : ''}`
        : '';
    // Edited after dockerd read the file, and no reload seen since: what the daemon runs for these keys
    // cannot be seen, so a match cannot be claimed.
    const pendingUnknown =
      report.unknownPending.length > 0
        ? `pending, running value cannot be seen: ${report.unknownPending.join(', ')} (${report.unknownReason ?? 'daemon.json changed after dockerd started'}, with no reload seen since for the keys a reload applies; restart or reload dockerd to apply them, or keep the exporter running across edits to compare)`
        : '';
    if (report.pending.length > 0 || report.unknownPending.length > 0) {
      const parts = [
        restart.length > 0 ? `will change at the next restart: ${restart.map(describeItem).join('; ')}` : '',
        reload.length > 0 ? `changed but not reloaded (SIGHUP): ${reload.map(describeItem).join('; ')}` : '',
        pendingUnknown,
      ].filter(Boolean);
      return fail(`${parts.join('. ')}${unknownNote}`, observed, 'configuration applied', [
        ...new Set([...report.pending.map((i) => i.key), ...report.unknownPending]),
      ]);
    }
    return pass(
      `the running daemon matches daemon.json and ${report.flagsFrom}${unknownNote}`,
      observed,
      'configuration applied',
    );
  },
});
