// Waivers after the controls: the matcher (globs, labels, images), their application to a daemon control and
// to a per-container control, expiry, unused and expiring waivers, the time-driven transitions, the reports and
// the metrics. Time is always given, never read from the clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CATALOG } from '../../src/controls/catalog.js';
import { privileged } from '../../src/controls/containers/privileges.js';
import { sshd } from '../../src/controls/containers/processes.js';
import { icc, userlandProxy } from '../../src/controls/daemon/network.js';
import type { ControlDefinition } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { labelDigest } from '../../src/facts/containers.js';
import { landingPage } from '../../src/outputs/http/landingPage.js';
import { renderEvaluation } from '../../src/outputs/metrics/evaluationMetrics.js';
import { jsonReport } from '../../src/outputs/report/jsonReport.js';
import { sarifReport } from '../../src/outputs/report/sarifReport.js';
import { textReport } from '../../src/outputs/report/textReport.js';
import { nextWaiverTransition } from '../../src/policy/apply.js';
import { globMatch, scopeMatches } from '../../src/policy/match.js';
import { parseWaivers } from '../../src/policy/parseWaivers.js';
import type { WaiverSettings } from '../../src/policy/waivers.js';
import { makeContainer } from '../support/containerFacts.js';
import { parseMetrics } from '../support/exporter.js';
import { makeFacts } from '../support/facts.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-05T08:00:00Z');
const BUILD = { name: 'dockersec-exporter', version: '0.0.0-test', revision: 'test' };

function settings(yaml: string, warningDays = 14): WaiverSettings {
  const policy = parseWaivers(yaml, { file: 'w.yml', controls: CATALOG, now: NOW, maxDurationMs: 365 * DAY });
  return { policy, expiryWarningMs: warningDays * DAY };
}

const waiver = (controls: string, expires: string, extra = '') =>
  `  - controls: [${controls}]\n    reason: accepted for ${controls}\n    owner: team-${controls}\n    expires: "${expires}"\n    ticket: SEC-1\n${extra}`;

const judge = (
  controls: readonly ControlDefinition[],
  yaml: string,
  at = NOW,
  facts = makeFacts({ config: { 'userland-proxy': true } }),
) => evaluate(facts, controls, () => at, settings(`waivers:\n${yaml}`));

const privilegedPair = () => [
  makeContainer({
    name: 'legacy-agent',
    image: 'registry.example.com/legacy/agent:1',
    privileged: true,
    labelDigests: [labelDigest('com.example.tier', 'legacy')],
  }),
  makeContainer({ name: 'web', image: 'nginx:1.27', privileged: true }),
];
const twoPrivileged = () => makeFacts({ containers: privilegedPair() });

describe('matcher', () => {
  test('globs: * any run (slashes too), ? one character, the rest literally, whole string', () => {
    assert.ok(globMatch('legacy-*', 'legacy-agent'));
    assert.ok(globMatch('legacy-*', 'legacy-'));
    assert.ok(!globMatch('legacy-*', 'my-legacy-agent'));
    assert.ok(globMatch('*agent*', 'my-legacy-agent-2'));
    assert.ok(globMatch('registry.example.com/legacy/*', 'registry.example.com/legacy/sub/app:1'));
    assert.ok(!globMatch('registry.example.com/legacy/*', 'registryXexample.com/legacy/app'));
    assert.ok(globMatch('web-?', 'web-1'));
    assert.ok(!globMatch('web-?', 'web-12'));
    assert.ok(globMatch('a[b]c', 'a[b]c'), 'brackets are literal');
    assert.ok(globMatch('*', ''));
    assert.ok(!globMatch('', 'x'));
  });

  test('globs are fast on hostile input', () => {
    const started = performance.now();
    assert.ok(!globMatch(`${'*a'.repeat(50)}b`, 'a'.repeat(5000)));
    assert.ok(performance.now() - started < 2000);
  });

  test('a scope: every given field must match; labels by digest, exactly', () => {
    const c = {
      name: 'legacy-agent',
      image: 'registry.example.com/legacy/agent:1',
      labelDigests: [labelDigest('com.example.tier', 'legacy'), labelDigest('team', 'ops')],
    };
    assert.ok(scopeMatches({ names: ['web', 'legacy-*'] }, c));
    assert.ok(scopeMatches({ images: ['registry.example.com/legacy/*'] }, c));
    assert.ok(scopeMatches({ labels: { 'com.example.tier': 'legacy', team: 'ops' } }, c));
    assert.ok(!scopeMatches({ labels: { 'com.example.tier': 'legacy', team: 'dev' } }, c));
    assert.ok(!scopeMatches({ labels: { 'com.example.tier': 'legac' } }, c));
    assert.ok(!scopeMatches({ names: ['legacy-*'], images: ['nginx*'] }, c), 'all fields must match');
    assert.ok(scopeMatches({ names: ['legacy-*'], images: ['*'], labels: { team: 'ops' } }, c));
  });
});

