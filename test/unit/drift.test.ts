// config_drift over fixtures (baseline, API, reload event, systemd unit, TLS files), the config baseline
// recorder against real files and real processes, and systemd's command line syntax.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configDrift } from '../../src/controls/daemon/drift.js';
import type { ControlDefinition } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { decodeDaemonJson } from '../../src/facts/daemonJson.js';
import type { DaemonConfigFile, DockerdProcess } from '../../src/facts/types.js';
import { renderEvaluation } from '../../src/outputs/metrics/evaluationMetrics.js';
import { ConfigBaselineRecorder } from '../../src/sources/configBaseline.js';
import { HostPaths } from '../../src/sources/hostPaths.js';
import { expandExecLine, parseEnvironmentFile, splitWords } from '../../src/sources/systemd/unitFile.js';
import {
  certificate,
  fileStat,
  listener,
  NOW_SECONDS,
  probed,
  stockSystemd,
  tlsFile,
} from '../support/exposureFacts.js';
import { baseInfo, type FactsOverrides, makeFacts } from '../support/facts.js';

const run = (c: ControlDefinition, o: FactsOverrides = {}) => evaluate(makeFacts(o), [c]).results[0]!;
const atStart = (file: Record<string, unknown>) => ({
  configBaseline: { atStart: { known: true as const, file } },
});
const unknownStart = {
  configBaseline: {
    atStart: { known: false as const, reason: 'daemon.json changed at T, after dockerd started at S' },
  },
};
/** dockerd started by hand (not from a unit), so the running command line is the configured one. */
const noUnit = { systemd: { ...stockSystemd(), dockerdUnit: null } };

