// Waivers on a real dockerd (issue 10): a waived daemon control, an expired waiver, container waivers by name
// glob and by label (one of two privileged containers waived), an unused waiver, hot reload of the file (add,
// remove, break it), malformed files refused by the CLI (exit 2, one line), and check scoped for CI without a
// daemon.
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import {
  checkJson,
  type Metrics,
  runCli,
  startTestExporter,
  type TestExporter,
  waitFor,
} from '../support/exporter.js';

const skip = dockerdUnavailableReason() ?? false;

const DAY = 86_400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

interface Waived {
  id: string;
  status: string;
  reason: string;
  waivers?: { index: number; owner: string; reason: string; expires: string; ticket: string | null }[];
  containers?: { name: string }[];
  waivedContainers?: { name: string; waiver: { index: number } }[];
  expiredWaivers?: { index: number }[];
}
interface WaiverReport {
  controls: Waived[];
  waivers: { file: string; entries: { index: number; state: string }[] };
}

const PROXY_WAIVER = `  - controls: [userland_proxy]
    reason: legacy services reach published ports through the proxy until the Q1 move
    owner: platform-team
    expires: "${day(60)}"
    ticket: SEC-1234
`;
const EXPIRED_WAIVER = `  - controls: [no_new_privileges]
    reason: old images with setuid helpers
    owner: app-team
    expires: "${day(-1)}"
`;
/** log_level passes on the sandbox: nothing fails for this waiver to cover. */
const UNUSED_WAIVER = `  - controls: [log_level]
    reason: debug logging during the migration
    owner: platform-team
    expires: "${day(30)}"
`;
const byName = `  - controls: [container_privileged]
    reason: the monitoring agent needs the host's devices
    owner: observability
    expires: "${day(90)}"
    containers:
      names: ["legacy-*"]
`;
const byLabel = `  - controls: [container_privileged]
    reason: tier legacy runs privileged until re-platformed
    owner: observability
    expires: "${day(90)}"
    containers:
      labels: {com.example.tier: legacy}
`;

