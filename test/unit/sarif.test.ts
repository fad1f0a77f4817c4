// SARIF as GitHub code scanning takes it: valid against the official OASIS SARIF 2.1.0 schema (shipped as
// test/fixtures/sarif/sarif-schema-2.1.0.json), every result located at a line, stable fingerprints.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv-draft-04';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { sarifReport } from '../../src/outputs/report/sarifReport.js';
import { lastAssignmentLine } from '../../src/sources/systemd/unitFile.js';
import { makeContainer } from '../support/containerFacts.js';
import { ROOT } from '../support/exporter.js';
import { stockSystemd, unit } from '../support/exposureFacts.js';
import { makeFacts } from '../support/facts.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));
// ajv-draft-04 is CommonJS: its class is the module's `default` export.
const ajv = new Ajv.default({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
const BUILD = { name: 'dockersec-exporter', version: '1.2.3', revision: 'abc123' };

interface Result {
  ruleId: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string };
      region: { startLine: number; startColumn?: number };
    };
    logicalLocations?: { name: string; kind: string }[];
  }[];
  partialFingerprints: Record<string, string>;
}
interface Sarif {
  runs: {
    tool: { driver: { semanticVersion: string; rules: { id: string; helpUri: string }[] } };
    results: Result[];
  }[];
}

// daemon.json sets icc (fails) on line 3; dockerd's unit passes --userland-proxy=true (fails) on line 7.
const DAEMON_JSON = '{\n  "log-level": "info",\n  "icc": true\n}\n';
function facts() {
  const systemd = stockSystemd();
  return makeFacts({
    config: DAEMON_JSON,
    args: ['-H', 'fd://', '--userland-proxy=true'],
    containers: [makeContainer({ name: 'web', privileged: true })],
    exposure: {
      systemd: {
        ...systemd,
        service: unit('docker.service', systemd.service.directives as Record<string, string[]>, {
          execStartAt: { path: '/etc/systemd/system/docker.service.d/override.conf', line: 7 },
        }),
      },
    },
  });
}
const report = (f = facts()) =>
  sarifReport(
    evaluate(f, CATALOG, () => 1_700_000_000_000),
    BUILD,
  ) as unknown as Sarif;

describe('SARIF', () => {
  test('valid against the official SARIF 2.1.0 schema', () => {
    const doc = report();
    const ok = validate(doc);
    assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    // And the same holds without a daemon, without daemon.json, and with the API down.
    for (const f of [makeFacts({ apiDown: true }), makeFacts({ noDockerd: true, config: '{ broken' })]) {
      assert.ok(validate(report(f)), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    }
  });

  test('the validator does refuse what the schema refuses', () => {
    assert.equal(validate({ version: '2.1.0', runs: [{}] }), false, 'a run without a tool');
    const doc = report() as unknown as { runs: { results: { level: string }[] }[] };
    doc.runs[0]!.results[0]!.level = 'severe';
    assert.equal(validate(doc), false, 'an unknown level');
  });

  test('the ExecStart= line of a unit file: the last assignment with a value, after resets', () => {
    const text =
      '[Unit]\nExecStart=/x\n[Service]\nExecStart=\nExecStart=/usr/bin/dockerd \\\n  --icc=false\n# ExecStart=/old\n';
    assert.equal(lastAssignmentLine(text, 'Service', 'ExecStart'), 5);
    assert.equal(
      lastAssignmentLine('[Service]\nExecStart=/a\nExecStart=\n', 'Service', 'ExecStart'),
      'reset',
    );
    assert.equal(lastAssignmentLine('[Service]\nType=notify\n', 'Service', 'ExecStart'), null);
  });

  test('tool: semanticVersion, rules with helpUri to the runbook', () => {
    const { driver } = report().runs[0]!.tool;
    assert.equal(driver.semanticVersion, '1.2.3');
    assert.equal(driver.rules.length, CATALOG.length);
    for (const r of driver.rules) assert.match(r.helpUri, new RegExp(`/docs/runbooks/${r.id}\\.md$`));
  });

  test('every result has a physical location with a start line (GitHub refuses results without one)', () => {
    for (const r of report().runs[0]!.results) {
      assert.ok(r.locations.length > 0, r.ruleId);
      for (const l of r.locations) assert.ok(l.physicalLocation.region.startLine >= 1, r.ruleId);
    }
  });

  test('a key set in daemon.json points at its line; a flag at the unit ExecStart= line', () => {
    const results = report().runs[0]!.results;
    const icc = results.find((r) => r.ruleId === 'icc')!;
    assert.deepEqual(
      icc.locations.map((l) => [
        l.physicalLocation.artifactLocation.uri,
        l.physicalLocation.region.startLine,
      ]),
      [['file:///etc/docker/daemon.json', 3]],
    );
    assert.equal(icc.locations[0]!.physicalLocation.region.startColumn, 3);
    const proxy = results.find((r) => r.ruleId === 'userland_proxy')!;
    assert.deepEqual(
      proxy.locations.map((l) => [
        l.physicalLocation.artifactLocation.uri,
        l.physicalLocation.region.startLine,
      ]),
      [['file:///etc/systemd/system/docker.service.d/override.conf', 7]],
    );
  });

  test('a flag without a systemd unit points at the dockerd command line', () => {
    const f = facts();
    const noSystemd = {
      ...f,
      systemd: { ok: true as const, value: { ...stockSystemd(), dockerdUnit: null } },
    };
    const proxy = report(noSystemd).runs[0]!.results.find((r) => r.ruleId === 'userland_proxy')!;
    assert.match(
      proxy.locations[0]!.physicalLocation.artifactLocation.uri,
      /^file:\/\/\/proc\/\d+\/cmdline$/,
    );
  });

  test('container findings: the name in the message and a logical location', () => {
    const priv = report().runs[0]!.results.filter((r) => r.ruleId === 'container_privileged');
    assert.equal(priv.length, 1);
    assert.match(priv[0]!.message.text, /^Container web \(/);
    assert.deepEqual(priv[0]!.locations[0]!.logicalLocations, [
      { name: 'web', fullyQualifiedName: 'containers/web', kind: 'resource' },
    ]);
  });

  test('partialFingerprints are stable across runs, line moves and wording, and distinct per finding', () => {
    const a = report().runs[0]!.results;
    const moved = facts();
    const shifted = makeFacts({ config: `\n\n${DAEMON_JSON}` });
    const b = report({ ...moved, daemonConfig: shifted.daemonConfig }).runs[0]!.results;
    const fp = (rs: Result[], id: string) =>
      JSON.stringify(rs.find((r) => r.ruleId === id)!.partialFingerprints);
    assert.notEqual(
      b.find((r) => r.ruleId === 'icc')!.locations[0]!.physicalLocation.region.startLine,
      a.find((r) => r.ruleId === 'icc')!.locations[0]!.physicalLocation.region.startLine,
    );
    assert.equal(fp(a, 'icc'), fp(b, 'icc'));
    const all = a.map((r) => JSON.stringify(r.partialFingerprints));
    assert.equal(new Set(all).size, all.length, 'one fingerprint per finding');
  });
});
