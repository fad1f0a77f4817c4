// Which dockerd serves --docker.host, as a non-root exporter sees /proc: another user's cmdline is readable, its
// fd directory is not. The finder runs in a child process as nobody against a fake host root, so the
// permission errors are the kernel's own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DockerdProcess, Fact } from '../../src/facts/types.js';
import { findDockerd } from '../../src/sources/dockerdProcess.js';
import { HostPaths } from '../../src/sources/hostPaths.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const scratch = mkdtempSync(join(tmpdir(), 'dockersec-procs-'));
chmodSync(scratch, 0o755);
after(() => rmSync(scratch, { recursive: true, force: true }));

interface FakeDockerd {
  pid: number;
  args: string[];
  /** Inode of a socket it holds, listed in its net/unix table at `path`. */
  holds?: { inode: string; path: string };
}

let hosts = 0;
/** A host root with /proc entries for `daemons`, /var/run/docker.sock and /srv/d.sock. fd dirs are root's, 0700. */
function fakeHost(daemons: FakeDockerd[], pidfile?: number): string {
  const root = join(scratch, `host-${hosts++}`);
  mkdirSync(join(root, 'var', 'run'), { recursive: true });
  mkdirSync(join(root, 'srv'), { recursive: true });
  mkdirSync(join(root, 'proc'), { recursive: true });
  writeFileSync(join(root, 'var', 'run', 'docker.sock'), '');
  writeFileSync(join(root, 'srv', 'd.sock'), '');
  writeFileSync(join(root, 'proc', 'stat'), 'cpu 0\nbtime 1700000000\n');
  if (pidfile !== undefined) writeFileSync(join(root, 'var', 'run', 'docker.pid'), `${pidfile}\n`);
  for (const d of daemons) {
    const dir = join(root, 'proc', String(d.pid));
    mkdirSync(join(dir, 'net'), { recursive: true });
    mkdirSync(join(dir, 'fd'), { recursive: true });
    writeFileSync(join(dir, 'comm'), 'dockerd\n');
    writeFileSync(join(dir, 'cmdline'), `${['/usr/bin/dockerd', ...d.args].join('\0')}\0`);
    writeFileSync(join(dir, 'stat'), `${d.pid} (dockerd) S ${'0 '.repeat(18)}500 0`);
    const table = ['Num RefCount Protocol Flags Type St Inode Path'];
    if (d.holds) {
      table.push(`0000: 00000002 00000000 00010000 0001 01 ${d.holds.inode} ${d.holds.path}`);
      // The fd link itself cannot be faked as a symlink into socket:[N] being read as root only; a symlink
      // with that target is what readlink returns for a real socket descriptor.
      spawnSync('ln', ['-s', `socket:[${d.holds.inode}]`, join(dir, 'fd', '3')]);
    }
    writeFileSync(join(dir, 'net', 'unix'), `${table.join('\n')}\n`);
    chmodSync(join(dir, 'fd'), 0o700);
  }
  return root;
}

