// CIS section 3 file controls (3.1-3.14, 3.19-3.24) over fixtures, and the sources that locate the files:
// systemd units with drop-ins, registry certificates, the containerd socket, the TLS files.
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cisId, controlsIn } from '../../src/controls/define.js';
import * as cis from '../../src/controls/files/cisFiles.js';
import type { ControlDefinition } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import type { HostFilesInput } from '../../src/facts/locations.js';
import type { DockerdProcess } from '../../src/facts/types.js';
import { DockerApiClient } from '../../src/sources/dockerApi/client.js';
import { parseDockerHost } from '../../src/sources/dockerApi/endpoint.js';
import { RequestLog } from '../../src/sources/dockerApi/requestLog.js';
import { ProbeLog } from '../../src/sources/exposure/probeLog.js';
import { factSources } from '../../src/sources/factSources.js';
import { collectHostFiles } from '../../src/sources/hostFiles/collectHostFiles.js';
import { HostPaths } from '../../src/sources/hostPaths.js';
import { collectSystemd, findUnit } from '../../src/sources/systemd/units.js';
import { collectTlsFiles } from '../../src/sources/tlsFiles.js';
import { makePki } from '../support/certs.js';
import { fileStat, missing, stockHostFiles, stockSystemd, tlsFile, unit } from '../support/exposureFacts.js';
import { type FactsOverrides, makeFacts } from '../support/facts.js';

const run = (c: ControlDefinition, o: FactsOverrides = {}) => evaluate(makeFacts(o), [c]).results[0]!;

