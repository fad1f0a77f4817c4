// A real Alertmanager (Debian prometheus-alertmanager) running the example configuration, with only
// the webhook URLs pointed at the test's receiver and the waits shortened.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ALERTMANAGER_EXAMPLE } from './paths.js';
import { type Daemon, startLoopbackServer } from './processes.js';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

interface RouteConfig {
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: RouteConfig[];
}

interface AlertmanagerConfig {
  route: RouteConfig;
  receivers: { name: string; webhook_configs?: { url: string }[] }[];
}

/** The example with every webhook sent to `webhookBase/<receiver>` and 1 s group waits. */
export function exampleConfigFor(webhookBase: string): string {
  const config = parse(readFileSync(ALERTMANAGER_EXAMPLE, 'utf8')) as AlertmanagerConfig;
  for (const r of config.receivers) {
    for (const w of r.webhook_configs ?? []) w.url = `${webhookBase}/${r.name}`;
  }
  const shorten = (route: RouteConfig, top: boolean) => {
    if (top || route.group_wait) route.group_wait = '1s';
    if (top || route.group_interval) route.group_interval = '1s';
    for (const child of route.routes ?? []) shorten(child, false);
  };
  shorten(config.route, true);
  return stringify(config);
}

export interface RunningAlertmanager {
  readonly url: string;
  readonly daemon: Daemon;
  stop(): Promise<void>;
}

export async function startAlertmanager(configText: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'dockersec-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), configText);
  const { url, daemon, stop } = await startLoopbackServer('alertmanager', ALERTMANAGER_BIN, dir, (port) => [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // An empty address turns clustering off; otherwise it binds 0.0.0.0:9094.
    '--cluster.listen-address=',
  ]);
  return { url, daemon, stop };
}

export interface PostedAlert {
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export async function postAlerts(am: RunningAlertmanager, alerts: readonly PostedAlert[]): Promise<void> {
  const r = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {} }))),
  });
  if (!r.ok) throw new Error(`POST /api/v2/alerts: ${r.status} ${await r.text()}`);
}

export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly status: { readonly state: string; readonly inhibitedBy: readonly string[] };
  readonly receivers: readonly { readonly name: string }[];
}

export async function listAlerts(am: RunningAlertmanager): Promise<AlertmanagerAlert[]> {
  const r = await fetch(`${am.url}/api/v2/alerts`);
  if (!r.ok) throw new Error(`GET /api/v2/alerts: ${r.status}`);
  return (await r.json()) as AlertmanagerAlert[];
}
