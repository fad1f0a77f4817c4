// The bundle end to end, with real parts only: a sandboxed dockerd with an insecure configuration,
// the built exporter watching it, Prometheus (Debian `prometheus`) scraping the exporter and
// evaluating the shipped rules, Alertmanager (Debian `prometheus-alertmanager`) running the example
// configuration, and a webhook receiver standing in for pager and ticket system. Fixing the
// configuration and restarting the daemon must resolve what fired.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { renderRuleFile, ruleFile } from '../../alerts/src/bundle.js';
import { type BundleConfig, defaultConfig, withShortDurations } from '../../alerts/src/config.js';
import { metricNames } from '../../alerts/src/promql.js';
import { readRunbooks } from '../../alerts/src/runbooks.js';
import { isAlertingRule } from '../../alerts/src/types.js';
import { createDaemon, type SandboxDaemon } from '../support/dockerd.js';
import { getFreePort } from '../support/ports.js';
import { exampleConfigFor, type RunningAlertmanager, startAlertmanager } from './support/alertmanager.js';
import { allTargets, expandVariables, type GrafanaDashboard } from './support/dashboardLint.js';
import {
  distMissingReason,
  exposedMetricNames,
  type RunningExporter,
  startExporterProcess,
} from './support/exporterProcess.js';
import { DASHBOARD_FILE } from './support/paths.js';
import { waitFor, waitReady } from './support/processes.js';
import { type RunningPrometheus, startPrometheus } from './support/prometheus.js';
import { alertKey, latestStates, startWebhookReceiver, type WebhookReceiver } from './support/webhook.js';

const JOB = 'dockersec';
const CONTAINER = 'e2e-socket';
/** Medium, and failing on the insecure daemon: under the alert policy a ticket (severity info), not a page. */
const MEDIUM_CONTROL = 'userns_remap';
/** Medium and failing too, but waived in the exporter's --waivers.file: it must never alert. */
const WAIVED_CONTROL = 'no_new_privileges';
const INSECURE_REGISTRY = '10.99.0.0/16';
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as GrafanaDashboard;

/**
 * The shipped rules with every `for` at 2 s, except the Docker API one: it keeps a `for` longer than
 * the daemon restart, as the shipped 10 m does. Otherwise it would fire during the restart and
 * inhibit the per-control alerts exactly when they resolve, and Alertmanager drops the resolved
 * notification of an inhibited alert.
 */
const e2eConfig: BundleConfig = (() => {
  const short = withShortDurations(defaultConfig, '2s');
  return { ...short, for: { ...short.for, dockerApiUnreachable: '30s' } };
})();

