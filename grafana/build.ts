// Writes grafana/dashboards/dockersec-overview.json. Run: npx tsx grafana/build.ts
// The remediation texts come from the exporter's catalog, so the dashboard says what the reports say.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../alerts/src/config.js';
import { CATALOG } from '../src/controls/catalog.js';
import { type DashboardOptions, renderDashboard } from './src/dashboard.js';

export const DASHBOARD_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  'dashboards',
  'dockersec-overview.json',
);

export const shippedOptions: DashboardOptions = {
  runbookBaseUrl: defaultConfig.runbookBaseUrl,
  catalog: CATALOG.map((c) => ({ id: c.id, remediation: c.remediation })),
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_FILE, renderDashboard(shippedOptions));
  console.log(`wrote ${DASHBOARD_FILE}`);
}