/** findDockerd as uid nobody, the way the exporter's container user meets a root dockerd. */
function findAsNobody(root: string, socket: string): Fact<DockerdProcess> {
  const script = `
    import { findDockerd } from ${JSON.stringify(join(ROOT, 'src', 'sources', 'dockerdProcess.ts'))};
    import { HostPaths } from ${JSON.stringify(join(ROOT, 'src', 'sources', 'hostPaths.ts'))};
    const fact = await findDockerd(new HostPaths(${JSON.stringify(root)}), { socketPath: ${JSON.stringify(socket)}, tcp: null });
    process.stdout.write(JSON.stringify(fact));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    uid: NOBODY,
    gid: NOBODY,
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), HOME: scratch },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Fact<DockerdProcess>;
}

const skip = asRoot ? false : 'needs root to drop to another user';

describe('dockerd behind --docker.host, seen by a non-root exporter', { skip }, () => {
  test('one dockerd (-H fd://) is the one, its command line read without /proc/PID/fd', () => {
    const root = fakeHost([
      { pid: 700, args: ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock'] },
    ]);
    const fact = findAsNobody(root, join(root, 'var', 'run', 'docker.sock'));
    assert.equal(fact.ok, true, JSON.stringify(fact));
    if (!fact.ok) return;
    assert.equal(fact.value.pid, 700);
    assert.equal(fact.value.matchedBy, 'only_candidate');
    assert.deepEqual(fact.value.args, ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock']);
  });

  test('among several, -H naming the socket decides', () => {
    const root = fakeHost([
      { pid: 700, args: ['-H', 'fd://'] },
      { pid: 701, args: ['-H', 'unix:///srv/d.sock', '--pidfile=/srv/d.pid', '--exec-root=/srv/exec'] },
    ]);
    const fact = findAsNobody(root, join(root, 'srv', 'd.sock'));
    assert.equal(fact.ok && fact.value.pid, 701, JSON.stringify(fact));
    assert.equal(fact.ok && fact.value.matchedBy, 'hosts');
  });

  test('among several, the default socket is the daemon with the default pidfile holding its pid', () => {
    const daemons = [
      { pid: 700, args: ['-H', 'fd://'] },
      { pid: 701, args: ['-H', 'unix:///srv/d.sock', '--pidfile=/srv/d.pid', '--exec-root=/srv/exec'] },
    ];
    const root = fakeHost(daemons, 700);
    const fact = findAsNobody(root, join(root, 'var', 'run', 'docker.sock'));
    assert.equal(fact.ok && fact.value.pid, 700, JSON.stringify(fact));
    assert.equal(fact.ok && fact.value.matchedBy, 'pidfile');
  });

  test('undecidable: says what it could not read and which capability would let it, never "does not serve"', () => {
    const root = fakeHost([
      { pid: 700, args: ['-H', 'fd://'] },
      { pid: 702, args: ['-H', 'fd://', '--exec-root=/run/docker-2', '--pidfile=/run/docker-2.pid'] },
    ]);
    const fact = findAsNobody(root, join(root, 'var', 'run', 'docker.sock'));
    assert.equal(fact.ok, false);
    if (fact.ok) return;
    assert.match(fact.error, /cannot tell which of the 2 dockerd processes \(pids 700, 702\)/);
    assert.match(fact.error, /\/proc\/PID\/fd of pids 700, 702 is not readable by uid 65534/);
    assert.match(fact.error, /CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH/);
    assert.doesNotMatch(fact.error, /does not serve|none of the/);
  });

  test('with /proc/PID/fd readable (root), the socket holder wins and a non-holder is named as such', async () => {
    const daemons = [
      { pid: 700, args: ['-H', 'fd://'] },
      {
        pid: 701,
        args: ['-H', 'fd://', '--pidfile=/srv/d.pid'],
        holds: { inode: '4242', path: '/var/run/docker.sock' },
      },
    ];
    const root = fakeHost(daemons, 700);
    const held = await findDockerd(new HostPaths(root), {
      socketPath: join(root, 'var', 'run', 'docker.sock'),
      tcp: null,
    });
    assert.equal(held.ok && held.value.pid, 701, JSON.stringify(held));
    assert.equal(held.ok && held.value.matchedBy, 'socket_inode');
    const none = await findDockerd(new HostPaths(root), {
      socketPath: join(root, 'srv', 'd.sock'),
      tcp: null,
    });
    assert.equal(none.ok, false);
    if (!none.ok)
      assert.match(none.error, /none of the 2 dockerd processes \(pids 700, 701\) holds or names the socket/);
  });

  test('the holder found last is asked first, and only while its descriptor still holds that socket', async () => {
    const root = fakeHost([
      { pid: 710, args: ['-H', 'fd://'], holds: { inode: '5151', path: '/var/run/docker.sock' } },
      { pid: 711, args: ['-H', 'fd://', '--pidfile=/srv/d.pid'] },
    ]);
    const paths = new HostPaths(root);
    const target = { socketPath: join(root, 'var', 'run', 'docker.sock'), tcp: null };
    const pidOf = (f: Fact<DockerdProcess>) => (f.ok ? f.value.pid : f.error);
    assert.equal(pidOf(await findDockerd(paths, target)), 710);
    assert.equal(pidOf(await findDockerd(paths, target)), 710);
    // 710 closed the socket (its fd 3 is now another one) and 711 holds it: the search starts over.
    const fd = (pid: number) => join(root, 'proc', String(pid), 'fd', '3');
    rmSync(fd(710));
    spawnSync('ln', ['-s', 'socket:[9999]', fd(710)]);
    spawnSync('ln', ['-s', 'socket:[5151]', fd(711)]);
    // Both in the host's network namespace: one socket table.
    cpSync(join(root, 'proc', '710', 'net', 'unix'), join(root, 'proc', '711', 'net', 'unix'));
    assert.equal(pidOf(await findDockerd(paths, target)), 711);
    // 711 exited and its pid went to another program holding the same descriptor: not a dockerd, not the answer.
    writeFileSync(join(root, 'proc', '711', 'comm'), 'sh\n');
    const gone = await findDockerd(paths, target);
    assert.equal(gone.ok, false, JSON.stringify(gone));
  });
});
