// Rootless, for real (issue 13): a rootless dockerd started as an unprivileged user through the release's
// dockerd-rootless.sh and rootlesskit (test/support/rootlessDaemon.ts), audited by `check --format json`
// twice: as root with --docker.host at the rootless socket, and as the user itself with no flags at all (the
// exporter must find $XDG_RUNTIME_DIR/docker.sock, ~/.config/docker/daemon.json and ~/.local/share/docker on
// its own). Both reports must say rootless, locate the user's files, pass `rootless` (CIS 2.1) and judge the
// files by their owner being the user, not root; opening those files up must fail the same controls.
//
// When the machine cannot run a rootless daemon, the test says why (a diagnostic and the skip reason) and
// the same assertions run on a report captured from a real one, so the fixture is checked either way.
// Re-capture it (as root, on a machine that runs rootless dockerd) with:
//   DOCKERSEC_CAPTURE_ROOTLESS_FIXTURE=1 node --import tsx --test test/integration/rootless.test.ts
// which writes the root-run report to test/fixtures/rootless/check-<release>-rootlesskit-net-<net>.json and
// the daemon's paths beside it (.capture.json). DOCKERSEC_REQUIRE_ROOTLESS=1 turns "cannot start" into a
// failure (CI on a machine known to run it).
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testRelease } from '../support/dockerd.js';
import { cliCommand, ROOT, runCli } from '../support/exporter.js';
import {
  type RootlessDaemon,
  rootlessUnavailableReason,
  startRootlessDaemon,
} from '../support/rootlessDaemon.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'rootless');
/** The captured report the fallback checks, and its .capture.json with the daemon's paths. */
const FIXTURE = join(FIXTURES, 'check-20.10-rootlesskit-net-host.json');
const NOBODY = 65534;

interface Control {
  id: string;
  status: string;
  reason: string;
  observed: Record<string, unknown> | null;
}
interface Report {
  docker: { host: string; reachable: boolean; version: string | null; rootless: boolean | null };
  daemonConfig: { path: string | null };
  sources: Record<string, { up: boolean; error: string | null }>;
  summary: Record<string, number>;
  controls: Control[];
}

/** Where a rootless daemon keeps what the exporter must find: its defaults under the user's directories. */
interface Expected {
  user: string;
  uid: number;
  home: string;
  runtimeDir: string;
  socketPath: string;
  configPath: string;
  dataRoot: string;
}

