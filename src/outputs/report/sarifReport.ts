// SARIF 2.1.0 for code-scanning uploads (valid against the OASIS schema, test/unit/sarif.test.ts): one rule per
// control with its runbook as helpUri; one result per failing (or undecidable) control, or per failing container
// of a per-container control. Every result has a located line, as GitHub requires: the daemon.json line of the key,
// the unit's ExecStart= line or dockerd's command line when a flag sets it, else daemon.json's first line (where
// the fix goes); a container's own configuration file. partialFingerprints hold across runs.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import {
  type ContainerFinding,
  type ControlResult,
  DEFAULT_CIS_VERSION,
  type Severity,
  type WaiverRef,
} from '../../controls/types.js';
import type { SettingLocation } from '../../evaluation/locations.js';
import type { Evaluation } from '../../evaluation/types.js';
import type { BuildInfo } from '../buildInfo.js';

const INFORMATION_URI = 'https://github.com/dockersec/dockersec-exporter';
/** Where docs/runbooks/ is published: the alerting bundle's runbookBaseUrl (test/unit/generatedDocs.test.ts). */
export const RUNBOOK_BASE_URL = `${INFORMATION_URI}/blob/main/docs/runbooks`;

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
/** GitHub code scanning reads a 0-10 `security-severity` to rank findings. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** An accepted exception, as SARIF says it: decided outside the code, with who, why and until when. */
const suppression = (w: WaiverRef) => ({
  kind: 'external',
  status: 'accepted',
  justification: `${w.reason} (owner ${w.owner}${w.ticket ? `, ticket ${w.ticket}` : ''}, until ${w.expires}; waivers[${w.index}])`,
  properties: { owner: w.owner, ticket: w.ticket, expires: w.expires, waiver: w.index },
});

type Location = Record<string, unknown>;

const fileUri = (path: string): string => `file://${encodeURI(path)}`;

function physical(path: string, line: number, column?: number, message?: string): Location {
  return {
    physicalLocation: {
      artifactLocation: { uri: fileUri(path) },
      region: { startLine: line, ...(column ? { startColumn: column } : {}) },
    },
    ...(message ? { message: { text: message } } : {}),
  };
}

/** Where a setting is: its daemon.json line, the unit's ExecStart= line, or dockerd's command line. */
function settingLocation(key: string, at: SettingLocation): Location {
  if (at.kind === 'daemon_json') return physical(at.path, at.line, at.column, `"${key}" in daemon.json`);
  if (at.kind === 'unit_file')
    return physical(
      at.path,
      at.line,
      undefined,
      `--${key} on dockerd's command line (${at.unit} ExecStart=)`,
    );
  return physical(`/proc/${at.pid}/cmdline`, 1, undefined, `--${key} on dockerd's command line`);
}

/** Stable across runs, lines and wording: the rule and what the finding is about (keys, or a container's name). */
function fingerprint(...parts: string[]): Record<string, string> {
  return {
    'dockersecFinding/v1': createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32),
  };
}

export function sarifReport(evaluation: Evaluation, build: BuildInfo): Record<string, unknown> {
  const rules = evaluation.results.map((r) => ({
    id: r.id,
    name: r.id,
    shortDescription: { text: r.title },
    fullDescription: {
      text: r.cis
        ? `CIS Docker Benchmark v${evaluation.cisVersion ?? DEFAULT_CIS_VERSION} ${r.cis}: ${r.title}`
        : r.title,
    },
    help: {
      text: `${r.remediation} Runbook: ${RUNBOOK_BASE_URL}/${r.id}.md`,
      markdown: `${r.remediation}\n\n[Runbook](${RUNBOOK_BASE_URL}/${r.id}.md)`,
    },
    helpUri: `${RUNBOOK_BASE_URL}/${r.id}.md`,
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      tags: ['security', 'docker', ...(r.cis ? [`CIS-${r.cis}`] : [])],
      'security-severity': SECURITY_SEVERITY[r.severity],
      precision: 'high',
    },
  }));
  const daemonJson = evaluation.daemonConfigPath ?? '/etc/docker/daemon.json';
  // A setting set nowhere is fixed in daemon.json: its first line is where the finding points.
  const locationsOf = (r: ControlResult): Location[] => {
    const found = r.keys.flatMap((key) => {
      const at = evaluation.settingLocations?.[key];
      return at ? [settingLocation(key, at)] : [];
    });
    return found.length > 0 ? found : [physical(daemonJson, 1)];
  };
  const containerLocation = (c: ContainerFinding): Location => ({
    ...(evaluation.dataRoot
      ? physical(posix.join(evaluation.dataRoot, 'containers', c.id, 'config.v2.json'), 1)
      : physical(daemonJson, 1)),
    logicalLocations: [{ name: c.name, fullyQualifiedName: `containers/${c.name}`, kind: 'resource' }],
  });
  const result = (r: ControlResult, ruleIndex: number) => ({
    ruleId: r.id,
    ruleIndex,
    level: r.status === 'error' ? 'note' : LEVEL[r.severity],
    kind: r.status === 'error' ? 'review' : 'fail',
    message: { text: r.status === 'error' ? `Could not evaluate: ${r.reason}` : r.reason },
    locations: locationsOf(r),
    partialFingerprints: fingerprint(r.id, ...[...r.keys].sort()),
    properties: { cis: r.cis, severity: r.severity, keys: r.keys, containers: [] as ContainerFinding[] },
  });
  /** One result per container of a per-container control, named in the message and as a logical location. */
  const containerResult = (r: ControlResult, ruleIndex: number, c: ContainerFinding) => ({
    ...result(r, ruleIndex),
    message: { text: `Container ${c.name} (${c.image}): ${c.reason}` },
    locations: [containerLocation(c)],
    partialFingerprints: fingerprint(r.id, 'container', c.name),
    properties: { cis: r.cis, severity: r.severity, keys: r.keys, containers: [c] },
  });
  const results = evaluation.results.flatMap((r, ruleIndex) => {
    const out: Record<string, unknown>[] = [];
    if (r.status === 'fail' && r.containers && r.containers.length > 0)
      out.push(...r.containers.map((c) => containerResult(r, ruleIndex, c)));
    else if (r.status === 'fail' || r.status === 'error') out.push(result(r, ruleIndex));
    // What live waivers cover is still a finding, reported as suppressed: per container whenever containers
    // are waived (the same fingerprint whether or not the others are waived too, so a code-scanning alert
    // does not close and reopen as they come and go), else the whole control.
    if (r.waivedContainers && r.waivedContainers.length > 0) {
      for (const { waiver, ...c } of r.waivedContainers)
        out.push({ ...containerResult(r, ruleIndex, c), suppressions: [suppression(waiver)] });
    } else if (r.status === 'waived') {
      out.push({ ...result(r, ruleIndex), suppressions: (r.waivers ?? []).map(suppression) });
    }
    return out;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dockersec-exporter',
            version: build.version,
            semanticVersion: build.version,
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        automationDetails: { id: `dockersec-exporter/${evaluation.docker.host}/` },
        invocations: [
          { executionSuccessful: true, endTimeUtc: new Date(evaluation.generatedAt).toISOString() },
        ],
        results,
      },
    ],
  };
}