describe('config_drift', () => {
  test('passes when daemon.json is what dockerd read', () => {
    const r = run(configDrift, { config: { icc: false }, exposure: noUnit });
    assert.equal(r.status, 'pass', r.reason);
    assert.match(r.reason, /running command line/);
  });

  test('a restart key edited after start fails, naming the key and both values', () => {
    const r = run(configDrift, {
      config: { icc: false, 'userland-proxy': false },
      exposure: { ...noUnit, ...atStart({}) },
    });
    assert.equal(r.status, 'fail');
    assert.match(
      r.reason,
      /will change at the next restart: icc: false configured, unset running \(baseline\); userland-proxy: false configured/,
    );
    assert.deepEqual(r.keys, ['icc', 'userland-proxy']);
  });

  test('a key removed from daemon.json is drift too', () => {
    const r = run(configDrift, {
      config: {},
      exposure: { ...noUnit, ...atStart({ 'no-new-privileges': true }) },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /no-new-privileges: unset configured, true running/);
  });

  test('reload keys: changed but not reloaded; the daemon showing the new value means it was reloaded', () => {
    const o = { config: { 'live-restore': true, debug: true }, exposure: { ...noUnit, ...atStart({}) } };
    const r = run(configDrift, o);
    assert.equal(r.status, 'fail');
    assert.match(
      r.reason,
      /changed but not reloaded \(SIGHUP\): debug: true configured, unset running.*live-restore/,
    );
    assert.doesNotMatch(r.reason, /next restart/);
    const reloaded = run(configDrift, { ...o, info: { liveRestoreEnabled: true, debug: true } });
    assert.equal(reloaded.status, 'pass', reloaded.reason);
  });

  test('after a reload the exporter saw, reload keys compare with that snapshot, restart keys still with the start', () => {
    const config = { 'live-restore': true, icc: false };
    const r = run(configDrift, {
      config,
      exposure: {
        ...noUnit,
        configBaseline: {
          atStart: { known: true, file: {} },
          lastReload: {
            timeSeconds: NOW_SECONDS,
            attributes: { 'live-restore': 'true' },
            config: { known: true, file: config },
          },
        },
      },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /next restart: icc/);
    assert.doesNotMatch(r.reason, /live-restore/);
  });

  test('a reload whose daemon.json the exporter missed is judged by the event attributes', () => {
    const exposure = {
      ...noUnit,
      configBaseline: {
        atStart: { known: true as const, file: {} },
        lastReload: {
          timeSeconds: NOW_SECONDS,
          attributes: { 'registry-mirrors': '["https://m.example"]', debug: 'false' },
          config: { known: false as const, reason: 'changed after the reload' },
        },
      },
    };
    const same = run(configDrift, { config: { 'registry-mirrors': ['https://m.example'] }, exposure });
    assert.equal(same.status, 'pass', same.reason);
    const other = run(configDrift, { config: { 'registry-mirrors': ['https://other.example'] }, exposure });
    assert.equal(other.status, 'fail');
    assert.match(
      other.reason,
      /registry-mirrors: \["https:\/\/other\.example"\] configured, \["https:\/\/m\.example"\] running \(reload_event\)/,
    );
  });

  test('edited after dockerd started, no reload since: keys whose running value cannot be seen fail, not "matches" (issue 13)', () => {
    const edited = {
      configBaseline: {
        daemon: { pid: 4242, startTimeSeconds: 1000 },
        configChangedSeconds: 2000,
        atStart: { known: false as const, reason: 'daemon.json changed at T2, after dockerd started at T1' },
        lastReload: null,
      },
    };
    const r = run(configDrift, {
      config: { icc: false, 'userland-proxy': false },
      bridge: { exists: true, options: { 'com.docker.network.bridge.enable_icc': 'false' } },
      exposure: { ...noUnit, ...edited },
    });
    assert.equal(r.status, 'fail', r.reason);
    assert.match(
      r.reason,
      /pending, running value cannot be seen: userland-proxy \(daemon\.json changed at T2/,
    );
    assert.doesNotMatch(r.reason, /matches/);
    assert.deepEqual(r.keys, ['userland-proxy']);
    // A reload seen after the edit applies the reloadable keys (debug); userland-proxy waits for a restart.
    const reloaded = run(configDrift, {
      config: { 'userland-proxy': false, debug: true },
      exposure: {
        ...noUnit,
        configBaseline: {
          ...edited.configBaseline,
          lastReload: {
            timeSeconds: 3000,
            attributes: {},
            config: { known: true as const, file: { 'userland-proxy': false, debug: true } },
          },
        },
      },
    });
    assert.equal(reloaded.status, 'fail', reloaded.reason);
    assert.deepEqual(reloaded.keys, ['userland-proxy']);
    const since = run(configDrift, {
      config: { debug: true },
      exposure: {
        ...noUnit,
        configBaseline: {
          ...edited.configBaseline,
          lastReload: {
            timeSeconds: 3000,
            attributes: {},
            config: { known: true as const, file: { debug: true } },
          },
        },
      },
    });
    assert.equal(since.status, 'pass', since.reason);
  });

  test('baseline unknown: keys the API shows are compared with it, the others named as unknown', () => {
    const r = run(configDrift, {
      config: { icc: false, 'userland-proxy': false, 'log-driver': 'json-file' },
      exposure: { ...noUnit, ...unknownStart },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /icc: false configured, true running \(api\)/);
    assert.doesNotMatch(r.reason, /log-driver/);
    assert.match(
      r.reason,
      /value at start unknown for userland-proxy \(daemon\.json changed at T, after dockerd started at S\)/,
    );
    const icc = run(configDrift, {
      config: { icc: false, 'userland-proxy': false },
      bridge: { exists: true, options: { 'com.docker.network.bridge.enable_icc': 'false' } },
      exposure: { ...noUnit, ...unknownStart },
    });
    assert.equal(icc.status, 'pass', icc.reason);
    assert.match(icc.reason, /unknown for userland-proxy/);
  });

  test('seccomp and userns from SecurityOptions when the baseline is unknown', () => {
    const r = run(configDrift, {
      config: { 'seccomp-profile': 'unconfined', 'userns-remap': 'default' },
      exposure: { ...noUnit, ...unknownStart },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /seccomp-profile: "unconfined" configured, "default" running/);
    assert.match(r.reason, /userns-remap: "default" configured, false running/);
    const applied = run(configDrift, {
      config: { 'seccomp-profile': 'unconfined', 'userns-remap': 'default' },
      info: { securityOptions: ['name=seccomp,profile=unconfined', 'name=userns'] },
      exposure: { ...noUnit, ...unknownStart },
    });
    assert.equal(applied.status, 'pass', applied.reason);
  });

  test('flags are always known: the unit ExecStart against the running command line', () => {
    const systemd = {
      ...stockSystemd(),
      execStart: {
        argv: ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--icc=false'],
        problem: null,
      },
    };
    const r = run(configDrift, { exposure: { systemd } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /icc: false configured, unset running \(baseline\)/);
    // With daemon.json at start unknown, the daemon itself says what runs.
    const viaApi = run(configDrift, { exposure: { systemd, ...unknownStart } });
    assert.match(viaApi.reason, /icc: false configured, true running \(api\)/);
    assert.equal((r.observed as { flags_from: string }).flags_from, 'docker.service ExecStart');
    assert.equal(run(configDrift).status, 'pass', 'stock unit = stock command line');
  });

  test('a unit command line that cannot be expanded falls back to the running one, and says why', () => {
    const systemd = {
      ...stockSystemd(),
      execStart: { argv: null, problem: 'ExecStart uses systemd specifiers (%)' },
    };
    const r = run(configDrift, { exposure: { systemd } });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /specifiers/);
  });

  test('TLS files: the listener presents another certificate than the file; a key replaced after start', () => {
    const l = listener('127.0.0.1', 2376);
    const r = run(configDrift, {
      exposure: {
        ...noUnit,
        tlsFiles: [
          tlsFile('server', { certificates: [certificate(300, { fingerprint256: 'NEW' })] }),
          tlsFile('key', {
            stat: fileStat('/etc/docker/tls/server-key.pem', { mode: 0o400, mtimeSeconds: NOW_SECONDS }),
          }),
        ],
        exposure: { listeners: [probed(l, 'mtls', certificate(5, { fingerprint256: 'OLD' }))] },
      },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /tlscert \(the listener presents another certificate than the file holds\)/);
    assert.match(r.reason, /tlskey \(\/etc\/docker\/tls\/server-key\.pem was modified at/);
    const same = run(configDrift, {
      exposure: {
        ...noUnit,
        tlsFiles: [tlsFile('server', { certificates: [certificate(300, { fingerprint256: 'OLD' })] })],
        exposure: { listeners: [probed(l, 'mtls', certificate(300, { fingerprint256: 'OLD' }))] },
      },
    });
    assert.equal(same.status, 'pass', same.reason);
  });

  test('a TLS file the exporter may not stat is unknown, never "matches"', () => {
    const r = run(configDrift, {
      exposure: {
        ...noUnit,
        tlsFiles: [
          tlsFile('key', {
            stat: fileStat('/etc/docker/tls/server-key.pem', { exists: false, denied: true, kind: null }),
          }),
        ],
      },
    });
    assert.notEqual(r.status, 'error', r.reason);
    assert.match(r.reason, /unknown for tlskey/);
    assert.deepEqual((r.observed as { unknown: string[] }).unknown, ['tlskey']);
  });

  test('errors: broken daemon.json, dockerd not visible, daemon down', () => {
    assert.equal(run(configDrift, { config: '{"icc": false,' }).status, 'error');
    const invisible = run(configDrift, { noDockerd: true });
    assert.equal(invisible.status, 'error');
    assert.match(invisible.reason, /running dockerd is unknown/);
    const down = run(configDrift, { noDockerd: true, apiDown: true });
    assert.equal(down.status, 'error');
    assert.match(down.reason, /not running/);
  });

  test('metrics: restart and reload pending', async () => {
    const metric = async (o: FactsOverrides) => {
      const text = await renderEvaluation(evaluate(makeFacts(o), [configDrift]), {
        version: 't',
        revision: 't',
      } as never);
      const get = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      return [get('dockersec_daemon_config_restart_pending'), get('dockersec_daemon_config_reload_pending')];
    };
    assert.deepEqual(await metric({ config: {}, exposure: noUnit }), [0, 0]);
    assert.deepEqual(
      await metric({ config: { icc: false }, exposure: { ...noUnit, ...atStart({}) } }),
      [1, 0],
    );
    assert.deepEqual(
      await metric({ config: { debug: true }, exposure: { ...noUnit, ...atStart({}) } }),
      [0, 1],
    );
    const none = await renderEvaluation(evaluate(makeFacts({ noDockerd: true }), [configDrift]), {
      version: 't',
      revision: 't',
    } as never);
    assert.doesNotMatch(none, /restart_pending/, 'unknown is no series, not a 0');
  });

  test('credentials never reach the reason or the report: proxy and log-opts withheld, URL userinfo masked', () => {
    const r = run(configDrift, {
      config: {
        proxies: { 'http-proxy': 'http://user:hunter2@proxy:3128' },
        'log-opts': { 'splunk-token': 'tok-123' },
        'registry-mirrors': ['https://mirror-user:s3cret@mirror.example'],
      },
      exposure: { ...noUnit, ...atStart({}) },
    });
    assert.equal(r.status, 'fail');
    const text = JSON.stringify([r.reason, r.observed]);
    for (const secret of ['hunter2', 'tok-123', 's3cret', 'mirror-user'])
      assert.ok(!text.includes(secret), secret);
    assert.match(r.reason, /proxies: "\(not shown\)" configured/);
    assert.match(r.reason, /https:\/\/xxxxx:xxxxx@mirror\.example/);
  });

  test('insecure registries: configured names and CIDRs against /info', () => {
    const o = {
      config: { 'insecure-registries': ['10.0.0.0/8', 'reg:5000'] },
      exposure: { ...noUnit, ...unknownStart },
    };
    assert.equal(run(configDrift, o).status, 'fail');
    const applied = run(configDrift, {
      ...o,
      info: {
        insecureRegistryCIDRs: [...baseInfo.insecureRegistryCIDRs, '10.0.0.0/8'],
        insecureIndexes: ['reg:5000'],
      },
    });
    assert.equal(applied.status, 'pass', applied.reason);
  });
});

describe('config baseline recorder (real files, real processes)', () => {
  let dir: string;
  let configPath: string;
  const children: ChildProcess[] = [];
  const paths = new HostPaths('/');

  /** A real process standing in for dockerd: its start time is what the recorder compares with. */
  async function startProcess(): Promise<DockerdProcess> {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((r) => setTimeout(r, 50));
    return {
      pid: child.pid!,
      uid: 0,
      args: [],
      env: {},
      cwd: '/',
      startTimeSeconds: Date.now() / 1000,
      matchedBy: 'hosts',
    };
  }
  const config = (text: string): DaemonConfigFile => {
    const d = decodeDaemonJson(text);
    return { path: configPath, origin: 'flag', exists: true, text, parsed: d.parsed, parseError: d.error };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockersec-baseline-'));
    configPath = join(dir, 'daemon.json');
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  test('file older than the process: known, and kept through later edits', async () => {
    await writeFile(configPath, '{"icc": false}');
    await sleep(30);
    const dockerd = await startProcess();
    const rec = new ConfigBaselineRecorder();
    const first = await rec.observe(paths, { dockerd, config: config('{"icc": false}') });
    assert.ok(first.ok);
    assert.deepEqual(first.value.atStart, { known: true, file: { icc: false } });
    assert.ok(Math.abs(first.value.daemon!.startTimeSeconds - Date.now() / 1000) < 2, 'precise start time');
    await writeFile(configPath, '{"icc": true}');
    const second = await rec.observe(paths, { dockerd, config: config('{"icc": true}') });
    assert.ok(second.ok);
    assert.deepEqual(second.value.atStart, { known: true, file: { icc: false } });
    assert.ok(second.value.configChangedSeconds! > second.value.daemon!.startTimeSeconds);

    // A reload event after the edit: the reload snapshot is the edited file.
    await sleep(20);
    rec.noteEvent({
      Type: 'daemon',
      Action: 'reload',
      timeNano: Date.now() * 1e6,
      Actor: { Attributes: { debug: 'false' } },
    });
    const third = await rec.observe(paths, { dockerd, config: config('{"icc": true}') });
    assert.ok(third.ok);
    assert.deepEqual(third.value.lastReload?.config, { known: true, file: { icc: true } });
    assert.deepEqual(third.value.lastReload?.attributes, { debug: 'false' });

    // Another process (a restart): the baseline starts over from the file as it is.
    await sleep(30);
    const restarted = await startProcess();
    const fourth = await rec.observe(paths, { dockerd: restarted, config: config('{"icc": true}') });
    assert.ok(fourth.ok);
    assert.deepEqual(fourth.value.atStart, { known: true, file: { icc: true } });
    assert.equal(fourth.value.lastReload, null);
  });

  test('file changed after the process started, before the exporter looked: unknown, with the times', async () => {
    const dockerd = await startProcess();
    await sleep(30);
    await writeFile(configPath, '{"debug": true}');
    const rec = new ConfigBaselineRecorder();
    const fact = await rec.observe(paths, { dockerd, config: config('{"debug": true}') });
    assert.ok(fact.ok);
    assert.equal(fact.value.atStart.known, false);
    assert.match(
      !fact.value.atStart.known ? fact.value.atStart.reason : '',
      /changed at .*after dockerd started at/,
    );
  });

  test('other events and reloads older than the start are ignored; no dockerd, no baseline', async () => {
    await writeFile(configPath, '{}');
    await sleep(30);
    const dockerd = await startProcess();
    const rec = new ConfigBaselineRecorder();
    rec.noteEvent({ Type: 'container', Action: 'start' });
    rec.noteEvent({ Type: 'daemon', Action: 'reload', time: 1 });
    const fact = await rec.observe(paths, { dockerd, config: config('{}') });
    assert.ok(fact.ok);
    assert.equal(fact.value.lastReload, null);
    const none = await rec.observe(paths, { dockerd: null, config: config('{}') });
    assert.ok(none.ok);
    assert.equal(none.value.daemon, null);
  });
});

describe("systemd's command line syntax", () => {
  test('quotes and escapes', () => {
    assert.deepEqual(
      splitWords(`/usr/bin/dockerd --label "a b" 'c d' e\\ f --x="y z"`).map((w) => w.text),
      ['/usr/bin/dockerd', '--label', 'a b', 'c d', 'e f', '--x=y z'],
    );
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's ${VAR} syntax, not a template
  test('$VAR splits into words, ${VAR} stays one, unset vanishes, ":" turns substitution off, "@" renames argv[0]', () => {
    const env = { OPTS: '--icc=false  --debug', ONE: 'a b' };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's ${VAR} syntax, not a template
    assert.deepEqual(expandExecLine('/usr/bin/dockerd $OPTS --label=${ONE} $UNSET', env), [
      '/usr/bin/dockerd',
      '--icc=false',
      '--debug',
      '--label=a b',
    ]);
    assert.deepEqual(expandExecLine(':/usr/bin/dockerd $OPTS', env), ['/usr/bin/dockerd', '$OPTS']);
    assert.deepEqual(expandExecLine('-@/usr/bin/dockerd dockerd -H fd://', env), [
      '/usr/bin/dockerd',
      '-H',
      'fd://',
    ]);
    assert.throws(() => expandExecLine('/usr/bin/dockerd --data-root=%h/docker', env), /specifiers/);
    assert.deepEqual(expandExecLine('/usr/bin/dockerd --x=100%%', env), ['/usr/bin/dockerd', '--x=100%']);
  });
  test('environment files: comments, quotes, last value wins', () => {
    assert.deepEqual(
      parseEnvironmentFile('# c\n; c\nDOCKER_OPTS="--dns 8.8.8.8"\nA=1\nA=2\nB=\'x y\'\nnot a line\n'),
      { DOCKER_OPTS: '--dns 8.8.8.8', A: '2', B: 'x y' },
    );
  });
});