describe('the alerting bundle end to end', { skip: distMissingReason() }, () => {
  let webhook: WebhookReceiver | undefined;
  let am: RunningAlertmanager | undefined;
  let daemon: SandboxDaemon | undefined;
  let exporter: RunningExporter | undefined;
  let prom: RunningPrometheus | undefined;
  let instance = '';
  let waiversDir: string | undefined;

  const diagnostics = () =>
    [
      `webhook messages: ${JSON.stringify(webhook?.messages.map((m) => [m.receiver, m.alerts.map((a) => [a.status, alertKey(a.labels)])]))}`,
      `exporter log:\n${exporter?.daemon.log().slice(-3000)}`,
      `dockerd log:\n${daemon?.logTail(20)}`,
    ].join('\n');

  before(async () => {
    webhook = await startWebhookReceiver();
    am = await startAlertmanager(exampleConfigFor(webhook.url));

    // An insecure daemon: a TCP listener without TLS (tls, critical) and an insecure registry
    // (insecure_registries, high).
    daemon = await createDaemon();
    const tcpPort = await getFreePort();
    await daemon.writeConfig({
      hosts: [`unix://${join(daemon.dir, 'docker.sock')}`, `tcp://127.0.0.1:${tcpPort}`],
      'insecure-registries': [INSECURE_REGISTRY],
    });
    await daemon.start();
    // A container with the Docker socket mounted (container_docker_socket, critical). A privileged
    // one cannot start on these machines (runc cannot grant CAP_SYS_RESOURCE, which is missing from
    // their bounding set), so DockerSecPrivilegedContainer is covered by the promtool unit tests only.
    const image = await daemon.importBusybox();
    const run = await daemon.docker([
      'run',
      '-d',
      '--name',
      CONTAINER,
      '-v',
      `${daemon.socketPath}:/var/run/docker.sock`,
      image,
      'sleep',
      '3600',
    ]);
    assert.equal(run.code, 0, run.stderr);

    // An accepted exception, a month before it expires: waived, not failing, and never an alert.
    waiversDir = mkdtempSync(join(tmpdir(), 'dockersec-e2e-waivers-'));
    const waiversFile = join(waiversDir, 'waivers.yml');
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    writeFileSync(
      waiversFile,
      stringify({
        waivers: [
          {
            controls: [WAIVED_CONTROL],
            reason: 'e2e: containers of this host are built with no-new-privileges set per image',
            owner: 'platform-team',
            expires,
            ticket: 'SEC-1234',
          },
        ],
      }),
    );

    exporter = await startExporterProcess([
      `--waivers.file=${waiversFile}`,
      `--docker.host=unix://${daemon.socketPath}`,
      `--docker.config-file=${daemon.configPath}`,
      '--docker.resync-interval=5s',
      '--files.poll-interval=1s',
    ]);
    instance = exporter.address;
    prom = await startPrometheus({
      job: JOB,
      targets: [exporter.address],
      alertmanager: am.url.replace('http://', ''),
      rules: renderRuleFile(e2eConfig),
    });

    // The exporter must have judged the daemon.json dockerd started with before the edit below: a file
    // changed before the first evaluation is one whose content at dockerd's start is unknown, which is
    // no drift. /-/ready answers 200 once the first evaluation is done (a loaded machine takes seconds).
    await waitReady(exporter.daemon, `http://${exporter.address}/-/ready`);

    // daemon.json now gains a key dockerd does not know: harmless until the next restart, when
    // dockerd would refuse to start (config_valid, critical).
    const insecure = JSON.parse(readFileSync(daemon.configPath, 'utf8')) as Record<string, unknown>;
    await daemon.writeConfig({ ...insecure, 'not-a-dockerd-option': true });
  });

  after(async () => {
    await prom?.stop();
    await exporter?.stop();
    await am?.stop();
    await webhook?.close();
    await daemon?.destroy();
    if (waiversDir) rmSync(waiversDir, { recursive: true, force: true });
  });

  const expectedPager = () => [
    `alertname=DockerSecControlFailing,instance=${instance},control=tls`,
    `alertname=DockerSecDaemonConfigInvalid,instance=${instance},control=config_valid`,
    `alertname=DockerSecDockerSocketMounted,instance=${instance},control=container_docker_socket,container=${CONTAINER}`,
  ];
  // The daemon.json edit after the start also waits for a restart (config_drift).
  const expectedTickets = () => [
    `alertname=DockerSecControlFailing,instance=${instance},control=insecure_registries`,
    `alertname=DockerSecDaemonConfigRestartPending,instance=${instance}`,
  ];
  /** Runbook pages of the alerts that carry no control label. */
  const PAGE_OF: Record<string, string> = { DockerSecDaemonConfigRestartPending: 'config_drift' };

  const statesAre = (status: 'firing' | 'resolved') => () => {
    const pager = latestStates(webhook!.messages, 'dockersec-pager');
    const tickets = latestStates(webhook!.messages, 'dockersec-tickets');
    const ok =
      expectedPager().every((k) => pager.get(k)?.status === status) &&
      expectedTickets().every((k) => tickets.get(k)?.status === status);
    return ok ? { pager, tickets } : undefined;
  };

  test('the findings of the insecure daemon reach the pager and the ticket receiver', async () => {
    const { pager, tickets } = await waitFor(
      'the expected alerts to fire',
      statesAre('firing'),
      120_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    const runbooks = new Set(readRunbooks().map((r) => r.name));
    for (const [key, alert] of [...pager, ...tickets]) {
      if (![...expectedPager(), ...expectedTickets()].includes(key)) continue;
      assert.equal(alert.labels.job, JOB, key);
      assert.ok(['critical', 'warning'].includes(alert.labels.severity ?? ''), key);
      const page = alert.annotations.runbook_url
        ?.replace(`${defaultConfig.runbookBaseUrl}/`, '')
        .replace(/\.md$/, '');
      assert.equal(
        page,
        alert.labels.control ?? PAGE_OF[alert.labels.alertname ?? ''],
        `${key}: runbook_url ${alert.annotations.runbook_url}`,
      );
      assert.ok(runbooks.has(page!), `${key}: no docs/runbooks/${page}.md`);
      assert.ok(
        alert.annotations.description?.includes(instance),
        `${key}: description does not name the instance`,
      );
    }
    const tls = pager.get(expectedPager()[0]!)!;
    assert.equal(tls.labels.severity, 'critical');
    assert.equal(tls.labels.cis, '2.8'); // CIS 1.8.0, the default --cis.version (2.7 in 1.6.0)
    const socket = pager.get(expectedPager()[2]!)!;
    assert.equal(socket.labels.cis, '5.32');
    assert.ok(socket.labels.image, 'the container alert names the image');
    const registries = tickets.get(expectedTickets()[0]!)!;
    assert.equal(registries.labels.severity, 'warning');
    assert.equal(registries.labels.cis, '2.5');
  });

  test('a failing medium control alerts as a ticket: pending, then firing, with severity="info"', async () => {
    // ALERTS is Prometheus' own record of every pending and firing alert, evaluation by evaluation.
    const alerts = (state: string) =>
      `ALERTS{job="${JOB}", alertname="DockerSecControlFailing", control="${MEDIUM_CONTROL}", alertstate="${state}"}`;
    const seen = await waitFor(
      `the ${MEDIUM_CONTROL} alert pending`,
      async () => {
        const r = await prom!.query(`last_over_time(${alerts('pending')}[10m])`);
        return r.data?.result[0]?.metric;
      },
      60_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    assert.equal(seen.severity, 'info');
    assert.equal(seen.control_severity, 'medium');
    assert.equal(seen.instance, instance);
    // And it reaches the ticket receiver, never the pager.
    const key = `alertname=DockerSecControlFailing,instance=${instance},control=${MEDIUM_CONTROL}`;
    await waitFor(
      `the ${MEDIUM_CONTROL} ticket`,
      () => latestStates(webhook!.messages, 'dockersec-tickets').get(key),
      60_000,
      500,
    );
    assert.equal(latestStates(webhook!.messages, 'dockersec-tickets').get(key)?.labels.severity, 'info');
    assert.equal(latestStates(webhook!.messages, 'dockersec-pager').get(key), undefined);
  });

  test('a waived control is waived in Prometheus, and its alert never pending nor firing', async () => {
    const status = await prom!.query(
      `dockersec_control_status{job="${JOB}", control="${WAIVED_CONTROL}", status="waived"} == 1`,
    );
    assert.equal(status.data?.result.length, 1, `${WAIVED_CONTROL} is not waived: ${JSON.stringify(status)}`);
    // By now the other findings have fired, so the rules had every chance to pick it up.
    const ever = await prom!.query(`count_over_time(ALERTS{job="${JOB}", control="${WAIVED_CONTROL}"}[1h])`);
    assert.equal(ever.status, 'success');
    assert.deepEqual(ever.data?.result, [], `${WAIVED_CONTROL} alerted although waived`);
    const delivered = webhook!.messages
      .flatMap((m) => m.alerts)
      .filter((a) => a.labels.control === WAIVED_CONTROL);
    assert.deepEqual(delivered, []);
    // The waiver's metrics are there for the waiver alerts and the dashboard.
    const info = await prom!.query(`dockersec_waiver_info{job="${JOB}", control="${WAIVED_CONTROL}"}`);
    assert.equal(info.data?.result[0]?.metric.owner, 'platform-team');
    const active = await prom!.query(`dockersec_waivers{job="${JOB}", state="active"}`);
    assert.ok(active.data?.result.length === 1, JSON.stringify(active));
  });

  test('every metric the rules and the dashboard name is one the exporter exposes', async () => {
    const exposed = exposedMetricNames(await exporter!.metricsText());
    const named = new Map<string, Set<string>>();
    const note = (metric: string, where: string) =>
      named.set(metric, (named.get(metric) ?? new Set()).add(where));
    for (const rule of ruleFile(defaultConfig).groups.flatMap((g) => g.rules)) {
      for (const m of metricNames(rule.expr))
        note(m, isAlertingRule(rule) ? `alert ${rule.alert}` : `rule ${rule.record}`);
    }
    for (const { panel, target } of allTargets(dashboard)) {
      for (const m of metricNames(target.expr ?? '')) note(m, `panel "${panel.title}"`);
    }
    // `up` is Prometheus' own; names with a colon are the bundle's recording rules.
    const missing = [...named]
      .filter(([m]) => m !== 'up' && !m.includes(':'))
      .filter(([m]) => !exposed.has(m))
      .map(([m, where]) => `${m} (${[...where].join(', ')})`);
    assert.deepEqual(missing, [], 'named by the bundle but not exposed by the exporter');
  });

  test('every control the exporter reports has a runbook', async () => {
    const r = await prom!.query(`dockersec_control_info{job="${JOB}"}`);
    const controls = new Set(r.data?.result.map((s) => s.metric.control ?? '') ?? []);
    assert.ok(controls.size >= 26, `only ${controls.size} controls reported`);
    const runbooks = new Set(readRunbooks().map((rb) => rb.name));
    assert.deepEqual(
      [...controls].filter((c) => !runbooks.has(c)),
      [],
    );
  });

  test('every dashboard query runs against Prometheus without error and returns data', async () => {
    // Grafana with every job and instance selected; $__rate_interval is at least 4 scrape intervals.
    const failures: string[] = [];
    for (const { panel, target } of allTargets(dashboard)) {
      const expr = expandVariables(target.expr ?? '', '10s');
      const r = target.instant ? await prom!.query(expr) : await prom!.queryRange(expr, 30);
      if (r.status !== 'success') failures.push(`${panel.title} ${target.refId}: ${r.error}`);
      else if ((r.data?.result.length ?? 0) === 0) failures.push(`${panel.title} ${target.refId}: no data`);
    }
    assert.deepEqual(failures, []);
  });

  test('fixing the configuration and restarting the daemon resolves every alert', async () => {
    const rm = await daemon!.docker(['rm', '-f', CONTAINER]);
    assert.equal(rm.code, 0, rm.stderr);
    await daemon!.writeConfig({});
    await daemon!.restart();
    await waitFor('the alerts to resolve', statesAre('resolved'), 120_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    // Resolved because fixed, not because the restart left the controls in error for a moment.
    const verdicts = {
      tls: 'not_applicable',
      insecure_registries: 'pass',
      config_valid: 'pass',
    };
    await waitFor(
      'the fixed verdicts in Prometheus',
      async () => {
        const r = await prom!.query(`dockersec_control_status{job="${JOB}"} == 1`);
        const seen = Object.fromEntries(r.data?.result.map((x) => [x.metric.control, x.metric.status]) ?? []);
        return Object.entries(verdicts).every(([c, s]) => seen[c] === s) ? true : undefined;
      },
      30_000,
    );
    await waitFor(
      'no restart pending in Prometheus',
      async () => {
        const r = await prom!.query(`dockersec_daemon_config_restart_pending{job="${JOB}"} == 0`);
        return r.data?.result.length === 1 ? true : undefined;
      },
      30_000,
    );
  });
});
