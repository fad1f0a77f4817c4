// config_valid: would the running dockerd release accept daemon.json as it stands? An operator must learn
// before a restart that dockerd would refuse the file, and which keys it silently ignores.
import { type ConfigFinding, orThrow } from '../../dockerd/index.js';
import { defineControl } from '../define.js';
import { ControlError, fail, pass } from '../support.js';

const FAILING_KINDS = new Set<ConfigFinding['kind']>(['ignored_key', 'duplicate_key', 'syntax']);

/** Refusals, ignored and duplicate keys, and content dockerd skips fail the control; deprecations are notes. */
export const isFailing = (f: ConfigFinding): boolean => f.refused || FAILING_KINDS.has(f.kind);

const LABELS: Record<ConfigFinding['kind'], string> = {
  syntax: 'malformed JSON',
  unknown_key: 'unknown key',
  ignored_key: 'ignored key',
  wrong_type: 'wrong type',
  flag_conflict: 'set as flag and in file',
  startup_conflict: 'start-up conflict',
  invalid_value: 'invalid value',
  deprecated: 'deprecated',
  removed: 'removed option',
  duplicate_key: 'duplicate key',
};

function summarize(findings: readonly ConfigFinding[]): string {
  return findings
    .map((f) => {
      if (f.kind === 'syntax') return `${LABELS.syntax}: ${f.message}`;
      return `${LABELS[f.kind]}${f.keys.length > 1 ? 's' : ''} ${f.keys.join(', ')}`;
    })
    .join('; ');
}

export const configValid = defineControl({
  id: 'config_valid',
  cis: {},
  section: 'daemon_configuration',
  title: 'dockerd would accept daemon.json as it stands',
  severity: 'critical',
  remediation:
    'Fix every finding before the next dockerd restart: correct the JSON syntax, remove keys dockerd does not know (or rename them, e.g. "authorization-plugin" to "authorization-plugins"), give values the type dockerd expects, set each option either in daemon.json or as a dockerd flag but not both (check the systemd unit, e.g. -H fd:// against "hosts"), and resolve start-up conflicts such as "icc": false with "iptables": false. With dockerd 23.0+ confirm with `dockerd --validate --config-file /etc/docker/daemon.json` plus the flags of the running daemon.',
  requires: ['daemon_config'],
  evaluate({ facts, dockerd }) {
    if (!facts.daemonConfig.ok)
      throw new ControlError(`daemon.json unavailable: ${facts.daemonConfig.error}`);
    const file = facts.daemonConfig.value;
    const { findings, releaseNote } = orThrow(dockerd.configValidation);

    const caveats: string[] = [];
    if (facts.exporter.dockerRelease) caveats.push(releaseNote);
    else if (!facts.api.ok) caveats.push(`Docker API unavailable (${releaseNote})`);
    if (!facts.dockerd.ok)
      caveats.push(`flag/file conflicts not checked: dockerd command line unknown (${facts.dockerd.error})`);
    const caveat = caveats.length > 0 ? ` [${caveats.join('; ')}]` : '';

    const keys = [...new Set(findings.flatMap((f) => f.keys))];
    const observed = {
      findings: findings.map((f) => ({ ...f, keys: [...f.keys] })),
      release: releaseNote,
      path: file.path,
      exists: file.exists,
    };
    const expected = 'no refused, ignored or duplicate keys';
    const failing = findings.filter(isFailing);
    if (failing.length > 0) {
      const refused = failing.some((f) => f.refused);
      const head = refused
        ? `dockerd would refuse ${file.path}`
        : `dockerd would start, but ignores part of ${file.path}`;
      return fail(`${head}: ${summarize(failing)}${caveat}`, observed, expected, keys);
    }
    const notes = findings.length > 0 ? ` (${summarize(findings)})` : '';
    const what = file.exists
      ? `${file.path} is accepted`
      : `${file.path} does not exist; dockerd uses its defaults`;
    return pass(`${what}${notes}${caveat}`, observed, expected, keys);
  },
});
