// The pure parts of the container source: inspect document -> facts, process lists, host path resolution.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { labelDigest } from '../../src/facts/containers.js';
import { HostPathResolver } from '../../src/sources/containers/hostPathResolver.js';
import {
  isSshd,
  pickContainer,
  publishedPorts,
  topListsSshd,
} from '../../src/sources/containers/pickContainer.js';
import { HostPaths } from '../../src/sources/hostPaths.js';

const SECRET = 'hunter2-s3cr3t';

/** Shaped like dockerd 20.10's answer for `docker create -p 80:80 -P --expose 9000 ... busybox`. */
function inspectDoc(
  over: { HostConfig?: object; NetworkSettings?: object; Config?: object; State?: object } = {},
) {
  return {
    Id: 'a'.repeat(64),
    Name: '/web',
    Image: 'sha256:9331e848',
    State: { Status: 'created', Pid: 0, ...over.State },
    AppArmorProfile: '',
    ProcessLabel: '',
    Mounts: [
      {
        Type: 'bind',
        Source: '/var/run/docker.sock',
        Destination: '/sock',
        RW: true,
        Propagation: 'rprivate',
      },
      {
        Type: 'volume',
        Name: 'data',
        Source: '/var/lib/docker/volumes/data/_data',
        Destination: '/data',
        RW: true,
        Propagation: '',
      },
    ],
    Config: {
      Image: 'busybox:latest',
      User: '',
      Env: [`PASSWORD=${SECRET}`, 'PATH=/usr/bin'],
      Labels: { 'com.example.token': SECRET },
      ExposedPorts: { '80/tcp': {}, '81/tcp': {}, '9000/tcp': {} },
      Healthcheck: undefined as unknown,
      ...over.Config,
    },
    HostConfig: {
      NetworkMode: 'default',
      PortBindings: {
        '80/tcp': [{ HostIp: '', HostPort: '80' }],
        '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      },
      PublishAllPorts: true,
      Privileged: false,
      CapAdd: null,
      SecurityOpt: null,
      PidsLimit: null,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      Memory: 0,
      ...over.HostConfig,
    },
    NetworkSettings: { Ports: {}, Networks: { bridge: {} }, ...over.NetworkSettings },
  };
}

const extras = {
  hostPathOf: (s: string) => (s === '/var/run/docker.sock' ? '/run/docker.sock' : s),
  noNewPrivsProc: null,
  sshd: false,
  processListError: null,
};

describe('pickContainer', () => {
  test('keeps what the controls judge, never Env, and labels only as digests (for waivers)', () => {
    const c = pickContainer(inspectDoc(), 'created', extras);
    assert.equal(c.name, 'web');
    assert.equal(c.image, 'busybox:latest');
    assert.equal(c.state, 'created');
    assert.deepEqual(c.mounts[0], {
      type: 'bind',
      source: '/var/run/docker.sock',
      destination: '/sock',
      rw: true,
      propagation: 'rprivate',
      hostPath: '/run/docker.sock',
    });
    assert.equal(c.mounts[1]!.hostPath, null, 'volumes are not resolved on the host');
    assert.equal(c.pidsLimit, null);
    assert.deepEqual(c.capAdd, []);
    const text = JSON.stringify(c);
    assert.ok(!text.includes(SECRET), 'a secret from Env or Labels reached the facts');
    assert.deepEqual(c.labelDigests, [labelDigest('com.example.token', SECRET)]);
    assert.ok(!text.includes('com.example.token'), 'not even a label key is kept');
    assert.ok(!text.includes('PATH='));
  });

  test('a created container publishes what it asked for, -P adding the other exposed ports', () => {
    assert.deepEqual(publishedPorts(inspectDoc()), [
      { containerPort: '80/tcp', hostIp: '', hostPort: '80' },
      { containerPort: '81/tcp', hostIp: '127.0.0.1', hostPort: '8080' },
      { containerPort: '9000/tcp', hostIp: '', hostPort: '' },
    ]);
  });

  test("a started container publishes the daemon's bindings", () => {
    const running = inspectDoc({
      State: { Status: 'running', Pid: 42 },
      NetworkSettings: {
        Ports: {
          '80/tcp': [
            { HostIp: '0.0.0.0', HostPort: '80' },
            { HostIp: '::', HostPort: '80' },
          ],
          '9000/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }],
          '9001/tcp': null,
        },
      },
    });
    assert.deepEqual(
      publishedPorts(running).map((b) => `${b.hostIp}:${b.hostPort}`),
      ['0.0.0.0:80', ':::80', '0.0.0.0:32768'],
    );
  });

  test('host, none and container: network modes publish nothing, whatever was asked', () => {
    for (const mode of ['host', 'none', 'container:abc']) {
      assert.deepEqual(publishedPorts(inspectDoc({ HostConfig: { NetworkMode: mode } })), [], mode);
    }
  });

  test('healthcheck: from the config, or a health state; NONE disables it', () => {
    const hc = (Healthcheck: unknown, State: object = {}) =>
      pickContainer(inspectDoc({ Config: { Healthcheck }, State }), 'running', extras).healthcheck;
    assert.equal(hc(undefined), false);
    assert.equal(hc({ Test: ['CMD-SHELL', 'true'] }), true);
    assert.equal(hc({ Test: ['NONE'] }), false);
    assert.equal(hc(undefined, { Health: { Status: 'healthy' } }), true);
  });

  test('a custom seccomp profile inlined as JSON is not kept', () => {
    const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] });
    const c = pickContainer(
      inspectDoc({ HostConfig: { SecurityOpt: [`seccomp=${profile}`, 'no-new-privileges'] } }),
      'running',
      extras,
    );
    assert.deepEqual(c.securityOpt, ['seccomp=<custom profile>', 'no-new-privileges']);
  });

  test('resources, devices and namespaces', () => {
    const c = pickContainer(
      inspectDoc({
        HostConfig: {
          Memory: 1 << 20,
          NanoCpus: 5e8,
          PidsLimit: -1,
          PidMode: 'host',
          UsernsMode: 'host',
          Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
          DeviceRequests: [{ Driver: 'nvidia', Count: -1 }],
          CapAdd: ['SYS_ADMIN'],
        },
      }),
      'running',
      extras,
    );
    assert.equal(c.memory, 1 << 20);
    assert.equal(c.nanoCpus, 5e8);
    assert.equal(c.pidsLimit, -1);
    assert.equal(c.pidMode, 'host');
    assert.equal(c.usernsMode, 'host');
    assert.deepEqual(c.devices, ['/dev/fuse']);
    assert.equal(c.deviceRequests, 1);
    assert.deepEqual(c.capAdd, ['SYS_ADMIN']);
  });
});