describe('CIS section 3 controls', () => {
  test('ids and CIS numbers as the issue fixes them', () => {
    const all = controlsIn(cis).map((c) => `${c.id} ${cisId(c)}`);
    assert.deepEqual(all, [
      'docker_service_ownership 3.1',
      'docker_service_permissions 3.2',
      'docker_socket_unit_ownership 3.3',
      'docker_socket_unit_permissions 3.4',
      'etc_docker_ownership 3.5',
      'etc_docker_permissions 3.6',
      'registry_certs_ownership 3.7',
      'registry_certs_permissions 3.8',
      'tls_ca_ownership 3.9',
      'tls_ca_permissions 3.10',
      'tls_cert_ownership 3.11',
      'tls_cert_permissions 3.12',
      'tls_key_ownership 3.13',
      'tls_key_permissions 3.14',
      'default_docker_ownership 3.19',
      'default_docker_permissions 3.20',
      'sysconfig_docker_permissions 3.21',
      'sysconfig_docker_ownership 3.22',
      'containerd_socket_ownership 3.23',
      'containerd_socket_permissions 3.24',
    ]);
  });

  test('docker.service: the unit and every drop-in are judged; one group-writable drop-in fails', () => {
    const service = unit(
      'docker.service',
      {},
      {
        dropIns: [
          fileStat('/etc/systemd/system/docker.service.d/10-a.conf'),
          fileStat('/etc/systemd/system/docker.service.d/20-b.conf', { mode: 0o664 }),
        ],
      },
    );
    const r = run(cis.dockerServicePermissions, { exposure: { systemd: { service } } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /20-b\.conf has mode 664, which grants 020 beyond 644/);
    assert.doesNotMatch(r.reason, /10-a\.conf/);
    const ok = run(cis.dockerServicePermissions, {
      exposure: { systemd: { service: { ...service, dropIns: [service.dropIns[0]!] } } },
    });
    assert.equal(ok.status, 'pass');
    assert.match(ok.reason, /all 2 files conform/);
  });

  test('docker.service owned by a user fails; a masked or missing unit is not applicable', () => {
    const owned = unit(
      'docker.service',
      {},
      { fragment: fileStat('/etc/systemd/system/docker.service', { uid: 1000 }) },
    );
    assert.equal(
      run(cis.dockerServiceOwnership, { exposure: { systemd: { service: owned } } }).status,
      'fail',
    );
    const masked = unit('docker.service', {}, { masked: true });
    assert.equal(
      run(cis.dockerServiceOwnership, { exposure: { systemd: { service: masked } } }).status,
      'not_applicable',
    );
    const none = unit('docker.service', {}, { fragment: null });
    const r = run(cis.dockerServicePermissions, { exposure: { systemd: { service: none } } });
    assert.equal(r.status, 'not_applicable');
    assert.match(r.reason, /no docker\.service unit/);
  });

  test('docker.socket unit permissions, 644 bitmask', () => {
    const sockets = [
      unit('docker.socket', {}, { fragment: fileStat('/lib/systemd/system/docker.socket', { mode: 0o646 }) }),
    ];
    const r = run(cis.dockerSocketUnitPermissions, { exposure: { systemd: { sockets } } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /grants 002/);
    assert.equal(run(cis.dockerSocketUnitPermissions).status, 'pass');
  });

  test('/etc/docker: 755 passes, 775 fails although 775 > 755 only by group write; a file there fails', () => {
    assert.equal(run(cis.etcDockerPermissions).status, 'pass');
    const dir = (over: object) => ({
      hostFiles: { configDir: fileStat('/etc/docker', { kind: 'directory', ...over }) },
    });
    assert.equal(run(cis.etcDockerPermissions, { exposure: dir({ mode: 0o775 }) }).status, 'fail');
    assert.equal(run(cis.etcDockerPermissions, { exposure: dir({ mode: 0o700 }) }).status, 'pass');
    assert.equal(run(cis.etcDockerOwnership, { exposure: dir({ gid: 999 }) }).status, 'fail');
    assert.equal(run(cis.etcDockerOwnership, { exposure: dir({ kind: 'file' }) }).status, 'fail');
  });

  test('registry certificates: every file, 444; none is not applicable', () => {
    assert.equal(run(cis.registryCertsPermissions).status, 'not_applicable');
    const certs = [
      fileStat('/etc/docker/certs.d/reg:5000/ca.crt', { mode: 0o444 }),
      fileStat('/etc/docker/certs.d/reg:5000/client.cert', { mode: 0o444 }),
      fileStat('/etc/docker/certs.d/reg:5000/client.key', { mode: 0o644 }),
    ];
    const r = run(cis.registryCertsPermissions, { exposure: { hostFiles: { registryCerts: certs } } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /client\.key has mode 644, which grants 200 beyond 444/);
    const owners = run(cis.registryCertsOwnership, {
      exposure: {
        hostFiles: {
          registryCerts: [...certs.slice(0, 2), fileStat('/etc/docker/certs.d/r/ca.crt', { uid: 1000 })],
        },
      },
    });
    assert.equal(owners.status, 'fail');
    assert.match(owners.reason, /certs\.d\/r\/ca\.crt is owned by alice:root/);
  });

  test('TLS CA and certificate 444, key 400: 440 on the key fails, 400 passes; not applicable without TLS', () => {
    const files = [tlsFile('ca'), tlsFile('server'), tlsFile('key')];
    for (const c of [
      cis.tlsCaPermissions,
      cis.tlsCertPermissions,
      cis.tlsKeyPermissions,
      cis.tlsKeyOwnership,
    ]) {
      assert.equal(run(c, { exposure: { tlsFiles: files } }).status, 'pass', c.id);
      assert.equal(run(c).status, 'not_applicable', c.id);
    }
    const key440 = tlsFile('key', { stat: fileStat('/etc/docker/tls/server-key.pem', { mode: 0o440 }) });
    const r = run(cis.tlsKeyPermissions, { exposure: { tlsFiles: [key440] } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /grants 040 beyond 400/);
    const caWritable = tlsFile('ca', { stat: fileStat('/etc/docker/tls/ca.pem', { mode: 0o644 }) });
    assert.equal(run(cis.tlsCaPermissions, { exposure: { tlsFiles: [caWritable] } }).status, 'fail');
  });

  test('a configured TLS file that is missing is not applicable (tls_cert_expiry reports it)', () => {
    const gone = tlsFile('server', { stat: missing('/etc/docker/tls/server.pem'), certificates: null });
    assert.equal(run(cis.tlsCertOwnership, { exposure: { tlsFiles: [gone] } }).status, 'not_applicable');
  });

  test('/etc/default/docker and /etc/sysconfig/docker', () => {
    assert.equal(run(cis.defaultDockerPermissions).status, 'pass');
    assert.equal(run(cis.sysconfigDockerPermissions).status, 'not_applicable');
    const r = run(cis.defaultDockerOwnership, {
      exposure: { hostFiles: { defaultDocker: fileStat('/etc/default/docker', { uid: 1000, gid: 1000 }) } },
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /alice:alice/);
    assert.equal(
      run(cis.sysconfigDockerPermissions, {
        exposure: { hostFiles: { sysconfigDocker: fileStat('/etc/sysconfig/docker', { mode: 0o666 }) } },
      }).status,
      'fail',
    );
  });

  test('containerd socket: 660 root:root; 666 fails; a regular file there fails', () => {
    assert.equal(run(cis.containerdSocketPermissions).status, 'pass');
    assert.equal(run(cis.containerdSocketOwnership).status, 'pass');
    const sock = (over: object) => ({
      hostFiles: {
        containerdSocket: {
          ...stockHostFiles().containerdSocket!,
          stat: fileStat('/run/containerd/containerd.sock', { kind: 'socket', mode: 0o660, ...over }),
        },
      },
    });
    assert.equal(run(cis.containerdSocketPermissions, { exposure: sock({ mode: 0o666 }) }).status, 'fail');
    assert.equal(run(cis.containerdSocketOwnership, { exposure: sock({ gid: 999 }) }).status, 'fail');
    assert.equal(run(cis.containerdSocketPermissions, { exposure: sock({ kind: 'file' }) }).status, 'fail');
  });

  test('a rootless daemon owns its files', () => {
    const dir = {
      hostFiles: {
        configDir: fileStat('/home/alice/.config/docker', { kind: 'directory', uid: 1000, gid: 1000 }),
      },
    };
    assert.equal(run(cis.etcDockerOwnership, { dockerdUid: 1000, exposure: dir }).status, 'pass');
    assert.equal(run(cis.etcDockerOwnership, { exposure: dir }).status, 'fail');
  });

  test('a failed source makes its controls error', () => {
    assert.equal(run(cis.dockerServiceOwnership, { exposure: { down: ['systemd'] } }).status, 'error');
    assert.equal(run(cis.tlsKeyPermissions, { exposure: { down: ['tlsFiles'] } }).status, 'error');
    assert.equal(run(cis.etcDockerPermissions, { exposure: { down: ['hostFiles'] } }).status, 'error');
  });
});

describe('systemd units in a scratch host root', () => {
  let root: string;
  let paths: HostPaths;
  const put = async (path: string, text: string, mode = 0o644) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
    await chmod(join(root, path), mode);
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockersec-units-'));
    paths = new HostPaths(root);
    await put(
      '/lib/systemd/system/docker.service',
      [
        '[Unit]',
        'Description=Docker',
        '[Service]',
        'EnvironmentFile=-/etc/default/docker',
        'ExecStart=/usr/sbin/dockerd -H fd:// \\',
        '  --containerd=/run/containerd/containerd.sock $DOCKER_OPTS',
        '',
      ].join('\n'),
    );
    await put('/etc/default/docker', '# options\nDOCKER_OPTS="--icc=false --log-level warn"\n');
    // The same drop-in name in /etc wins over /lib; names apply in order.
    await put(
      '/lib/systemd/system/docker.service.d/10-tcp.conf',
      '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd://\n',
    );
    await put(
      '/etc/systemd/system/docker.service.d/10-tcp.conf',
      '[Service]\nEnvironment="EXTRA=--userland-proxy=false"\n',
    );
    await put(
      '/etc/systemd/system/docker.service.d/20-exec.conf',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's ${VAR} syntax, not a template
      '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// ${EXTRA} $DOCKER_OPTS\n',
      0o664,
    );
    await put('/lib/systemd/system/docker.socket', '[Socket]\nListenStream=/run/docker.sock\n');
    await put('/run/systemd/system/docker.socket.d/tcp.conf', '[Socket]\nListenStream=0.0.0.0:2375\n');
    await put('/proc/4242/cgroup', '0::/system.slice/docker.service\n');
  });
  after(async () => rm(root, { recursive: true, force: true }));

  test('fragment, drop-ins by precedence and name, directives merged with resets', async () => {
    const service = await findUnit(paths, 'docker.service');
    assert.equal(service.fragment?.path, '/lib/systemd/system/docker.service');
    assert.deepEqual(
      service.dropIns.map((d) => d.path),
      [
        '/etc/systemd/system/docker.service.d/10-tcp.conf',
        '/etc/systemd/system/docker.service.d/20-exec.conf',
      ],
    );
    assert.equal(service.dropIns[1]!.mode, 0o664);
    assert.deepEqual(service.directives['Service.ExecStart'], [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's ${VAR} syntax, not a template
      '/usr/sbin/dockerd -H fd:// ${EXTRA} $DOCKER_OPTS',
    ]);
  });

  test('the ExecStart dockerd will run, with Environment= and EnvironmentFile= expanded', async () => {
    const fact = await collectSystemd(paths, { pid: 4242 } as DockerdProcess);
    assert.ok(fact.ok);
    assert.equal(fact.value.dockerdUnit, 'docker.service');
    assert.deepEqual(fact.value.execStart, {
      argv: ['-H', 'fd://', '--userland-proxy=false', '--icc=false', '--log-level', 'warn'],
      problem: null,
    });
    assert.deepEqual(fact.value.sockets[0]!.directives['Socket.ListenStream'], [
      '/run/docker.sock',
      '0.0.0.0:2375',
    ]);
  });

  test('a masked unit: no files to judge, no command line', async () => {
    await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
    await symlink('/dev/null', join(root, 'etc/systemd/system/docker.socket'));
    const socket = await findUnit(paths, 'docker.socket');
    assert.equal(socket.masked, true);
    assert.deepEqual(socket.directives, {});
    await rm(join(root, 'etc/systemd/system/docker.socket'));
  });

  test('the 3.1/3.2 verdicts on these files', async () => {
    const fact = await collectSystemd(paths, null);
    assert.ok(fact.ok);
    const systemd = fact.value;
    const r = run(cis.dockerServicePermissions, { exposure: { systemd } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /20-exec\.conf has mode 664/);
    assert.equal(run(cis.dockerSocketUnitPermissions, { exposure: { systemd } }).status, 'pass');
    assert.deepEqual(stockSystemd().searchPath.slice(0, 2), systemd.searchPath.slice(0, 2));
  });
});

describe('host files in a scratch host root', () => {
  let root: string;
  let paths: HostPaths;
  let server: net.Server;
  const input = (over: Partial<HostFilesInput> = {}): HostFilesInput => ({
    dockerdPid: null,
    configDir: '/etc/docker',
    daemonJson: '/etc/docker/daemon.json',
    containerd: null,
    systemContainerdSocket: '/run/containerd/containerd.sock',
    execRoot: '/var/run/docker',
    dataRoot: { path: '/var/lib/docker', origin: 'default', userns: false },
    socketGroup: 'docker',
    serviceFragment: null,
    socketFragment: null,
    dockerSocket: null,
    ...over,
  });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockersec-hostfiles-'));
    paths = new HostPaths(root);
    await mkdir(join(root, 'etc/docker/certs.d/reg:5000'), { recursive: true });
    await writeFile(join(root, 'etc/docker/certs.d/reg:5000/ca.crt'), 'x');
    await writeFile(join(root, 'etc/docker/certs.d/reg:5000/client.key'), 'x');
    await writeFile(join(root, 'etc/docker/certs.d/stray-file'), 'x');
    await mkdir(join(root, 'var/run/docker/containerd'), { recursive: true });
    // A real unix socket where dockerd's supervised containerd puts it.
    server = net.createServer();
    await new Promise<void>((r) => server.listen(join(root, 'var/run/docker/containerd/containerd.sock'), r));
    await mkdir(join(root, 'proc/1'), { recursive: true });
    await writeFile(
      join(root, 'proc/1/mountinfo'),
      '1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 8:2 / /var/lib/docker rw - xfs /dev/sda2 rw\n',
    );
    await mkdir(join(root, 'var/lib/docker'), { recursive: true });
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await rm(root, { recursive: true, force: true });
  });

  test('the kernel audit rules (auditctl -l) are read at full refreshes and kept across config refreshes', async () => {
    const bin = join(root, 'fake-bin');
    await mkdir(bin, { recursive: true });
    const calls = join(root, 'auditctl-calls');
    await writeFile(calls, '');
    await writeFile(
      join(bin, 'auditctl'),
      `#!/bin/sh\necho x >> ${calls}\necho '-w /usr/bin/dockerd -p wa -k docker'\n`,
    );
    await chmod(join(bin, 'auditctl'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    try {
      const { hostFiles } = factSources({
        paths,
        api: new DockerApiClient(parseDockerHost('unix:///nonexistent.sock', null), new RequestLog(), 1_000),
        probes: new ProbeLog(),
      });
      const loaded = async (refresh: 'all' | 'config') => {
        const fact = await hostFiles.collect(input(), refresh);
        assert.ok(fact.ok);
        return fact.value.audit.loaded?.map((r) => r.path);
      };
      const count = async () => (await readFile(calls, 'utf8')).split('\n').filter(Boolean).length;
      assert.deepEqual(await loaded('all'), ['/usr/bin/dockerd']);
      assert.deepEqual(await loaded('config'), ['/usr/bin/dockerd']);
      assert.deepEqual(await loaded('config'), ['/usr/bin/dockerd']);
      assert.equal(await count(), 1);
      await loaded('all');
      assert.equal(await count(), 2);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  test('registry certificates one level under certs.d/<registry>/, stray files ignored', async () => {
    const fact = await collectHostFiles(paths, input());
    assert.ok(fact.ok);
    assert.deepEqual(
      fact.value.registryCerts.map((f) => f.path),
      ['/etc/docker/certs.d/reg:5000/ca.crt', '/etc/docker/certs.d/reg:5000/client.key'],
    );
    assert.equal(fact.value.configDir.kind, 'directory');
    assert.equal(fact.value.defaultDocker.exists, false);
  });

  test("containerd socket: dockerd's own under its exec root when no system containerd runs", async () => {
    const fact = await collectHostFiles(paths, input());
    assert.ok(fact.ok);
    assert.equal(fact.value.containerdSocket?.origin, 'supervised');
    assert.equal(fact.value.containerdSocket?.path, '/var/run/docker/containerd/containerd.sock');
    assert.equal(fact.value.containerdSocket?.stat.kind, 'socket');
  });

  test('containerd socket: the --containerd flag wins, with or without unix://', async () => {
    const fact = await collectHostFiles(
      paths,
      input({ containerd: { path: 'unix:///run/c.sock', origin: 'flag' } }),
    );
    assert.ok(fact.ok);
    assert.deepEqual(
      [fact.value.containerdSocket?.path, fact.value.containerdSocket?.origin],
      ['/run/c.sock', 'flag'],
    );
    assert.equal(fact.value.containerdSocket?.stat.exists, false);
  });

  test('the data root mount from the mount table', async () => {
    const fact = await collectHostFiles(paths, input());
    assert.ok(fact.ok);
    assert.deepEqual(fact.value.dataRoot, {
      path: '/var/lib/docker',
      origin: 'default',
      mountPoint: '/var/lib/docker',
      fsType: 'xfs',
      source: '/dev/sda2',
      fsRoot: '/',
      sameDeviceAsRoot: false,
    });
  });
});

describe('TLS files', () => {
  test("certificates parsed with their dates; the key is only stat'ed, never read", async () => {
    const pki = await makePki({ days: 20 });
    const keyPath = join(pki.dir, 'not-a-key.pem');
    await writeFile(keyPath, 'this is not a key, and nothing tries to parse it');
    await chmod(keyPath, 0o400);
    const paths = new HostPaths('/');
    const fact = await collectTlsFiles(paths, [
      { role: 'ca', key: 'tlscacert', path: pki.caCert, origin: 'file' },
      { role: 'server', key: 'tlscert', path: pki.serverCert, origin: 'flag' },
      { role: 'key', key: 'tlskey', path: keyPath, origin: 'file' },
    ]);
    assert.ok(fact.ok);
    const [ca, server, key] = fact.value.files;
    assert.equal(ca!.certificates?.[0]?.isCa, true);
    assert.equal(server!.certificates?.[0]?.subject, 'CN=dockerd');
    const daysLeft = (server!.certificates![0]!.notAfterSeconds - Date.now() / 1000) / 86_400;
    assert.ok(daysLeft > 19 && daysLeft <= 20, String(daysLeft));
    assert.deepEqual([key!.certificates, key!.problem, key!.stat.mode], [null, null, 0o400]);
    const bad = await collectTlsFiles(paths, [
      { role: 'server', key: 'tlscert', path: keyPath, origin: 'file' },
    ]);
    assert.ok(bad.ok);
    assert.match(bad.value.files[0]!.problem!, /not-a-key\.pem/);
    await rm(pki.dir, { recursive: true, force: true });
  });
});
