// Writes examples/kubernetes/prometheusrule.yaml from alerts/src/. Run: npx tsx examples/kubernetes/build.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../../alerts/src/config.js';
import { renderPrometheusRule } from '../../alerts/src/prometheusRule.js';

export const PROMETHEUS_RULE_FILE = join(dirname(fileURLToPath(import.meta.url)), 'prometheusrule.yaml');

export const renderShippedPrometheusRule = (): string =>
  renderPrometheusRule(defaultConfig, {
    name: 'dockersec',
    namespace: 'dockersec',
    // kube-prometheus-stack's default ruleSelector matches its release label.
    labels: { 'app.kubernetes.io/name': 'dockersec-exporter', release: 'kube-prometheus-stack' },
  });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(PROMETHEUS_RULE_FILE, renderShippedPrometheusRule());
  console.log(`wrote ${PROMETHEUS_RULE_FILE}`);
}
