// SARIF 2.1.0 for code-scanning uploads: one rule per control, one result per failing (or undecidable) control.
import {
  type ControlResult,
  DEFAULT_CIS_VERSION,
  type Severity,
  type WaiverRef,
} from '../../controls/types.js';
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
    help: { text: r.remediation },
    helpUri: `${RUNBOOK_BASE_URL}/${r.id}.md`,
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      tags: ['security', 'docker', ...(r.cis ? [`CIS-${r.cis}`] : [])],
      'security-severity': SECURITY_SEVERITY[r.severity],
      precision: 'high',
    },
  }));
  const location = evaluation.daemonConfigPath
    ? [{ physicalLocation: { artifactLocation: { uri: `file://${evaluation.daemonConfigPath}` } } }]
    : undefined;
  const result = (r: ControlResult, ruleIndex: number) => ({
    ruleId: r.id,
    ruleIndex,
    level: r.status === 'error' ? 'note' : LEVEL[r.severity],
    kind: r.status === 'error' ? 'review' : 'fail',
    message: { text: r.status === 'error' ? `Could not evaluate: ${r.reason}` : r.reason },
    ...(location ? { locations: location } : {}),
    properties: { cis: r.cis, severity: r.severity, keys: r.keys, containers: r.containers ?? [] },
  });
  const results = evaluation.results.flatMap((r, ruleIndex) => {
    const out: Record<string, unknown>[] = [];
    if (r.status === 'fail' || r.status === 'error') out.push(result(r, ruleIndex));
    // What live waivers cover is still a finding, reported as suppressed: the whole control when it is waived,
    // else its waived containers.
    if (r.status === 'waived') {
      out.push({ ...result(r, ruleIndex), suppressions: (r.waivers ?? []).map(suppression) });
    } else if (r.waivedContainers && r.waivedContainers.length > 0) {
      const waivers = [...new Map(r.waivedContainers.map((c) => [c.waiver.index, c.waiver])).values()];
      out.push({
        ...result(r, ruleIndex),
        message: {
          text: `${r.waivedContainers.length} waived containers: ${r.waivedContainers.map((c) => `${c.name} (${c.reason})`).join(', ')}`,
        },
        properties: {
          cis: r.cis,
          severity: r.severity,
          keys: r.keys,
          containers: r.waivedContainers.map(({ waiver: _, ...c }) => c),
        },
        suppressions: waivers.map(suppression),
      });
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
            informationUri: INFORMATION_URI,
            rules,
          },
        },
        invocations: [
          { executionSuccessful: true, endTimeUtc: new Date(evaluation.generatedAt).toISOString() },
        ],
        results,
      },
    ],
  };
}