describe('waivers on a real dockerd', { skip, timeout: 300_000 }, () => {
  let daemon: SandboxDaemon;
  let work: string;
  const file = (name: string, body: string) => {
    const path = join(work, name);
    return writeFile(path, body).then(() => path);
  };
  const docker = async (args: string[]) => {
    const r = await daemon.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  };

  before(async () => {
    daemon = await startDaemon({ config: { 'userland-proxy': true } });
    work = await mkdtemp(join(tmpdir(), 'dockersec-waivers-'));
    await daemon.importBusybox();
    // Two privileged containers, created and never started: in scope all the same.
    await docker([
      'create',
      '--name',
      'legacy-agent',
      '--label',
      'com.example.tier=legacy',
      '--privileged',
      '--network',
      'none',
      'busybox',
      'sleep',
      '1d',
    ]);
    await docker([
      'create',
      '--name',
      'web',
      '--label',
      'com.example.tier=front',
      '--privileged',
      '--network',
      'none',
      'busybox',
      'sleep',
      '1d',
    ]);
  });
  after(async () => {
    await daemon?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const check = async (waivers: string, extra: string[] = []) => {
    const path = await file('check.yml', `waivers:\n${waivers}`);
    const r = await checkJson([`--docker.host=${daemon.host}`, `--waivers.file=${path}`, ...extra]);
    return { code: r.code, report: r.report as unknown as WaiverReport, stderr: r.stderr };
  };
  const control = (report: WaiverReport, id: string) => report.controls.find((c) => c.id === id)!;

  test('check: a waived daemon control, an expired waiver, an unused one, a container waiver by name glob', async () => {
    const { report } = await check(PROXY_WAIVER + EXPIRED_WAIVER + UNUSED_WAIVER + byName);
    const proxy = control(report, 'userland_proxy');
    assert.equal(proxy.status, 'waived');
    assert.match(proxy.reason, /userland proxy is enabled/, 'the reason stays visible');
    assert.deepEqual(
      proxy.waivers!.map((w) => [w.index, w.owner, w.ticket]),
      [[0, 'platform-team', 'SEC-1234']],
    );

    const nnp = control(report, 'no_new_privileges');
    assert.equal(nnp.status, 'fail');
    assert.match(
      nnp.reason,
      new RegExp(`waiver waivers\\[1\\] \\(owner app-team\\) expired ${day(-1)}T00:00:00Z`),
    );

    const priv = control(report, 'container_privileged');
    assert.equal(priv.status, 'fail');
    assert.deepEqual(
      priv.containers!.map((c) => c.name),
      ['web'],
    );
    assert.deepEqual(
      priv.waivedContainers!.map((c) => [c.name, c.waiver.index]),
      [['legacy-agent', 3]],
    );
    assert.match(priv.reason, /not waived: web/);

    assert.deepEqual(
      report.waivers.entries.map((w) => w.state),
      ['active', 'expired', 'unused', 'active'],
    );
  });

  test('check: a container waiver by label; waived controls do not count for --fail-on', async () => {
    const { report } = await check(byLabel, ['--fail-on=none']);
    const priv = control(report, 'container_privileged');
    assert.deepEqual(
      priv.waivedContainers!.map((c) => c.name),
      ['legacy-agent'],
    );
    assert.deepEqual(
      priv.containers!.map((c) => c.name),
      ['web'],
    );
    // container_privileged is critical: with web still failing, --fail-on critical exits 1 ...
    const scoped = ['--controls=container_privileged,userland_proxy', '--fail-on=critical'];
    assert.equal((await check(byLabel + PROXY_WAIVER, scoped)).code, 1);
    // ... and once both are waived, nothing at or above critical fails.
    const all = `${byLabel}  - controls: [container_privileged]\n    reason: front tier too, for now\n    owner: web-team\n    expires: "${day(10)}"\n    containers:\n      names: [web]\n`;
    const both = await check(all + PROXY_WAIVER, [
      '--controls=container_privileged,userland_proxy',
      '--fail-on=low',
    ]);
    assert.equal(control(both.report, 'container_privileged').status, 'waived');
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual(
      both.report.controls.map((c) => c.id),
      ['userland_proxy', 'container_privileged'],
    );
    const text = await runCli([
      'check',
      `--docker.host=${daemon.host}`,
      `--waivers.file=${join(work, 'check.yml')}`,
      '--controls=container_privileged,userland_proxy,no_new_privileges',
    ]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /WAIVED 2\.17 userland_proxy/);
    assert.match(text.stdout, /~ waived: web \(busybox\)/);
    assert.match(text.stdout, /\nexit 1: 1 failing at or above low: no_new_privileges \(medium\)\n$/);
  });

  describe('serve', () => {
    let exporter: TestExporter;
    let path: string;
    /** Waits until a scrape satisfies `ok` (1 s by default: the issue's bound for an edit); returns the ms it took. */
    const until = async (what: string, ok: (m: Metrics) => boolean, timeoutMs = 1_000) => {
      const started = performance.now();
      await waitFor(what, async () => ok(await exporter.scrape()), timeoutMs, 20);
      return performance.now() - started;
    };
    const failing = (m: Metrics) =>
      m
        .all('dockersec_container_control_failing', { control: 'container_privileged' })
        .map((s) => s.labels.container)
        .sort();

    before(async () => {
      path = await file('serve.yml', `waivers:\n${PROXY_WAIVER}${EXPIRED_WAIVER}${UNUSED_WAIVER}${byLabel}`);
      exporter = await startTestExporter([`--docker.host=${daemon.host}`, `--waivers.file=${path}`]);
    });
    after(async () => exporter?.close());

    test('metrics: statuses, waived containers out of the failing series and count, waiver states', async () => {
      const m = await exporter.scrape();
      assert.equal(m.status('userland_proxy'), 'waived');
      assert.equal(m.status('no_new_privileges'), 'fail');
      assert.equal(m.status('container_privileged'), 'fail');
      assert.deepEqual(failing(m), ['web']);
      assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_privileged' }), 1);
      for (const [state, n] of Object.entries({ active: 2, expiring: 0, expired: 1, unused: 1 }))
        assert.equal(m.get('dockersec_waivers', { state }), n, state);
      assert.equal(
        m.get('dockersec_waiver_expiry_timestamp_seconds', {
          control: 'userland_proxy',
          owner: 'platform-team',
        }),
        Date.parse(day(60)) / 1000,
      );
      assert.equal(m.get('dockersec_waiver_info', { control: 'userland_proxy', ticket: 'SEC-1234' }), 1);
      assert.equal(m.get('dockersec_waivers_last_reload_successful'), 1);
      const page = await fetch(`${exporter.url}/`).then((r) => r.text());
      assert.match(page, /badge-waived/);
      assert.match(page, /waived by <code>waivers\[0\]<\/code>/);
    });

    test('hot reload: an added waiver applies within 1 s, a removed one too, a broken file keeps the last good policy', async (t) => {
      // Add, saved the way editors do (a new file renamed over the old one): no_new_privileges waived.
      const live = EXPIRED_WAIVER.replace(day(-1), day(20));
      await writeFile(`${path}.tmp`, `waivers:\n${PROXY_WAIVER}${live}${UNUSED_WAIVER}${byLabel}`);
      await rename(`${path}.tmp`, path);
      const added = await until(
        'no_new_privileges waived',
        (m) => m.status('no_new_privileges') === 'waived',
      );
      // Remove: the label waiver goes, legacy-agent fails again.
      await writeFile(path, `waivers:\n${PROXY_WAIVER}${live}${UNUSED_WAIVER}`);
      const removed = await until(
        'legacy-agent failing again',
        (m) => failing(m).join() === 'legacy-agent,web',
      );
      t.diagnostic(`edit -> /metrics: added ${added.toFixed(0)} ms, removed ${removed.toFixed(0)} ms`);
      // Break: last good policy kept, last_reload_successful 0.
      await writeFile(path, `waivers:\n${PROXY_WAIVER}  - controls: [icc]\n    owner: me\n`);
      await until('reload refused', (m) => m.get('dockersec_waivers_last_reload_successful') === 0);
      const m = await exporter.scrape();
      assert.equal(m.status('userland_proxy'), 'waived');
      assert.equal(m.status('no_new_privileges'), 'waived');
      // Fixed: applies again.
      await writeFile(path, 'waivers: []\n');
      await until('empty policy', (x) => x.get('dockersec_waivers_last_reload_successful') === 1);
      await until('userland_proxy fails', (x) => x.status('userland_proxy') === 'fail');
    });

    test('time alone turns a waiver expired: the control fails again without any edit or event', async () => {
      const soon = new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
      await writeFile(path, `waivers:\n${PROXY_WAIVER.replace(`"${day(60)}"`, soon)}`);
      await until(
        'waived, expiring',
        (m) =>
          m.status('userland_proxy') === 'waived' && m.get('dockersec_waivers', { state: 'expiring' }) === 1,
      );
      const evaluations = (m: Metrics) =>
        m.all('dockersec_evaluations_total').reduce((n, x) => n + x.value, 0);
      const before = await exporter.scrape();
      await until('expired', (m) => m.get('dockersec_waivers', { state: 'expired' }) === 1, 6_000);
      assert.ok(Date.now() >= Date.parse(soon));
      const m = await exporter.scrape();
      assert.equal(m.status('userland_proxy'), 'fail');
      assert.equal(m.get('dockersec_evaluations_total', { trigger: 'waiver_expiry' }), 1);
      assert.equal(evaluations(m), evaluations(before) + 1, 'one evaluation, from the expiry');
      const report = (await fetch(`${exporter.url}/report?format=json`).then((r) =>
        r.json(),
      )) as WaiverReport;
      assert.match(
        control(report, 'userland_proxy').reason,
        new RegExp(`waiver waivers\\[0\\] \\(owner platform-team, ticket SEC-1234\\) expired ${soon}`),
      );
    });
  });

  test('a malformed waivers file: exit 2 and one line naming the file, the entry and the field (check and serve)', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'missing-owner.yml',
        `waivers:\n  - controls: [icc]\n    reason: r\n    expires: "${day(5)}"\n`,
        /missing-owner\.yml:2: waivers\[0\]\.owner: required$/,
      ],
      [
        'empty-reason.yml',
        `waivers:\n  - controls: [icc]\n    reason: ""\n    owner: o\n    expires: "${day(5)}"\n`,
        /waivers\[0\]\.reason: must not be empty$/,
      ],
      [
        'no-expiry.yml',
        'waivers:\n  - controls: [icc]\n    reason: r\n    owner: o\n',
        /waivers\[0\]\.expires: required$/,
      ],
      [
        'unknown-control.yml',
        `waivers:\n  - controls: [icc, iccc]\n    reason: r\n    owner: o\n    expires: "${day(5)}"\n`,
        /waivers\[0\]\.controls\[1\]: unknown control id "iccc"$/,
      ],
      [
        'unknown-field.yml',
        `waivers:\n  - controls: [icc]\n    reason: r\n    owner: o\n    expires: "${day(5)}"\n    approver: x\n`,
        /waivers\[0\]\.approver: unknown field/,
      ],
      [
        'bad-date.yml',
        'waivers:\n  - controls: [icc]\n    reason: r\n    owner: o\n    expires: "31/03/2027"\n',
        /waivers\[0\]\.expires: "31\/03\/2027" is not a date/,
      ],
      [
        'too-far.yml',
        `waivers:\n  - controls: [icc]\n    reason: r\n    owner: o\n    expires: "${day(400)}"\n`,
        /waivers\[0\]\.expires: .* more than --waivers\.max-duration \(365 days\) away/,
      ],
      [
        'scope.yml',
        `waivers:\n  - controls: [icc]\n    reason: r\n    owner: o\n    expires: "${day(5)}"\n    containers: {names: [x]}\n`,
        /waivers\[0\]\.containers: control icc is not judged per container/,
      ],
      ['not-yaml.yml', 'waivers: [\n', /not valid YAML/],
    ];
    for (const [name, body, re] of cases) {
      const path = await file(name, body);
      const r = await runCli(['check', `--docker.host=${daemon.host}`, `--waivers.file=${path}`]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, '', `${name}: no report`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.ok(lines[0]!.includes(path), `${name} names the file: ${lines[0]}`);
      assert.match(lines[0]!, re, name);
    }
    // Unreadable: missing, a FIFO, too large.
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [join(work, 'fifo.yml')]);
    await file('huge.yml', `# ${'x'.repeat(1024 * 1024)}\nwaivers: []\n`);
    for (const [name, re] of [
      ['absent.yml', /cannot read the waivers file \(no such file\)/],
      ['fifo.yml', /is a fifo, not a regular file/],
      ['huge.yml', /over the 1 MiB limit/],
    ] as const) {
      const r = await runCli(['check', `--docker.host=${daemon.host}`, `--waivers.file=${join(work, name)}`]);
      assert.equal(r.code, 2, name);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    // serve refuses to start on the same file, with one line.
    const serve = await runCli([
      '--web.listen-address=127.0.0.1:0',
      `--docker.host=${daemon.host}`,
      `--waivers.file=${join(work, 'missing-owner.yml')}`,
    ]);
    assert.equal(serve.code, 2);
    const lines = serve.stderr
      .trimEnd()
      .split('\n')
      .filter((l) => l.includes('level=error'));
    assert.equal(lines.length, 1, serve.stderr);
    assert.match(lines[0]!, /missing-owner\.yml:2: waivers\[0\]\.owner: required/);
  });
});

