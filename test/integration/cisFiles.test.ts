// CIS sections 1 and 3 on a real dockerd: its TLS files, its containerd socket and its data root on a
// filesystem of its own, plus unit files, /etc/docker, registry certificates, service defaults and the
// docker group in a host root the exporter reads through --host.root. Files are chmod'ed and chown'ed
// both ways and every verdict is read from a fresh `check`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makePki, type Pki } from '../support/certs.js';
import { createDaemon, dockerdUnavailableReason, type SandboxDaemon } from '../support/dockerd.js';
import { checkJson } from '../support/exporter.js';
import { getFreePort } from '../support/ports.js';

const skip = dockerdUnavailableReason() ?? false;

describe('CIS files of a real daemon', { skip, timeout: 300_000 }, () => {
  let pki: Pki;
  let daemon: SandboxDaemon;
  let root: string;
  let dataRoot: string;
  const at = (p: string) => join(root, p);

  async function verdicts(extra: string[] = [], hostRoot = true) {
    const args = [`--docker.host=${daemon.host}`, ...(hostRoot ? [`--host.root=${root}`] : []), ...extra];
    const { report } = await checkJson(args);
    assert.equal(report.docker.reachable, true);
    return new Map(report.controls.map((c) => [c.id, c]));
  }

  function expectAll(v: Awaited<ReturnType<typeof verdicts>>, status: string, ids: readonly string[]) {
    for (const id of ids) {
      const c = v.get(id);
      assert.ok(c, `no control ${id}`);
      assert.equal(c.status, status, `${id}: ${c.status} (${c.reason})`);
    }
  }

  /** Files judged by section 3, with a mode that breaks the rule and one that keeps it. */
  let files: { path: string; bad: number; good: number; ids: [string, string] }[];

  before(async () => {
    pki = await makePki({ days: 400 });
    daemon = await createDaemon({ config: {} });
    // The data root on a tmpfs of its own (CIS 1.1.1); the harness unmounts what is under its directory.
    dataRoot = join(daemon.dir, 'data');
    await mkdir(dataRoot);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', dataRoot], {
      encoding: 'utf8',
    });
    assert.equal(mount.status, 0, mount.stderr);
    const port = await getFreePort();
    await daemon.writeConfig({
      hosts: [`unix://${daemon.dir}/docker.sock`, `tcp://127.0.0.1:${port}`],
      'data-root': dataRoot,
      tlsverify: true,
      tlscacert: pki.caCert,
      tlscert: pki.serverCert,
      tlskey: pki.serverKey,
    });
    await chmod(pki.caCert, 0o444);
    await chmod(pki.serverCert, 0o444);
    await chmod(pki.serverKey, 0o400);
    await daemon.start();

    // The host as an exporter container would see it under /host.
    root = await mkdtemp(join(tmpdir(), 'dockersec-cisroot-'));
    await symlink('/proc', at('proc'));
    await symlink('/tmp', at('tmp'));
    await mkdir(at('etc/systemd/system/docker.service.d'), { recursive: true });
    await mkdir(at('etc/docker/certs.d/registry.example:5000'), { recursive: true });
    await mkdir(at('etc/default'));
    await writeFile(
      at('etc/passwd'),
      `${await readFile('/etc/passwd', 'utf8')}alice:x:4242:4242::/home/alice:/bin/sh\nbob:x:4243:4243::/home/bob:/bin/sh\n`,
    );
    const group = (await readFile('/etc/group', 'utf8')).replace(/^docker:.*$/m, '').trim();
    await writeFile(at('etc/group'), `${group}\ndocker:x:999:alice,bob\nalice:x:4242:\n`);
    await writeFile(
      at('etc/systemd/system/docker.service'),
      '[Service]\nExecStart=/usr/sbin/dockerd -H fd://\n',
    );
    await writeFile(
      at('etc/systemd/system/docker.service.d/override.conf'),
      '[Service]\nLimitNOFILE=1048576\n',
    );
    await writeFile(at('etc/systemd/system/docker.socket'), '[Socket]\nListenStream=/run/docker.sock\n');
    await writeFile(at('etc/docker/certs.d/registry.example:5000/ca.crt'), await readFile(pki.caCert));
    await writeFile(at('etc/default/docker'), '#DOCKER_OPTS=""\n');
    for (const p of [
      'etc/systemd/system/docker.service',
      'etc/systemd/system/docker.service.d/override.conf',
      'etc/systemd/system/docker.socket',
      'etc/default/docker',
    ]) {
      await chmod(at(p), 0o644);
    }
    await chmod(at('etc/docker'), 0o755);
    await chmod(at('etc/docker/certs.d/registry.example:5000/ca.crt'), 0o444);

    files = [
      {
        path: at('etc/systemd/system/docker.service.d/override.conf'),
        bad: 0o664,
        good: 0o644,
        ids: ['docker_service_ownership', 'docker_service_permissions'],
      },
      {
        path: at('etc/systemd/system/docker.socket'),
        bad: 0o646,
        good: 0o644,
        ids: ['docker_socket_unit_ownership', 'docker_socket_unit_permissions'],
      },
      {
        path: at('etc/docker'),
        bad: 0o775,
        good: 0o755,
        ids: ['etc_docker_ownership', 'etc_docker_permissions'],
      },
      {
        path: at('etc/docker/certs.d/registry.example:5000/ca.crt'),
        bad: 0o644,
        good: 0o444,
        ids: ['registry_certs_ownership', 'registry_certs_permissions'],
      },
      { path: pki.caCert, bad: 0o666, good: 0o444, ids: ['tls_ca_ownership', 'tls_ca_permissions'] },
      { path: pki.serverCert, bad: 0o644, good: 0o444, ids: ['tls_cert_ownership', 'tls_cert_permissions'] },
      // 440 is "less" than 444 but still lets the group read the key.
      { path: pki.serverKey, bad: 0o440, good: 0o400, ids: ['tls_key_ownership', 'tls_key_permissions'] },
      {
        path: at('etc/default/docker'),
        bad: 0o666,
        good: 0o644,
        ids: ['default_docker_ownership', 'default_docker_permissions'],
      },
      {
        path: join(daemon.dir, 'exec/containerd/containerd.sock'),
        bad: 0o666,
        good: 0o660,
        ids: ['containerd_socket_ownership', 'containerd_socket_permissions'],
      },
    ];
  });
  after(async () => {
    // destroy() unmounts what dockerd and this test mounted under the sandbox, the tmpfs included.
    await daemon?.destroy();
    if (dataRoot) spawnSync('umount', [dataRoot], { stdio: 'ignore' });
    if (root) await rm(root, { recursive: true, force: true });
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  test('as CIS wants them, every file passes; sysconfig is absent, so not applicable', async () => {
    const v = await verdicts();
    expectAll(
      v,
      'pass',
      files.flatMap((f) => f.ids),
    );
    expectAll(v, 'not_applicable', ['sysconfig_docker_ownership', 'sysconfig_docker_permissions']);
    assert.match(v.get('tls_key_permissions')!.reason, new RegExp(`${pki.serverKey} has mode 400`));
    assert.match(
      v.get('containerd_socket_permissions')!.reason,
      /exec\/containerd\/containerd\.sock has mode 660/,
    );
    assert.match(v.get('docker_service_permissions')!.reason, /all 2 files conform/);
  });

  test('chmod to modes that grant too much: every permissions control fails, naming the file and the extra bits', async () => {
    for (const f of files) await chmod(f.path, f.bad);
    const v = await verdicts();
    expectAll(
      v,
      'fail',
      files.map((f) => f.ids[1]),
    );
    expectAll(
      v,
      'pass',
      files.map((f) => f.ids[0]),
    );
    assert.match(v.get('tls_key_permissions')!.reason, /has mode 440, which grants 040 beyond 400/);
    assert.match(
      v.get('etc_docker_permissions')!.reason,
      /etc\/docker has mode 775, which grants 020 beyond 755/,
    );
    assert.match(v.get('docker_service_permissions')!.reason, /override\.conf has mode 664/);
    for (const f of files) await chmod(f.path, f.good);
    expectAll(
      await verdicts(),
      'pass',
      files.flatMap((f) => f.ids),
    );
  });

  test('chown to a user: every ownership control fails, naming the owner; back to root passes', async () => {
    for (const f of files) await chown(f.path, 4242, 4242);
    const v = await verdicts();
    expectAll(
      v,
      'fail',
      files.map((f) => f.ids[0]),
    );
    expectAll(
      v,
      'pass',
      files.map((f) => f.ids[1]),
    );
    assert.match(v.get('tls_ca_ownership')!.reason, new RegExp(`${pki.caCert} is owned by alice:alice`));
    for (const f of files) await chown(f.path, 0, 0);
    expectAll(
      await verdicts(),
      'pass',
      files.flatMap((f) => f.ids),
    );
  });

  test('/etc/sysconfig/docker appears: judged; group-writable fails', async () => {
    await mkdir(at('etc/sysconfig'));
    await writeFile(at('etc/sysconfig/docker'), 'OPTIONS=""\n');
    await chmod(at('etc/sysconfig/docker'), 0o664);
    const v = await verdicts();
    expectAll(v, 'fail', ['sysconfig_docker_permissions']);
    expectAll(v, 'pass', ['sysconfig_docker_ownership']);
    await unlink(at('etc/sysconfig/docker'));
  });

  test('1.1.1: the data root on its own tmpfs passes', async () => {
    const v = await verdicts([], false);
    const c = v.get('docker_partition')!;
    assert.equal(c.status, 'pass', c.reason);
    assert.match(
      c.reason,
      new RegExp(`${dataRoot} is a filesystem of its own: ${dataRoot} \\(tmpfs tmpfs\\)`),
    );
  });

  test('1.1.2: docker group members listed; judged against --host.trusted-users by exact name', async () => {
    const listed = (await verdicts()).get('docker_group_members')!;
    assert.equal(listed.status, 'pass');
    assert.match(listed.reason, /members of docker: alice, bob \(not judged/);
    const judged = (await verdicts(['--host.trusted-users=alice,bo'])).get('docker_group_members')!;
    assert.equal(judged.status, 'fail');
    assert.match(judged.reason, /outside --host\.trusted-users: bob/);
    expectAll(await verdicts(['--host.trusted-users=alice, bob']), 'pass', ['docker_group_members']);
  });

  test('1.1.3-1.1.18: the paths audited are those of this host and this daemon', async () => {
    const v = await verdicts([], false);
    assert.match(v.get('audit_dockerd')!.reason, /\/usr\/sbin\/dockerd/);
    assert.match(v.get('audit_runc')!.reason, /\/usr\/sbin\/runc/);
    assert.match(v.get('audit_data_root')!.reason, new RegExp(dataRoot));
    assert.match(
      v.get('audit_containerd_socket')!.reason,
      new RegExp(`${daemon.dir}/exec/containerd/containerd\\.sock`),
    );
    assert.match(v.get('audit_daemon_json')!.reason, new RegExp(daemon.configPath));
    for (const id of ['audit_dockerd', 'audit_runc', 'audit_data_root']) {
      assert.ok(['pass', 'fail'].includes(v.get(id)!.status), `${id} judged`);
    }
  });
});
