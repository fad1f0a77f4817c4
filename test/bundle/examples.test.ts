// The deployment recipes of examples/, checked with the tools that will read them: Compose v2's own parser
// (`docker-compose config`), `systemd-analyze verify` and `security`, the Kubernetes and prometheus-operator
// schemas (kubernetes-models, generated from the OpenAPI specs), and the PrometheusRule against the rule file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { renderShippedPrometheusRule } from '../../examples/kubernetes/build.js';
import { parseArgs } from '../../src/cli/flags.js';
import { composeV2 } from '../support/debianTools.js';
import { REPO, RULE_FILE } from './support/paths.js';

const EXAMPLES = join(REPO, 'examples');
const GUIDE = readFileSync(join(REPO, 'docs', 'deployment.md'), 'utf8');
const compose = composeV2();

describe('examples/compose', () => {
  test('`docker-compose config` (Compose v2) accepts compose.yaml', {
    skip: typeof compose === 'string' ? compose : false,
  }, () => {
    if (typeof compose === 'string') return;
    const r = spawnSync(
      compose.cmd,
      ['-f', join(EXAMPLES, 'compose', 'compose.yaml'), 'config', '--format', 'json'],
      {
        encoding: 'utf8',
        env: { ...compose.env, DOCKER_GID: '999' },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const config = JSON.parse(r.stdout) as {
      services: Record<
        string,
        {
          read_only?: boolean;
          cap_drop?: string[];
          security_opt?: string[];
          mem_limit?: string;
          pids_limit?: number;
          healthcheck?: { test: string[] };
          ports?: { host_ip?: string }[];
          volumes?: { source: string; target: string; read_only?: boolean }[];
          command?: string[];
        }
      >;
    };
    for (const [name, s] of Object.entries(config.services)) {
      assert.equal(s.read_only, true, `${name}: read-only root`);
      assert.deepEqual(s.cap_drop, ['ALL'], `${name}: no capabilities`);
      assert.ok(s.security_opt?.includes('no-new-privileges:true'), `${name}: no-new-privileges`);
      assert.ok(Number(s.mem_limit) > 0 && (s.pids_limit ?? 0) > 0, `${name}: memory and PIDs limits`);
      assert.ok(s.healthcheck?.test?.length, `${name}: a health check`);
      for (const p of s.ports ?? [])
        assert.ok(p.host_ip && p.host_ip !== '0.0.0.0', `${name}: port on an explicit address`);
    }
    // Only the proxy holds the socket, read-only; the exporter talks to the proxy.
    const holders = Object.entries(config.services).filter(([, s]) =>
      s.volumes?.some((v) => v.target === '/var/run/docker.sock'),
    );
    assert.deepEqual(
      holders.map(([n]) => n),
      ['docker-api-proxy'],
    );
    assert.ok(holders[0]![1].volumes!.find((v) => v.target === '/var/run/docker.sock')!.read_only);
    const exporter = config.services['dockersec-exporter']!;
    assert.ok(exporter.command?.includes('--docker.host=tcp://docker-api-proxy:2375'));
    // The exporter's flags parse, the health check's too (it takes the same ones).
    assert.equal(parseArgs(exporter.command!, {}).command, 'serve');
    assert.equal(parseArgs(exporter.healthcheck!.test.slice(3), {}).command, 'healthcheck');
  });

  test('the Prometheus it runs loads the shipped rules and scrapes job="dockersec" with basic auth', () => {
    const prom = parse(readFileSync(join(EXAMPLES, 'compose', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; basic_auth?: unknown }[];
    };
    assert.deepEqual(prom.rule_files, ['rules/dockersec.rules.yml']);
    const job = prom.scrape_configs.find((j) => j.job_name === 'dockersec');
    assert.ok(job?.basic_auth);
    const composeText = readFileSync(join(EXAMPLES, 'compose', 'compose.yaml'), 'utf8');
    assert.match(
      composeText,
      /\.\.\/\.\.\/alerts\/dockersec\.rules\.yml:\/etc\/prometheus\/rules\/dockersec\.rules\.yml:ro/,
    );
  });
});

describe('examples/systemd', () => {
  const unit = join(EXAMPLES, 'systemd', 'dockersec-exporter.service');
  test('`systemd-analyze verify` accepts the unit', () => {
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.stderr.trim(), '', r.stderr);
  });

  test('the options the guide lists are set, and its exposure score is the one the guide states', () => {
    const text = readFileSync(unit, 'utf8');
    for (const line of [
      'User=dockersec',
      'SupplementaryGroups=docker',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
      'ReadOnlyPaths=/',
    ]) {
      assert.match(text, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line);
    }
    assert.match(text, /--web\.listen-address=\d+\.\d+\.\d+\.\d+:9612/);
    const exec = /^ExecStart=\S+ \S+ \S+ ([\s\S]*?)\n(?!\s)/m
      .exec(text)![1]!
      .replace(/\\\n\s*/g, ' ')
      .trim()
      .split(/\s+/);
    assert.equal(parseArgs(exec, {}).command, 'serve');
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', unit], { encoding: 'utf8' });
    const score = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1];
    assert.ok(score, r.stdout + r.stderr);
    assert.match(
      GUIDE,
      new RegExp(`exposure level ${score.replace('.', '\\.')}\\b`),
      `the guide states ${score}`,
    );
  });
});

describe('examples/kubernetes', () => {
  const docs = (file: string) =>
    parseAllDocuments(readFileSync(join(EXAMPLES, 'kubernetes', file), 'utf8')).map(
      (d) => d.toJSON() as { kind: string },
    );
  const models: Record<string, new (o: never) => { validate(): void }> = {
    Namespace,
    ServiceAccount,
    Secret,
    DaemonSet,
    Service,
    ServiceMonitor,
    PodMonitor,
    PrometheusRule,
  };

  test('every manifest validates against its schema', () => {
    const kinds: string[] = [];
    for (const file of [
      'dockersec-exporter.yaml',
      'servicemonitor.yaml',
      'podmonitor.yaml',
      'prometheusrule.yaml',
    ]) {
      for (const doc of docs(file)) {
        const Model = models[doc.kind];
        assert.ok(Model, `${file}: no schema for kind ${doc.kind}`);
        assert.doesNotThrow(() => new Model(doc as never).validate(), `${file}: ${doc.kind}`);
        kinds.push(doc.kind);
      }
    }
    for (const k of ['DaemonSet', 'Service', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule'])
      assert.ok(kinds.includes(k), k);
  });

  test('a broken manifest is refused (the validator does validate)', () => {
    const [daemonSet] = docs('dockersec-exporter.yaml').filter((d) => d.kind === 'DaemonSet') as unknown as {
      spec: { template: { spec: { hostPID: unknown } } };
    }[];
    daemonSet!.spec.template.spec.hostPID = 'yes';
    assert.throws(() => new DaemonSet(daemonSet as never).validate());
  });

  test('the DaemonSet runs the exporter as the guide says', () => {
    const ds = docs('dockersec-exporter.yaml').find((d) => d.kind === 'DaemonSet') as unknown as {
      spec: {
        template: {
          spec: {
            hostPID: boolean;
            securityContext: { runAsNonRoot: boolean; runAsUser: number };
            containers: {
              args: string[];
              securityContext: {
                allowPrivilegeEscalation: boolean;
                readOnlyRootFilesystem: boolean;
                capabilities: { drop: string[] };
              };
              livenessProbe: { exec: { command: string[] } };
              volumeMounts: { mountPath: string; readOnly: boolean }[];
            }[];
          };
        };
      };
    };
    const pod = ds.spec.template.spec;
    const [c] = pod.containers;
    assert.equal(pod.hostPID, true);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0);
    assert.equal(c!.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c!.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c!.securityContext.capabilities.drop, ['ALL']);
    for (const m of c!.volumeMounts) assert.equal(m.readOnly, true, m.mountPath);
    assert.equal(parseArgs(c!.args, {}).command, 'serve');
    assert.equal(parseArgs(c!.livenessProbe.exec.command.slice(2), {}).command, 'healthcheck');
  });

  test('the PrometheusRule is generated from the rule source: same groups as alerts/dockersec.rules.yml, not stale', () => {
    const shipped = readFileSync(join(EXAMPLES, 'kubernetes', 'prometheusrule.yaml'), 'utf8');
    assert.equal(shipped, renderShippedPrometheusRule(), 'stale: run `npm run bundle`');
    const rule = parse(shipped) as { spec: unknown };
    const file = parse(readFileSync(RULE_FILE, 'utf8')) as unknown;
    assert.deepEqual(rule.spec, file, 'alerts/dockersec.rules.yml is stale or differs: run `npm run bundle`');
  });
});