describe('check --controls in CI, without a daemon', { timeout: 120_000 }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'dockersec-ci-'));
  });
  after(async () => rm(work, { recursive: true, force: true }));

  const CONTROLS = 'config_valid,userland_proxy,no_new_privileges,log_rotation,default_ulimits,cgroup_parent';
  const ci = (config: string, extra: string[] = []) =>
    checkJson([
      `--docker.host=unix://${work}/no-daemon.sock`,
      `--docker.config-file=${config}`,
      `--controls=${CONTROLS}`,
      ...extra,
    ]);

  test('only the daemon.json controls are judged: exit 0 on a good file, 1 on a bad one', async () => {
    const good = join(work, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        'userland-proxy': false,
        'no-new-privileges': true,
        'log-driver': 'json-file',
        'log-opts': { 'max-size': '10m', 'max-file': '3' },
        'default-ulimits': { nofile: { Name: 'nofile', Soft: 64000, Hard: 64000 } },
      }),
    );
    const ok = await ci(good);
    assert.deepEqual(ok.report.controls.map((c) => c.id).sort(), CONTROLS.split(',').sort());
    for (const c of ok.report.controls) assert.equal(c.status, 'pass', `${c.id}: ${c.reason}`);
    assert.equal(ok.code, 0);

    const bad = join(work, 'bad.json');
    await writeFile(bad, JSON.stringify({ 'userland-proxy': true }));
    const failing = await ci(bad);
    assert.equal(failing.code, 1);
    assert.equal(failing.report.controls.find((c) => c.id === 'userland_proxy')!.status, 'fail');
    assert.equal(
      (await ci(bad, ['--skip=userland_proxy,no_new_privileges,log_rotation,default_ulimits'])).code,
      0,
    );
  });

  test('a --docker.config-file given but absent, an unknown control or section: exit 2, one line', async () => {
    for (const args of [
      [`--docker.config-file=${work}/absent.json`],
      ['--controls=icc,no_such_control'],
      ['--sections=daemon'],
      ['--skip=nope'],
    ]) {
      const r = await runCli(['check', `--docker.host=unix://${work}/no-daemon.sock`, ...args]);
      assert.equal(r.code, 2, `${args}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
  });
});