describe('application', () => {
  test('a waived daemon control: status waived, reason and observed kept, the waiver beside it', () => {
    const raw = evaluate(makeFacts({ config: { 'userland-proxy': true } }), [userlandProxy]).results[0]!;
    assert.equal(raw.status, 'fail');
    const e = judge([userlandProxy], waiver('userland_proxy', '2027-03-31'));
    const r = e.results[0]!;
    assert.equal(r.status, 'waived');
    assert.equal(r.reason, raw.reason);
    assert.deepEqual(r.observed, raw.observed);
    assert.deepEqual(r.waivers, [
      {
        index: 0,
        reason: 'accepted for userland_proxy',
        owner: 'team-userland_proxy',
        expires: '2027-03-31T00:00:00Z',
        ticket: 'SEC-1',
      },
    ]);
    assert.equal(e.summary.waived, 1);
    assert.equal(e.summary.fail, 0);
    assert.equal(e.waivers!.entries[0]!.state, 'active');
  });

  test('a container control with one of two failing containers waived: fail naming the other', () => {
    for (const scope of [
      '    containers:\n      names: ["legacy-*"]\n',
      '    containers:\n      labels: {com.example.tier: legacy}\n',
      '    containers:\n      images: ["registry.example.com/legacy/*"]\n',
    ]) {
      const e = judge(
        [privileged],
        waiver('container_privileged', '2027-03-31', scope),
        NOW,
        twoPrivileged(),
      );
      const r = e.results[0]!;
      assert.equal(r.status, 'fail', scope);
      assert.deepEqual(
        r.containers!.map((c) => c.name),
        ['web'],
      );
      assert.deepEqual(
        r.waivedContainers!.map((c) => [c.name, c.waiver.index]),
        [['legacy-agent', 0]],
      );
      assert.match(r.reason, /^1 of 2 containers not waived: web \(.+\); 1 waived$/);
      assert.equal(r.observed!.waived, 1);
      assert.equal(e.waivers!.entries[0]!.state, 'active');
    }
  });

  test('a container control whose every failing container is waived is waived', () => {
    const yaml =
      waiver('container_privileged', '2027-03-31', '    containers:\n      names: ["legacy-*"]\n') +
      waiver('container_privileged', '2027-02-01', '    containers:\n      images: ["nginx:*"]\n');
    const e = judge([privileged], yaml, NOW, twoPrivileged());
    const r = e.results[0]!;
    assert.equal(r.status, 'waived');
    assert.deepEqual(r.containers, []);
    assert.deepEqual(
      r.waivedContainers!.map((c) => [c.name, c.waiver.index]),
      [
        ['legacy-agent', 0],
        ['web', 1],
      ],
    );
    assert.match(r.reason, /2 of 2 containers/, 'the control’s own reason stays');
  });

  test('waived failures beside a container that could not be checked: error, never waived', () => {
    const facts = makeFacts({
      containers: [
        makeContainer({ name: 'legacy-sshd', sshd: true }),
        makeContainer({ name: 'web', sshd: null, processListError: 'top timed out' }),
      ],
    });
    const yaml = waiver('container_sshd', '2027-03-31', '    containers:\n      names: ["legacy-*"]\n');
    const r = judge([sshd], yaml, NOW, facts).results[0]!;
    assert.equal(r.status, 'error');
    assert.match(r.reason, /every failing container is waived, but 1 of 2 containers could not be checked/);
    assert.deepEqual(
      r.waivedContainers!.map((c) => c.name),
      ['legacy-sshd'],
    );
  });

  test('a waiver without a container scope covers every container of the control', () => {
    assert.equal(
      judge([privileged], waiver('container_privileged', '2027-03-31'), NOW, twoPrivileged()).results[0]!
        .status,
      'waived',
    );
  });

  test('an expired waiver no longer applies: the control fails and its reason says which waiver expired and when', () => {
    const e = judge([userlandProxy], waiver('userland_proxy', '2026-12-01'));
    const r = e.results[0]!;
    assert.equal(r.status, 'fail');
    assert.match(
      r.reason,
      /waiver waivers\[0\] \(owner team-userland_proxy, ticket SEC-1\) expired 2026-12-01T00:00:00Z$/,
    );
    assert.equal(r.expiredWaivers![0]!.index, 0);
    assert.equal(e.waivers!.entries[0]!.state, 'expired');
    const c = judge(
      [privileged],
      waiver('container_privileged', '2026-12-01', '    containers:\n      names: ["legacy-*"]\n'),
      NOW,
      twoPrivileged(),
    ).results[0]!;
    assert.equal(c.status, 'fail');
    assert.equal(c.containers!.length, 2);
    assert.match(c.reason, /expired 2026-12-01T00:00:00Z$/);
  });

  test('unused: live, and matching nothing that fails now', () => {
    const e = judge(
      [userlandProxy, privileged],
      waiver('userland_proxy', '2027-03-31') +
        waiver('container_privileged', '2027-03-31', '    containers:\n      names: ["db-*"]\n'),
      NOW,
      makeFacts({ config: { 'userland-proxy': false } }),
    );
    assert.equal(e.results.find((r) => r.id === 'userland_proxy')!.status, 'pass');
    assert.deepEqual(
      e.waivers!.entries.map((w) => w.state),
      ['unused', 'unused'],
    );
    const scoped = judge(
      [privileged],
      waiver('container_privileged', '2027-03-31', '    containers:\n      names: ["db-*"]\n'),
      NOW,
      twoPrivileged(),
    );
    assert.equal(scoped.results[0]!.status, 'fail');
    assert.equal(scoped.waivers!.entries[0]!.state, 'unused', 'its scope matches no failing container');
  });

  test('a waiver on an undecided control is not called unused', () => {
    const e = judge([userlandProxy, icc], waiver('icc', '2027-03-31'), NOW, makeFacts({ apiDown: true }));
    assert.equal(e.results.find((r) => r.id === 'icc')!.status, 'error');
    assert.equal(e.waivers!.entries[0]!.state, 'active');
  });

  test('expiring within --waivers.expiry-warning, then expired, by time alone', () => {
    const yaml = waiver('userland_proxy', '2026-12-20');
    const states = [NOW, Date.parse('2026-12-06T00:00:00Z'), Date.parse('2026-12-20T00:00:00Z')].map((at) => [
      judge([userlandProxy], yaml, at).waivers!.entries[0]!.state,
      judge([userlandProxy], yaml, at).results[0]!.status,
    ]);
    assert.deepEqual(states, [
      ['active', 'waived'],
      ['expiring', 'waived'],
      ['expired', 'fail'],
    ]);
    const s = settings(`waivers:\n${yaml}`);
    assert.equal(nextWaiverTransition(s, NOW), Date.parse('2026-12-06T00:00:00Z'));
    assert.equal(
      nextWaiverTransition(s, Date.parse('2026-12-06T00:00:00Z')),
      Date.parse('2026-12-20T00:00:00Z'),
    );
    assert.equal(nextWaiverTransition(s, Date.parse('2026-12-20T00:00:00Z')), null);
  });
});