describe('sshd in a process list', () => {
  test('names: sshd, its per-session processes, with or without a path', () => {
    for (const cmd of ['sshd', '/usr/sbin/sshd -D', 'sshd: root@pts/0', 'sshd-session', 'sshd-auth'])
      assert.ok(isSshd(cmd), cmd);
    for (const cmd of ['ssh', 'sshfs', 'nginx', 'sh -c sshd', 'mysshd', '']) assert.ok(!isSshd(cmd), cmd);
  });
  test('reads the COMMAND column of `ps -eo pid,comm` and the CMD column of `ps -ef`', () => {
    assert.equal(
      topListsSshd({
        Titles: ['PID', 'COMMAND'],
        Processes: [
          ['1', 'docker-init'],
          ['7', 'sshd'],
        ],
      }),
      true,
    );
    assert.equal(topListsSshd({ Titles: ['PID', 'COMMAND'], Processes: [['1', 'sleep']] }), false);
    assert.equal(
      topListsSshd({
        Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
        Processes: [['root', '9', '1', '0', '10:00', '?', '00:00:00', '/usr/sbin/sshd -D']],
      }),
      true,
    );
    assert.throws(() => topListsSshd({ Titles: ['PID'], Processes: [] }), /command column/);
  });
});

describe('HostPathResolver', () => {
  let root: string;
  before(async () => {
    // A fake host /: /var/run -> /run (absolute, as on Debian), /srv/link -> ../etc (relative), a loop.
    root = await mkdtemp(join(tmpdir(), 'dockersec-hostroot-'));
    await mkdir(join(root, 'run'), { recursive: true });
    await mkdir(join(root, 'var'), { recursive: true });
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'srv'), { recursive: true });
    await writeFile(join(root, 'run', 'docker.sock'), '');
    await symlink('/run', join(root, 'var', 'run'));
    await symlink('../etc', join(root, 'srv', 'link'));
    await symlink('/srv/loop', join(root, 'srv', 'loop'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test('follows absolute links inside the host root, not the exporter’s own /', async () => {
    const r = new HostPathResolver(new HostPaths(root));
    assert.equal(await r.resolve('/var/run/docker.sock'), '/run/docker.sock');
    assert.equal(await r.resolve('/var/run'), '/run');
  });
  test('follows relative links, keeps missing tails as written and stops on loops', async () => {
    const r = new HostPathResolver(new HostPaths(root));
    assert.equal(await r.resolve('/srv/link/ssl'), '/etc/ssl');
    assert.equal(await r.resolve('/nowhere/x/../y'), '/nowhere/y');
    assert.equal(await r.resolve('/srv/loop/x'), '/srv/loop/x');
    assert.equal(await r.resolve('/'), '/');
  });
});
