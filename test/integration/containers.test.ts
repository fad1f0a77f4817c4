// Runtime controls (CIS 4.1, 5.x) against a real dockerd: containers that fail each control, and one fully
// compliant container that no control may flag. Privileged containers cannot start on these machines, so most
// offenders are only created: a created container is in scope, one `docker start` away from running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import {
  type CheckReport,
  checkJson,
  cliCommand,
  ROOT,
  runCli,
  startTestExporter,
  type TestExporter,
  waitFor,
} from '../support/exporter.js';

const skip = dockerdUnavailableReason() ?? false;

interface Finding {
  id: string;
  name: string;
  image: string;
  reason: string;
}
type Report = Omit<CheckReport, 'controls'> & {
  controls: (CheckReport['controls'][number] & { containers?: Finding[] })[];
  sources: Record<string, { up: boolean }>;
};

const SECRET = 'hunter2-Zx9q';

const SSHD_SCRIPT =
  'printf "#!/bin/sh\\nwhile :; do sleep 1; done\\n" > /tmp/sshd && chmod +x /tmp/sshd && exec /tmp/sshd';

/** Every container here, and the runtime controls it must fail (beyond the ones every default container fails). */
const OFFENDERS: Record<string, { args: string[]; run?: boolean; fails: string[] }> = {
  privileged: { args: ['--privileged'], fails: ['container_privileged', 'container_seccomp'] },
  caps: { args: ['--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_RAW'], fails: ['container_capabilities'] },
  etc: { args: ['-v', '/etc:/host-etc:ro'], fails: ['container_sensitive_mounts'] },
  ports: { args: ['-p', '80:8080'], fails: ['container_privileged_ports', 'container_port_binding'] },
  v6: { args: ['-p', '[::]:8081:8081'], fails: ['container_port_binding'] },
  hostnet: { args: ['--network', 'host'], fails: ['container_host_network'] },
  hostns: {
    args: ['--pid', 'host', '--ipc', 'host', '--uts', 'host'],
    fails: ['container_host_pid', 'container_host_ipc', 'container_host_uts'],
  },
  devices: { args: ['--device', '/dev/null:/dev/xnull'], fails: ['container_host_devices'] },
  // Not /tmp: the sandboxed daemon's socket lives there, and a mount of it is rightly flagged.
  propagation: { args: ['-v', '/home:/x:rshared'], fails: ['container_mount_propagation'] },
  unconfined: { args: ['--security-opt', 'seccomp=unconfined'], fails: ['container_seccomp'] },
  cgroup: { args: ['--cgroup-parent', '/custom'], fails: ['container_cgroup_parent'] },
  nnpoff: { args: ['--security-opt', 'no-new-privileges=false'], fails: ['container_no_new_privileges'] },
  always: { args: ['--restart', 'always'], fails: ['container_restart_policy'] },
  retries: { args: ['--restart', 'on-failure:10'], fails: ['container_restart_policy'] },
  userns: { args: ['--userns', 'host'], fails: ['container_host_userns'] },
  root: { args: ['--user', '0:0'], fails: ['container_root_user'] },
  sshd: { args: ['--init', '--network', 'none'], run: true, fails: ['container_sshd'] },
  // Environment and labels often hold secrets: they must reach no output.
  secrets: { args: ['-e', `PASSWORD=${SECRET}`, '--label', `token=${SECRET}`], fails: [] },
};

/** What `docker create busybox` fails on a stock daemon: the defaults of Docker are not hardened. */
const DEFAULT_FAILS = [
  'container_root_user',
  'container_memory_limit',
  'container_cpu_shares',
  'container_readonly_rootfs',
  'container_healthcheck',
  'container_pids_limit',
  'container_no_new_privileges',
  'container_default_bridge',
];

/** Bridge-less modes (host, none) are not on docker0. */
const offBridge = new Set(['hostnet', 'sshd']);