describe('outputs', () => {
  const evaluation = () =>
    judge(
      [userlandProxy, privileged],
      waiver('userland_proxy', '2026-12-10') +
        waiver('container_privileged', '2027-06-01', '    containers:\n      names: ["legacy-*"]\n') +
        waiver('icc', '2026-01-01'),
      NOW,
      makeFacts({ config: { 'userland-proxy': true }, containers: privilegedPair() }),
    );

  test('metrics: waivers by state, expiry per control and owner, info with bounded labels; waived containers drop out', async () => {
    const m = parseMetrics(await renderEvaluation(evaluation(), BUILD));
    assert.equal(m.get('dockersec_waivers', { state: 'active' }), 1);
    assert.equal(m.get('dockersec_waivers', { state: 'expiring' }), 1);
    assert.equal(m.get('dockersec_waivers', { state: 'expired' }), 1);
    assert.equal(m.get('dockersec_waivers', { state: 'unused' }), 0);
    assert.equal(
      m.get('dockersec_waiver_expiry_timestamp_seconds', {
        control: 'userland_proxy',
        owner: 'team-userland_proxy',
      }),
      Date.parse('2026-12-10') / 1000,
    );
    assert.equal(
      m.get('dockersec_waiver_info', {
        control: 'icc',
        owner: 'team-icc',
        ticket: 'SEC-1',
        reason: 'accepted for icc',
      }),
      1,
    );
    assert.equal(m.get('dockersec_control_status', { control: 'userland_proxy', status: 'waived' }), 1);
    assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_privileged' }), 1);
    assert.equal(
      m.get('dockersec_container_control_failing', {
        control: 'container_privileged',
        container: 'web',
        image: 'nginx:1.27',
      }),
      1,
    );
    assert.equal(
      m.get('dockersec_container_control_failing', {
        control: 'container_privileged',
        container: 'legacy-agent',
        image: 'registry.example.com/legacy/agent:1',
      }),
      undefined,
    );
  });

  test('metrics: a long reason or owner is cut', async () => {
    const e = evaluate(
      makeFacts({ config: { 'userland-proxy': true } }),
      [userlandProxy],
      () => NOW,
      settings(
        `waivers:\n  - controls: [userland_proxy]\n    reason: ${'r'.repeat(1000)}\n    owner: ${'o'.repeat(1000)}\n    expires: 2027-01-01\n`,
      ),
    );
    const text = await renderEvaluation(e, BUILD);
    const line = text.split('\n').find((l) => l.startsWith('dockersec_waiver_info{'))!;
    assert.ok(line.length < 700, `${line.length}`);
    assert.match(line, /reason="r{159}…"/);
  });

  test('promtool check metrics accepts the waiver metrics', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('promtool', ['check', 'metrics'], { input: await renderEvaluation(evaluation(), BUILD) });
  });

  test('no waivers file: no waiver metrics', async () => {
    const text = await renderEvaluation(evaluate(makeFacts(), [userlandProxy]), BUILD);
    assert.ok(!text.includes('dockersec_waiver'));
  });

  test('JSON lists the waiver and the waived containers apart; text and landing page show them', () => {
    const e = evaluation();
    const json = jsonReport(e) as {
      controls: {
        id: string;
        status: string;
        waivers?: unknown[];
        containers?: { name: string }[];
        waivedContainers?: { name: string; waiver: { owner: string } }[];
      }[];
      waivers: { entries: { state: string; controls: string[] }[] };
    };
    const up = json.controls.find((c) => c.id === 'userland_proxy')!;
    assert.equal(up.status, 'waived');
    assert.deepEqual(up.waivers, [
      {
        index: 0,
        reason: 'accepted for userland_proxy',
        owner: 'team-userland_proxy',
        expires: '2026-12-10T00:00:00Z',
        ticket: 'SEC-1',
      },
    ]);
    const priv = json.controls.find((c) => c.id === 'container_privileged')!;
    assert.deepEqual(
      priv.containers!.map((c) => c.name),
      ['web'],
    );
    assert.deepEqual(
      priv.waivedContainers!.map((c) => [c.name, c.waiver.owner]),
      [['legacy-agent', 'team-container_privileged']],
    );
    assert.deepEqual(
      json.waivers.entries.map((w) => w.state),
      ['expiring', 'active', 'expired'],
    );

    // Wide enough that no line wraps, so each finding is one line to match.
    const text = textReport(e, { width: 1000, failOn: 'low' });
    assert.match(text, /WAIVED 2\.17 userland_proxy/); // CIS 1.8.0 (2.16 in 1.6.0)
    assert.match(
      text,
      /waived by waivers\[0\] \(owner team-userland_proxy, ticket SEC-1, until 2026-12-10T00:00:00Z\): accepted for userland_proxy/,
    );
    assert.match(
      text,
      /~ waived: legacy-agent \(registry\.example\.com\/legacy\/agent:1\): .* by waivers\[1\]/,
    );
    assert.match(text, /Waivers \(w\.yml\): 1 active, 1 expiring, 1 expired, 0 unused/);
    assert.match(text, /\nexit 1: 1 failing at or above low: container_privileged \(critical\)\n$/);
    assert.match(textReport(e, { width: 1000, failOn: 'none' }), /\nexit 0: --fail-on none\n$/);

    const html = landingPage(BUILD, '/metrics', e);
    assert.match(html, /badge-waived/);
    assert.match(html, /waived by <code>waivers\[0\]<\/code>: accepted for userland_proxy/);
    assert.match(
      html,
      /<summary>Waivers \(3\)<\/summary>[\s\S]*<td>expired<\/td><td><code>waivers\[2\]<\/code><\/td><td><code>icc<\/code>/,
    );
  });

  test('SARIF: suppressions of kind external, status accepted, with the justification', () => {
    const sarif = sarifReport(evaluation(), BUILD) as {
      runs: {
        results: {
          ruleId: string;
          suppressions?: { kind: string; status: string; justification: string }[];
          properties: { containers: { name: string }[] };
        }[];
      }[];
    };
    const results = sarif.runs[0]!.results;
    const up = results.filter((r) => r.ruleId === 'userland_proxy');
    assert.equal(up.length, 1);
    assert.deepEqual(
      up[0]!.suppressions!.map((s) => [s.kind, s.status]),
      [['external', 'accepted']],
    );
    assert.match(
      up[0]!.suppressions![0]!.justification,
      /accepted for userland_proxy \(owner team-userland_proxy, ticket SEC-1, until 2026-12-10/,
    );
    const priv = results.filter((r) => r.ruleId === 'container_privileged');
    assert.equal(priv.length, 2, 'the failing part, and the waived part suppressed');
    assert.equal(priv[0]!.suppressions, undefined);
    assert.deepEqual(
      priv[0]!.properties.containers.map((c) => c.name),
      ['web'],
    );
    assert.deepEqual(
      priv[1]!.properties.containers.map((c) => c.name),
      ['legacy-agent'],
    );
    assert.equal(priv[1]!.suppressions![0]!.status, 'accepted');
  });

  test('SARIF: a waived container keeps its fingerprint whether or not the other containers are waived too', () => {
    type Sarif = {
      runs: { results: { partialFingerprints: Record<string, string>; suppressions?: unknown[] }[] }[];
    };
    const legacyOnly = waiver(
      'container_privileged',
      '2027-03-31',
      '    containers:\n      names: ["legacy-*"]\n',
    );
    const both =
      legacyOnly + waiver('container_privileged', '2027-03-31', '    containers:\n      names: ["web"]\n');
    const suppressed = (yaml: string) =>
      (sarifReport(judge([privileged], yaml, NOW, twoPrivileged()), BUILD) as Sarif).runs[0]!.results.filter(
        (r) => r.suppressions,
      ).map((r) => Object.values(r.partialFingerprints).join());
    const some = suppressed(legacyOnly);
    const all = suppressed(both);
    assert.equal(some.length, 1);
    assert.equal(all.length, 2);
    assert.ok(all.includes(some[0]!), 'the same fingerprint for legacy-agent');
  });
});