function parseReport(stdout: string, stderr: string, code: number): Report {
  try {
    return JSON.parse(stdout) as Report;
  } catch {
    throw new Error(`check did not print JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
}

function controls(report: Report): Map<string, Control> {
  return new Map(report.controls.map((c) => [c.id, c]));
}

function verdict(v: Map<string, Control>, id: string, status: string): Control {
  const c = v.get(id);
  assert.ok(c, `no control ${id} in the report`);
  assert.equal(c.status, status, `${id}: ${c.status} (${c.reason})`);
  return c;
}

/** What Docker's rootless documentation implies for every verdict this test is about. */
function assertRootlessReport(report: Report, e: Expected): void {
  assert.equal(report.docker.reachable, true, 'the rootless daemon answers');
  assert.equal(report.docker.rootless, true, 'docker.rootless');
  assert.equal(report.docker.host, `unix://${e.socketPath}`);
  // The config file dockerd reads in rootless mode: ~/.config/docker/daemon.json of the daemon's user.
  assert.equal(report.daemonConfig.path, e.configPath);
  for (const source of ['daemon_config', 'dockerd_cmdline', 'docker_api', 'file_stats', 'host_files']) {
    assert.equal(report.sources[source]?.up, true, `source ${source}: ${report.sources[source]?.error}`);
  }
  const errors = report.controls.filter((c) => c.status === 'error').map((c) => `${c.id}: ${c.reason}`);
  assert.deepEqual(errors, [], 'no control is left undecided');
  const v = controls(report);

  // CIS 2.1 and what rootless implies for the others.
  verdict(v, 'rootless', 'pass');
  verdict(v, 'userns_remap', 'pass');
  verdict(v, 'docker_group_members', 'not_applicable');
  // daemon.json was found and read: validated at its path, and a value from it judged as the file's.
  assert.equal(verdict(v, 'config_valid', 'pass').observed?.path, e.configPath);
  assert.match(verdict(v, 'log_level', 'pass').reason, /\(daemon\.json\)/);
  assert.equal(verdict(v, 'no_new_privileges', 'pass').observed?.origin, 'file');

  // The files of a rootless daemon belong to its user (Docker: "the daemon and the containers run as the
  // user"): owned by the user, with root's modes.
  const owned = (id: string, path: string) => {
    const c = verdict(v, id, 'pass');
    assert.equal(c.observed?.path, path, `${id} judged ${String(c.observed?.path)}`);
    assert.equal(c.observed?.uid, e.uid, `${id}: owner uid`);
  };
  const mode = (id: string, path: string) => {
    assert.equal(verdict(v, id, 'pass').observed?.path, path, `${id} path`);
  };
  const configDir = dirname(e.configPath);
  const containerdSocket = join(e.runtimeDir, 'docker', 'containerd', 'containerd.sock');
  owned('socket_ownership', e.socketPath);
  mode('socket_permissions', e.socketPath);
  owned('daemon_json_ownership', e.configPath);
  mode('daemon_json_permissions', e.configPath);
  owned('etc_docker_ownership', configDir);
  mode('etc_docker_permissions', configDir);
  owned('containerd_socket_ownership', containerdSocket);
  mode('containerd_socket_permissions', containerdSocket);

  // The data root is the user's: CIS 1.1.1 and the audit rule look at it, not at /var/lib/docker.
  const partition = v.get('docker_partition');
  assert.equal(
    partition?.observed?.path,
    e.dataRoot,
    `docker_partition judged ${String(partition?.observed?.path)}`,
  );
  assert.equal(v.get('audit_data_root')?.observed?.path, e.dataRoot);
  assert.equal(v.get('audit_etc_docker')?.observed?.path, configDir);
  assert.equal(v.get('audit_daemon_json')?.observed?.path, e.configPath);
  assert.equal(v.get('audit_run_containerd')?.observed?.path, dirname(containerdSocket));
  assert.equal(v.get('audit_docker_sock')?.observed?.path, e.socketPath);
}

describe('rootless dockerd, for real', { timeout: 900_000 }, () => {
  const release = testRelease();
  let unavailable: string | null = rootlessUnavailableReason(release);
  let daemon: RootlessDaemon | null = null;
  let expected: Expected;
  let startLog: string[] = [];

  before(async () => {
    if (unavailable) return;
    try {
      daemon = await startRootlessDaemon({
        release,
        // Judged by the tests below as read from the file.
        config: { 'log-level': 'info', 'no-new-privileges': true },
      });
    } catch (err) {
      if (process.env.DOCKERSEC_REQUIRE_ROOTLESS === '1') throw err;
      // The first line says why, for the skip reason; dockerd's log of each attempt follows.
      const [why, ...log] = (err as Error).message.split('\n');
      unavailable = `could not start a rootless dockerd here: ${why}`;
      startLog = log;
      return;
    }
    expected = {
      user: daemon.user.name,
      uid: daemon.user.uid,
      home: daemon.user.home,
      runtimeDir: daemon.runtimeDir,
      socketPath: daemon.socketPath,
      configPath: daemon.configPath,
      dataRoot: daemon.dataRoot,
    };
  });

  after(async () => {
    await daemon?.destroy();
  });

  const checkAsRoot = async (): Promise<{ report: Report; code: number }> => {
    const r = await runCli(['check', '--format', 'json', `--docker.host=unix://${daemon!.socketPath}`], {
      timeoutMs: 120_000,
    });
    return { report: parseReport(r.stdout, r.stderr, r.code), code: r.code };
  };

  test('how the daemon runs', (t) => {
    if (!daemon) return t.skip(unavailable ?? 'no daemon');
    for (const note of daemon.user.notes) t.diagnostic(`machine prepared: ${note}`);
    for (const a of daemon.attempts) t.diagnostic(`start that failed first: ${a}`);
    t.diagnostic(
      `dockerd ${release} rootless as ${daemon.user.name} (uid ${daemon.user.uid}) via rootlesskit --net=${daemon.net}, ` +
        `XDG_RUNTIME_DIR=${daemon.runtimeDir}`,
    );
    // dockerd itself runs as the user (root only inside its user namespace).
    const pid = daemon.dockerdPid();
    assert.ok(pid, 'a dockerd process below rootlesskit');
    assert.equal(statSync(`/proc/${pid}`).uid, daemon.user.uid);
  });

  test('as root with --docker.host at the rootless socket', async (t) => {
    if (!daemon) return t.skip(unavailable ?? 'no daemon');
    const { report, code } = await checkAsRoot();
    assert.notEqual(code, 2, 'a complete report');
    assertRootlessReport(report, expected);
    if (process.env.DOCKERSEC_CAPTURE_ROOTLESS_FIXTURE === '1') {
      const name = `check-${release}-rootlesskit-net-${daemon.net}`;
      writeFileSync(join(FIXTURES, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
      const capture = {
        command:
          'DOCKERSEC_CAPTURE_ROOTLESS_FIXTURE=1 node --import tsx --test test/integration/rootless.test.ts',
        release,
        dockerd: report.docker.version,
        rootlesskitNet: daemon.net,
        capturedAt: new Date().toISOString().slice(0, 10),
        ...expected,
      };
      writeFileSync(join(FIXTURES, `${name}.capture.json`), `${JSON.stringify(capture, null, 2)}\n`);
      t.diagnostic(`captured ${name}.json`);
    }
  });

  test('as the rootless user itself, with no flags: it finds its own daemon', async (t) => {
    if (!daemon) return t.skip(unavailable ?? 'no daemon');
    // Exactly the user's login environment: no DOCKER_HOST, no flag naming a socket or a file.
    const r = await runCli(['check', '--format', 'json'], {
      command: daemon.asUser(cliCommand(), { NO_COLOR: '1' }),
      timeoutMs: 120_000,
    });
    assert.notEqual(r.code, 2, `a complete report:\n${r.stderr}`);
    assertRootlessReport(parseReport(r.stdout, r.stderr, r.code), expected);
  });

  test('the same file controls fail once the rootless files are opened up', async (t) => {
    if (!daemon) return t.skip(unavailable ?? 'no daemon');
    const configDir = dirname(daemon.configPath);
    const saved = [daemon.socketPath, daemon.configPath, configDir].map((p) => {
      const st = statSync(p);
      return { p, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    });
    try {
      chmodSync(daemon.socketPath, 0o1666);
      chmodSync(daemon.configPath, 0o666);
      chmodSync(configDir, 0o777);
      const { report } = await checkAsRoot();
      const v = controls(report);
      assert.match(verdict(v, 'socket_permissions', 'fail').reason, /beyond 660/);
      verdict(v, 'daemon_json_permissions', 'fail');
      verdict(v, 'etc_docker_permissions', 'fail');
      // Another unprivileged user owning the config is no better than a world-writable one.
      chmodSync(daemon.configPath, 0o644);
      chownSync(daemon.configPath, NOBODY, NOBODY);
      const again = controls((await checkAsRoot()).report);
      verdict(again, 'daemon_json_ownership', 'fail');
      verdict(again, 'daemon_json_permissions', 'pass');
    } finally {
      for (const s of saved) {
        chownSync(s.p, s.uid, s.gid);
        chmodSync(s.p, s.mode);
      }
    }
  });

  test('a report captured from a real rootless daemon (test/fixtures/rootless)', (t) => {
    if (daemon) t.diagnostic('checked beside the live daemon, so that the fixture stays true');
    else {
      t.diagnostic(`no live rootless daemon: ${unavailable}; the captured report stands in for it`);
      for (const line of startLog) t.diagnostic(line);
    }
    const report = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
    const capture = JSON.parse(readFileSync(FIXTURE.replace(/\.json$/, '.capture.json'), 'utf8')) as Expected;
    assertRootlessReport(report, capture);
  });
});
