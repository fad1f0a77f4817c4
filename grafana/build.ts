// Writes grafana/dashboards/dockersec-overview.json (one host) and dockersec-fleet.json (the fleet).
// Run: npx tsx grafana/build.ts. The remediation texts come from the exporter's catalog, so the dashboard
// says what the reports say.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../alerts/src/config.js';
import { CATALOG } from '../src/controls/catalog.js';
import { type DashboardOptions, renderDashboard } from './src/dashboard.js';
import { type FleetDashboardOptions, renderFleetDashboard } from './src/fleetDashboard.js';

const DASHBOARDS = join(dirname(fileURLToPath(import.meta.url)), 'dashboards');
export const DASHBOARD_FILE = join(DASHBOARDS, 'dockersec-overview.json');
export const FLEET_DASHBOARD_FILE = join(DASHBOARDS, 'dockersec-fleet.json');

export const shippedOptions: DashboardOptions = {
  runbookBaseUrl: defaultConfig.runbookBaseUrl,
  catalog: CATALOG.map((c) => ({ id: c.id, remediation: c.remediation })),
};

export const shippedFleetOptions: FleetDashboardOptions = { runbookBaseUrl: defaultConfig.runbookBaseUrl };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_FILE, renderDashboard(shippedOptions));
  console.log(`wrote ${DASHBOARD_FILE}`);
  writeFileSync(FLEET_DASHBOARD_FILE, renderFleetDashboard(shippedFleetOptions));
  console.log(`wrote ${FLEET_DASHBOARD_FILE}`);
}
