// Proves the sandboxed dockerd harness on real daemons: what other integration tests rely on when they
// start a dockerd with a given daemon.json and expect it gone, with all its processes and mounts, after.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mountsUnder, reapStaleSandboxes } from '../support/cleanup.js';
import {
  createDaemon,
  dockerdUnavailableReason,
  type SandboxDaemon,
  startDaemon,
} from '../support/dockerd.js';
import { getFreePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

const unavailable = dockerdUnavailableReason();
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

// Independent of the harness's own helpers on purpose: the checks must not share its blind spots.
function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[^)]*\)\s+[ZX]/.test(stat.slice(stat.lastIndexOf(')')));
  } catch {
    return false;
  }
}

function processesReferencing(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid || !alive(Number(name))) continue;
    try {
      const args = cmdline(Number(name));
      if (args.some((a) => a.includes(dir))) out.push(`${name}: ${args.join(' ')}`);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

interface ContainerState {
  Running: boolean;
  Pid: number;
}

function etcDockerState(): string {
  if (!existsSync('/etc/docker')) return '(absent)';
  return readdirSync('/etc/docker')
    .sort()
    .map((f) => `${f}:${statSync(`/etc/docker/${f}`).mtimeMs}`)
    .join(',');
}

describe('sandboxed dockerd harness', { skip: unavailable ?? false, timeout: 150_000 }, () => {
  const daemons: SandboxDaemon[] = [];
  const daemonPids = new Set<number>();
  const etcDockerBefore = etcDockerState();
  const hostSocketBefore = existsSync('/var/run/docker.sock');

  // dockerd and the containerd it spawned: all must be gone at the end.
  function track(d: SandboxDaemon): void {
    if (d.pid === null) return;
    daemonPids.add(d.pid);
    for (const c of childrenOf(d.pid)) daemonPids.add(c);
  }

  after(async () => {
    for (const d of daemons) await d.destroy();
  });

  test('a default daemon is bridge-less, runs busybox and creates a privileged container', async () => {
    const d = await startDaemon();
    daemons.push(d);
    track(d);
    assert.ok(d.pid !== null);
    assert.equal(readlinkSync(`/proc/${d.pid}/exe`), '/usr/sbin/dockerd');
    assert.match(d.host, /^unix:\/\/\/tmp\/dockersec-test-[^/]+\/docker\.sock$/);
    const args = cmdline(d.pid);
    assert.ok(args.includes(`--config-file=${d.configPath}`), args.join(' '));
    for (const flag of ['--bridge=none', '--iptables=false', '-H']) assert.ok(args.includes(flag), flag);
    // Its own network namespace: nothing it does reaches the host's interfaces or iptables.
    assert.notEqual(readlinkSync(`/proc/${d.pid}/ns/net`), readlinkSync('/proc/self/ns/net'));
    assert.ok(d.netns);

    const image = await d.importBusybox();
    assert.equal(await d.importBusybox(), image, 'importing twice returns the same image');
    const echo = await d.docker(['run', '--rm', image, 'echo', 'hello from busybox']);
    assert.equal(echo.code, 0, echo.stderr);
    assert.equal(echo.stdout.trim(), 'hello from busybox');

    const created = await d.docker(['create', '--privileged', image, 'sleep', '60']);
    assert.equal(created.code, 0, created.stderr);
    const inspect = await d.request('GET', `/containers/${created.stdout.trim()}/json`);
    assert.equal(inspect.status, 200);
    const c = inspect.json<{ State: { Status: string }; HostConfig: { Privileged: boolean } }>();
    assert.equal(c.HostConfig.Privileged, true);
    assert.equal(c.State.Status, 'created');

    // dockerd 20.10 writes its trust key to /etc/docker whatever the flags; the sandbox redirects it.
    assert.ok(existsSync(`${d.dir}/etc-docker/key.json`));
  });

  test('icc=false on a real bridge shows in GET /networks/bridge', async () => {
    const d = await startDaemon({ config: { icc: false }, bridge: true });
    daemons.push(d);
    track(d);
    const args = cmdline(d.pid!);
    assert.ok(!args.some((a) => a.startsWith('--iptables') || a.startsWith('--bridge')), args.join(' '));

    const res = await d.request('GET', '/networks/bridge');
    assert.equal(res.status, 200, res.body);
    const options = res.json<{ Options: Record<string, string> }>().Options;
    assert.equal(options['com.docker.network.bridge.enable_icc'], 'false');
    // The bridge and its iptables rules live in the daemon's namespace, not the host's.
    const forward = execFileSync('ip', ['netns', 'exec', d.netns!, 'iptables', '-S', 'FORWARD'], {
      encoding: 'utf8',
    });
    assert.match(forward, /docker0/);

    const image = await d.importBusybox();
    const addr = await d.docker(['run', '--rm', image, 'ip', '-4', 'addr', 'show', 'eth0']);
    assert.equal(addr.code, 0, addr.stderr);
    assert.match(addr.stdout, /inet 172\./);
  });

  test('a tcp:// listener from daemon.json hosts is reachable from the test process', async () => {
    const port = await getFreePort();
    const d = await createDaemon();
    daemons.push(d);
    await d.writeConfig({ hosts: [`unix://${d.socketPath}`, `tcp://127.0.0.1:${port}`] });
    await d.start();
    track(d);
    const args = cmdline(d.pid!);
    assert.ok(!args.some((a) => a === '-H' || a.startsWith('--host')), 'no -H next to hosts in daemon.json');
    assert.equal(readlinkSync(`/proc/${d.pid}/ns/net`), readlinkSync('/proc/self/ns/net'));

    const ping = await fetch(`http://127.0.0.1:${port}/_ping`);
    assert.equal(ping.status, 200);
    assert.equal(await ping.text(), 'OK');
    const version = (await (await fetch(`http://127.0.0.1:${port}/version`)).json()) as {
      ApiVersion: string;
    };
    assert.match(version.ApiVersion, /^1\.\d+$/);
  });

  test('stop, start, reload and restart keep the same sandbox', async () => {
    const d = await startDaemon();
    daemons.push(d);
    track(d);
    const image = await d.importBusybox();
    const first = d.pid!;

    await d.stop();
    assert.equal(d.pid, null);
    assert.ok(!alive(first));
    assert.deepEqual(processesReferencing(d.dir), []);
    assert.deepEqual(mountsUnder(d.dir), []);
    await assert.rejects(d.request('GET', '/_ping'));
    assert.ok(existsSync(d.configPath));

    await d.start();
    track(d);
    assert.ok(d.pid !== null && d.pid !== first);
    const kept = await d.docker(['image', 'inspect', image]);
    assert.equal(kept.code, 0, 'images survive a stop/start');

    await d.writeConfig({ debug: true });
    const reloaded = await d.reload();
    assert.equal(reloaded.outcome, 'reloaded', reloaded.message);
    // dockerd logs "Reloaded configuration" before it switches debug on (cmd/dockerd reload), so the
    // new value may show a moment after the log line.
    await waitFor('Debug true in /info after the reload', async () =>
      (await d.request('GET', '/info')).json<{ Debug: boolean }>().Debug === true ? true : undefined,
    );

    await d.writeConfig('{ "debug": fals');
    const refused = await d.reload();
    assert.equal(refused.outcome, 'failed');
    assert.equal((await d.request('GET', '/_ping')).status, 200, 'a bad reload keeps dockerd running');

    await d.writeConfig({});
    const beforeRestart = d.pid;
    await d.restart();
    track(d);
    assert.ok(d.pid !== null && d.pid !== beforeRestart);
    assert.equal((await d.request('GET', '/info')).json<{ Debug: boolean }>().Debug, false);
  });

  test('with live-restore, stop leaves containers running for the next start', async () => {
    const d = await startDaemon({ config: { 'live-restore': true } });
    daemons.push(d);
    track(d);
    const image = await d.importBusybox();
    const run = await d.docker(['run', '-d', image, 'sleep', '1000']);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    const state = async () =>
      (await d.request('GET', `/containers/${id}/json`)).json<{ State: ContainerState }>().State;
    const containerPid = (await state()).Pid;
    daemonPids.add(containerPid);

    await d.stop();
    assert.ok(alive(containerPid), 'the container outlives dockerd');
    await d.start();
    track(d);
    const restored = await state();
    assert.equal(restored.Running, true);
    assert.equal(restored.Pid, containerPid);
  });

  test('a daemon that cannot start rejects with the reason from its log', async () => {
    const d = await createDaemon({ config: '{ "debug": tru' });
    daemons.push(d);
    await assert.rejects(d.start(), /unable to configure the Docker daemon with file/);
    assert.equal(d.pid, null);
    assert.deepEqual(processesReferencing(d.dir), []);

    await assert.rejects(startDaemon({ config: { icc: false, iptables: false } }), /icc/i);
  });

  // A test process that ends, is interrupted or is killed without destroy() must not leave dockerd behind.
  for (const ending of ['end', 'SIGINT', 'SIGKILL'] as const) {
    test(`the safety net tears down after a test process that got ${ending}`, async () => {
      const script = `
        import { startDaemon } from ${JSON.stringify(new URL('../support/dockerd.ts', import.meta.url).href)};
        const d = await startDaemon();
        const image = await d.importBusybox();
        const run = await d.docker(['run', '-d', image, 'sleep', '1000']);
        const state = (await d.request('GET', '/containers/' + run.stdout.trim() + '/json')).json().State;
        console.log(JSON.stringify({ dir: d.dir, pid: d.pid, containerPid: state.Pid }));
        // 'end': the event loop empties once the parent closes stdin, after it has seen dockerd alive.
        if (process.env.ENDING === 'end') process.stdin.resume().once('end', () => process.stdin.pause());
        else setInterval(() => {}, 1000);
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot,
        env: { ...process.env, ENDING: ending },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`child exited (${code}) early: ${stderr}`)));
      });
      const info = JSON.parse(line) as { dir: string; pid: number; containerPid: number };
      assert.ok(alive(info.pid) && alive(info.containerPid));
      child.stdin.end();
      if (ending !== 'end') child.kill(ending);
      await exited;
      if (ending === 'SIGKILL') {
        // Nothing in the killed process could run: the next test process reaps what it left.
        assert.ok(alive(info.pid), 'dockerd outlived its SIGKILLed test process');
        reapStaleSandboxes();
      }
      for (const pid of [info.pid, info.containerPid]) assert.ok(!alive(pid), `pid ${pid} gone`);
      assert.deepEqual(processesReferencing(info.dir), []);
      assert.deepEqual(mountsUnder(info.dir), []);
      assert.ok(!existsSync(info.dir), `${info.dir} removed`);
    });
  }

  test('destroy leaves no dockerd, containerd, mount, namespace or directory behind', async () => {
    assert.ok(daemonPids.size >= 8, `tracked ${daemonPids.size} dockerd/containerd pids`);
    for (const d of daemons) await d.destroy();
    for (const d of daemons) await d.destroy(); // safe to call twice
    for (const pid of daemonPids) assert.ok(!alive(pid), `pid ${pid} still alive`);
    for (const d of daemons) {
      assert.deepEqual(processesReferencing(d.dir), [], d.dir);
      assert.deepEqual(mountsUnder(d.dir), [], d.dir);
      assert.ok(!existsSync(d.dir), `${d.dir} removed`);
    }
    const leftNetns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
    for (const d of daemons) {
      const suffix = d.dir.split('dockersec-test-')[1]!;
      assert.ok(!leftNetns.includes(`dockersec-${suffix}`), `netns of ${d.dir} deleted`);
    }
    assert.equal(etcDockerState(), etcDockerBefore, '/etc/docker untouched');
    assert.equal(existsSync('/var/run/docker.sock'), hostSocketBefore, 'host docker.sock untouched');
  });
});
