import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ruleFile } from '../../alerts/src/bundle.js';
import { defaultConfig } from '../../alerts/src/config.js';
import { isAlertingRule } from '../../alerts/src/types.js';
import {
  exampleConfigFor,
  listAlerts,
  type PostedAlert,
  postAlerts,
  type RunningAlertmanager,
  startAlertmanager,
} from './support/alertmanager.js';
import { ALERTMANAGER_EXAMPLE, run } from './support/paths.js';
import { waitFor } from './support/processes.js';
import { alertKey, startWebhookReceiver, type WebhookReceiver } from './support/webhook.js';

const RECEIVER_BY_SEVERITY: Record<string, string> = {
  critical: 'dockersec-pager',
  warning: 'dockersec-tickets',
  info: 'dockersec-tickets',
};

function routeTest(expected: string, labels: Record<string, string>) {
  const r = run('amtool', [
    'config',
    'routes',
    'test',
    `--config.file=${ALERTMANAGER_EXAMPLE}`,
    `--verify.receivers=${expected}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  assert.equal(r.status, 0, `${JSON.stringify(labels)} should reach ${expected}:\n${r.output}`);
}

describe('examples/alertmanager/alertmanager.yml', () => {
  test('passes amtool check-config', () => {
    const r = run('amtool', ['check-config', ALERTMANAGER_EXAMPLE]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS/);
    assert.match(r.output, /3 inhibit rules/);
  });

  test('routes every alert of the bundle by its severity (amtool config routes test)', () => {
    const alerts = ruleFile(defaultConfig)
      .groups.flatMap((g) => g.rules)
      .filter(isAlertingRule);
    const seen = new Set<string>();
    for (const a of alerts) {
      const severity = a.labels.severity!;
      if (seen.has(`${a.alert}/${severity}`)) continue;
      seen.add(`${a.alert}/${severity}`);
      routeTest(RECEIVER_BY_SEVERITY[severity]!, { alertname: a.alert, severity, instance: 'host-a:9612' });
    }
    assert.ok(seen.size >= alerts.length - 1);
  });

  test('routes info to the ticket receiver, an unknown severity to tickets and other alerts elsewhere', () => {
    routeTest('dockersec-tickets', {
      alertname: 'DockerSecControlFailing',
      severity: 'info',
      instance: 'host-a:9612',
    });
    routeTest('dockersec-tickets', { alertname: 'DockerSecSomethingNew', instance: 'host-a:9612' });
    routeTest('default', { alertname: 'NodeFilesystemFull', severity: 'critical', instance: 'host-a:9100' });
  });

  test('a mismatch fails amtool, so the route tests can fail', () => {
    const r = run('amtool', [
      'config',
      'routes',
      'test',
      `--config.file=${ALERTMANAGER_EXAMPLE}`,
      '--verify.receivers=dockersec-pager',
      'alertname=DockerSecControlFailing',
      'severity=warning',
    ]);
    assert.notEqual(r.status, 0, r.output);
  });

  describe('in a real Alertmanager', () => {
    let webhook: WebhookReceiver;
    let am: RunningAlertmanager;

    before(async () => {
      webhook = await startWebhookReceiver();
      am = await startAlertmanager(exampleConfigFor(webhook.url));
    });
    after(async () => {
      await am?.stop();
      await webhook?.close();
    });

    test('groups by instance and inhibits the per-control alerts of an instance whose Docker API is down', async () => {
      const alert = (
        alertname: string,
        severity: string,
        instance: string,
        extra: Record<string, string> = {},
      ) => ({ labels: { alertname, severity, instance, job: 'dockersec', ...extra } }) satisfies PostedAlert;
      await postAlerts(am, [
        alert('DockerSecDockerApiUnreachable', 'critical', 'host-a:9612'),
        alert('DockerSecControlFailing', 'critical', 'host-a:9612', { control: 'tls', cis: '2.7' }),
        alert('DockerSecControlFailing', 'warning', 'host-a:9612', { control: 'seccomp', cis: '2.17' }),
        alert('DockerSecPrivilegedContainer', 'critical', 'host-a:9612', {
          control: 'container_privileged',
          container: 'web',
        }),
        alert('DockerSecDaemonConfigInvalid', 'critical', 'host-a:9612', { control: 'config_valid' }),
        alert('DockerSecSourceFailing', 'warning', 'host-a:9612', { source: 'docker_api' }),
        alert('DockerSecSourceFailing', 'warning', 'host-a:9612', { source: 'file_stats' }),
        alert('DockerSecControlFailing', 'critical', 'host-b:9612', { control: 'tls', cis: '2.7' }),
        alert('DockerSecControlFailing', 'warning', 'host-b:9612', { control: 'seccomp', cis: '2.17' }),
      ]);

      const delivered = (receiver: string, instance: string) =>
        webhook.messages.find((m) => m.receiver === receiver && m.groupLabels.instance === instance);
      const keys = (receiver: string, instance: string) =>
        delivered(receiver, instance)
          ?.alerts.map((a) => alertKey(a.labels))
          .sort();
      await waitFor(
        'four notifications',
        () =>
          delivered('dockersec-pager', 'host-a:9612') &&
          delivered('dockersec-pager', 'host-b:9612') &&
          delivered('dockersec-tickets', 'host-a:9612') &&
          delivered('dockersec-tickets', 'host-b:9612'),
        30_000,
      );

      // One notification per instance and receiver, holding only what was not inhibited.
      assert.deepEqual(keys('dockersec-pager', 'host-a:9612'), [
        'alertname=DockerSecDaemonConfigInvalid,instance=host-a:9612,control=config_valid',
        'alertname=DockerSecDockerApiUnreachable,instance=host-a:9612',
      ]);
      assert.deepEqual(keys('dockersec-tickets', 'host-a:9612'), [
        'alertname=DockerSecSourceFailing,instance=host-a:9612,source=file_stats',
      ]);
      assert.deepEqual(keys('dockersec-pager', 'host-b:9612'), [
        'alertname=DockerSecControlFailing,instance=host-b:9612,control=tls',
      ]);
      assert.deepEqual(keys('dockersec-tickets', 'host-b:9612'), [
        'alertname=DockerSecControlFailing,instance=host-b:9612,control=seccomp',
      ]);

      const inhibited = (await listAlerts(am))
        .filter((a) => a.status.inhibitedBy.length > 0)
        .map((a) => alertKey(a.labels))
        .sort();
      assert.deepEqual(inhibited, [
        'alertname=DockerSecControlFailing,instance=host-a:9612,control=seccomp',
        'alertname=DockerSecControlFailing,instance=host-a:9612,control=tls',
        'alertname=DockerSecPrivilegedContainer,instance=host-a:9612,control=container_privileged,container=web',
        'alertname=DockerSecSourceFailing,instance=host-a:9612,source=docker_api',
      ]);
    });

    test('sends the 20 medium and low findings of one host as one ticket', async () => {
      const instance = 'host-c:9612';
      const findings = Array.from({ length: 20 }, (_, i) => ({
        labels: {
          alertname: 'DockerSecControlFailing',
          severity: 'info',
          instance,
          job: 'dockersec',
          control: `control_${String(i).padStart(2, '0')}`,
          control_severity: i % 2 === 0 ? 'medium' : 'low',
        },
      }));
      await postAlerts(am, findings);
      const forHost = () => webhook.messages.filter((m) => m.groupLabels.instance === instance);
      await waitFor('the ticket of host-c', () => (forHost().length > 0 ? true : undefined), 30_000);
      const [first] = forHost();
      assert.equal(first!.receiver, 'dockersec-tickets');
      assert.deepEqual(first!.groupLabels, { instance });
      assert.equal(first!.alerts.length, 20, 'one notification holds all 20 findings');
      assert.ok(forHost().every((m) => m.receiver === 'dockersec-tickets'));
    });

    test('inhibits the 30-day warning of a certificate while its 7-day alert fires', async () => {
      const instance = 'host-d:9612';
      const cert = (severity: string, role: string, path: string) => ({
        labels: {
          alertname: 'DockerSecTlsCertificateExpiring',
          severity,
          instance,
          job: 'dockersec',
          role,
          path,
        },
      });
      await postAlerts(am, [
        cert('critical', 'server', '/etc/docker/tls/server.pem'),
        cert('warning', 'server', '/etc/docker/tls/server.pem'),
        // The CA has 20 days left: only the warning fires, and nothing inhibits it.
        cert('warning', 'ca', '/etc/docker/tls/ca.pem'),
      ]);
      const delivered = (receiver: string) =>
        webhook.messages
          .filter((m) => m.receiver === receiver && m.groupLabels.instance === instance)
          .flatMap((m) => m.alerts.map((a) => `${a.labels.severity} ${a.labels.path}`));
      await waitFor(
        'the page and the ticket of host-d',
        () =>
          (delivered('dockersec-pager').length > 0 && delivered('dockersec-tickets').length > 0) || undefined,
        30_000,
      );
      assert.deepEqual([...new Set(delivered('dockersec-pager'))], ['critical /etc/docker/tls/server.pem']);
      assert.deepEqual([...new Set(delivered('dockersec-tickets'))], ['warning /etc/docker/tls/ca.pem']);
      const inhibited = (await listAlerts(am))
        .filter((a) => a.labels.instance === instance && a.status.inhibitedBy.length > 0)
        .map((a) => `${a.labels.severity} ${a.labels.path}`);
      assert.deepEqual(inhibited, ['warning /etc/docker/tls/server.pem']);
    });
  });
});
