// SARIF 2.1.0 for code-scanning uploads: one rule per control, one result per failing (or undecidable) control.
import { DEFAULT_CIS_VERSION, type Severity } from '../../controls/types.js';
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
  const results = evaluation.results
    .map((r, ruleIndex) => ({ r, ruleIndex }))
    .filter(({ r }) => r.status === 'fail' || r.status === 'error')
    .map(({ r, ruleIndex }) => ({
      ruleId: r.id,
      ruleIndex,
      level: r.status === 'error' ? 'note' : LEVEL[r.severity],
      kind: r.status === 'error' ? 'review' : 'fail',
      message: { text: r.status === 'error' ? `Could not evaluate: ${r.reason}` : r.reason },
      ...(location ? { locations: location } : {}),
      properties: { cis: r.cis, severity: r.severity, keys: r.keys, containers: r.containers ?? [] },
    }));
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