describe('runtime controls on a real dockerd', { skip, timeout: 300_000 }, () => {
  let daemon: SandboxDaemon;
  let report: Report;
  let links: string;
  let reportText: string;

  const findings = (control: string): Finding[] =>
    report.controls.find((c) => c.id === control)?.containers ?? [];
  const failingNames = (control: string) =>
    findings(control)
      .map((f) => f.name)
      .sort();

  before(async () => {
    daemon = await startDaemon({ config: {}, bridge: true });
    await daemon.importBusybox();
    const docker = async (args: string[]) => {
      const r = await daemon.docker(args);
      assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await docker(['network', 'create', 'app']);
    for (const [name, o] of Object.entries(OFFENDERS)) {
      const cmd = o.run ? ['sh', '-c', SSHD_SCRIPT] : ['sleep', '1d'];
      await docker([
        o.run ? 'run' : 'create',
        ...(o.run ? ['-d'] : []),
        '--name',
        name,
        ...o.args,
        'busybox',
        ...cmd,
      ]);
    }
    // The daemon's own socket: directly, through the directory holding it, and through a symlink elsewhere.
    links = await mkdtemp(join(tmpdir(), 'dockersec-links-'));
    await symlink(dirname(daemon.socketPath), join(links, 'daemon-dir'));
    await docker(['create', '--name', 'sock', '-v', `${daemon.socketPath}:/var/run/docker.sock`, 'busybox']);
    await docker(['create', '--name', 'sockdir', '-v', `${dirname(daemon.socketPath)}:/d`, 'busybox']);
    await docker([
      'create',
      '--name',
      'socklink',
      '-v',
      `${join(links, 'daemon-dir', 'docker.sock')}:/s`,
      'busybox',
    ]);
    // Runs and stops: exited containers are out of scope.
    await docker(['run', '--name', 'exited', 'busybox', 'true']);
    await docker([
      'run',
      '-d',
      '--init',
      '--name',
      'compliant',
      '--read-only',
      '--cap-drop',
      'ALL',
      '--memory',
      '64m',
      '--cpus',
      '0.5',
      '--pids-limit',
      '100',
      '--security-opt',
      'no-new-privileges',
      '--user',
      '1000:1000',
      '--health-cmd',
      'true',
      '--health-interval',
      '1s',
      '--restart',
      'on-failure:5',
      '-p',
      '127.0.0.1:8080:8080',
      '--network',
      'app',
      'busybox',
      'sleep',
      '1d',
    ]);
    // The sshd script needs a moment to exec.
    await new Promise((r) => setTimeout(r, 500));
    const r = await checkJson([`--docker.host=${daemon.host}`, '--fail-on=none']);
    report = r.report as unknown as Report;
    assert.equal(r.code, 0, r.stderr);
    reportText = JSON.stringify(r.report) + r.stderr;
  });
  after(async () => {
    await daemon?.destroy();
    if (links) await rm(links, { recursive: true, force: true });
  });

  test('the container inventory source is up', () => {
    assert.equal(report.sources.containers!.up, true);
  });

  test('every offender fails its controls, with its name and image', () => {
    for (const [name, o] of Object.entries(OFFENDERS)) {
      for (const control of o.fails) {
        const f = findings(control).find((x) => x.name === name);
        assert.ok(f, `${name} should fail ${control}; failing: ${failingNames(control).join(', ')}`);
        assert.equal(f.image, 'busybox');
        assert.match(f.id, /^[0-9a-f]{64}$/);
        assert.ok(f.reason.length > 0);
      }
    }
  });

  test('each control flags exactly the containers meant to fail it', () => {
    const all = [...Object.keys(OFFENDERS), 'sock', 'sockdir', 'socklink'];
    const expected = (control: string) =>
      all
        .filter((name) => {
          if (OFFENDERS[name]?.fails.includes(control)) return true;
          if (control === 'container_docker_socket') return name.startsWith('sock');
          if (control === 'container_default_bridge') return !offBridge.has(name);
          return DEFAULT_FAILS.includes(control);
        })
        .sort();
    for (const control of [
      'container_privileged',
      'container_capabilities',
      'container_sensitive_mounts',
      'container_sshd',
      'container_privileged_ports',
      'container_port_binding',
      'container_host_network',
      'container_host_pid',
      'container_host_ipc',
      'container_host_uts',
      'container_host_devices',
      'container_mount_propagation',
      'container_seccomp',
      'container_cgroup_parent',
      'container_restart_policy',
      'container_host_userns',
      'container_docker_socket',
      ...DEFAULT_FAILS,
    ]) {
      assert.deepEqual(failingNames(control), expected(control), control);
    }
  });

  test('environment variables and labels of containers reach no output', async () => {
    assert.ok(findings('container_memory_limit').some((f) => f.name === 'secrets'));
    const text = await runCli([
      'check',
      '--format',
      'text',
      '--fail-on=none',
      `--docker.host=${daemon.host}`,
    ]);
    const sarif = await runCli([
      'check',
      '--format',
      'sarif',
      '--fail-on=none',
      `--docker.host=${daemon.host}`,
    ]);
    const exporter = await startTestExporter([`--docker.host=${daemon.host}`]);
    let metrics: string;
    try {
      metrics = (await exporter.scrape()).text;
    } finally {
      await exporter.close();
    }
    // The logs of a real `serve` at debug level, while a container with secrets is created under it.
    const [cmd, ...pre] = cliCommand();
    const serve = spawn(
      cmd!,
      [
        ...pre,
        'serve',
        `--docker.host=${daemon.host}`,
        '--web.listen-address=127.0.0.1:0',
        '--log.level=debug',
      ],
      { cwd: ROOT, env: { ...process.env, DOCKER_HOST: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let logs = '';
    serve.stdout.on('data', (d) => (logs += d));
    serve.stderr.on('data', (d) => (logs += d));
    try {
      await waitFor('start logged', async () => logs.includes('msg=started'), 60_000);
      await daemon.docker([
        'create',
        '--name',
        'secrets2',
        '-e',
        `TOKEN=${SECRET}`,
        '-l',
        `key=${SECRET}`,
        'busybox',
      ]);
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
      await daemon.docker(['rm', '-f', 'secrets2']);
    }
    assert.match(logs, /control verdict/);
    for (const [what, out] of [
      ['json', reportText],
      ['text', text.stdout + text.stderr],
      ['sarif', sarif.stdout + sarif.stderr],
      ['metrics', metrics],
      ['logs', logs],
    ]) {
      assert.ok(!out!.includes(SECRET), `${what} output holds a container secret`);
    }
  });

  test('the fully compliant container is flagged nowhere', () => {
    for (const c of report.controls) {
      assert.ok(!c.containers?.some((f) => f.name === 'compliant'), `${c.id} flags compliant`);
    }
  });

  test('exited containers are out of scope; created, running ones in it', () => {
    const names = new Set(findings('container_memory_limit').map((f) => f.name));
    assert.ok(!names.has('exited'));
    assert.ok(names.has('privileged') && names.has('sshd'));
  });

  test('the daemon socket is found directly, through its directory and through a symlink', () => {
    const byName = Object.fromEntries(findings('container_docker_socket').map((f) => [f.name, f.reason]));
    assert.match(byName.sock!, /mounts the daemon socket/);
    assert.match(byName.sockdir!, /which holds the daemon socket/);
    assert.match(byName.socklink!, /daemon-dir\/docker\.sock \(.*\/docker\.sock\)/);
  });

  test('swarm_mode passes; AppArmor and SELinux are not applicable on this kernel', () => {
    const status = (id: string) => report.controls.find((c) => c.id === id)!.status;
    assert.equal(status('swarm_mode'), 'pass');
    assert.equal(status('container_apparmor'), 'not_applicable');
    assert.equal(status('container_selinux'), 'not_applicable');
    assert.equal(status('container_privileged'), 'fail');
  });

  test('the text report lists failing containers under their control', async () => {
    const r = await runCli(['check', '--format', 'text', '--fail-on=none', `--docker.host=${daemon.host}`]);
    const block = r.stdout.split('\n');
    const at = block.findIndex((l) => /^ +FAIL \S+ container_privileged: /.test(l));
    assert.ok(at >= 0, r.stdout);
    assert.match(block[at + 1]!, /^ +- privileged \(busybox\): privileged/);
  });

  test('metrics: counts, one series per failing pair, nothing for the compliant container', async () => {
    const exporter: TestExporter = await startTestExporter([`--docker.host=${daemon.host}`]);
    try {
      const m = await exporter.scrape();
      assert.equal(m.status('container_privileged'), 'fail');
      assert.equal(m.get('dockersec_control_failing_containers', { control: 'container_privileged' }), 1);
      assert.equal(
        m.get('dockersec_control_failing_containers', { control: 'container_host_network' }),
        findings('container_host_network').length,
      );
      assert.equal(
        m.get('dockersec_container_control_failing', {
          control: 'container_docker_socket',
          container: 'sock',
          image: 'busybox',
        }),
        1,
      );
      assert.deepEqual(m.all('dockersec_container_control_failing', { container: 'compliant' }), []);
      assert.equal(m.get('dockersec_source_up', { source: 'containers' }), 1);
    } finally {
      await exporter.close();
    }
  });

  test('a small --containers.max-series caps the pairs, counts stay exact', async () => {
    const exporter = await startTestExporter([`--docker.host=${daemon.host}`, '--containers.max-series=3']);
    try {
      const m = await exporter.scrape();
      assert.equal(m.all('dockersec_container_control_failing').length, 3);
      assert.equal(
        m.get('dockersec_control_failing_containers', { control: 'container_memory_limit' }),
        findings('container_memory_limit').length,
      );
      assert.ok(m.get('dockersec_container_series_dropped_total')! > 0);
      // Critical findings keep their series first.
      const kept = m.all('dockersec_container_control_failing').map((s) => s.labels.control);
      assert.ok(
        kept.every((c) => c === 'container_privileged' || c === 'container_docker_socket'),
        kept.join(),
      );
    } finally {
      await exporter.close();
    }
  });

  test('swarm_mode fails once swarm is active, unless --swarm.expected', async () => {
    const init = await daemon.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
    assert.equal(init.code, 0, init.stderr);
    try {
      const plain = await checkJson([`--docker.host=${daemon.host}`, '--fail-on=none']);
      const swarm = plain.report.controls.find((c) => c.id === 'swarm_mode')!;
      assert.equal(swarm.status, 'fail');
      assert.match(swarm.reason, /active \(manager\)/);
      const expected = await checkJson([
        `--docker.host=${daemon.host}`,
        '--fail-on=none',
        '--swarm.expected',
      ]);
      assert.equal(expected.report.controls.find((c) => c.id === 'swarm_mode')!.status, 'pass');
    } finally {
      await daemon.docker(['swarm', 'leave', '--force']);
    }
  });
});
