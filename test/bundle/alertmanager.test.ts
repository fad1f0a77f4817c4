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
  info: 'blackhole',
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
    assert.match(r.output, /2 inhibit rules/);
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

  test('routes info to no receiver, an unknown severity to tickets and other alerts elsewhere', () => {
    routeTest('blackhole', {
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
  });
});
