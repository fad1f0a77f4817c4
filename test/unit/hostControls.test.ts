// CIS section 1: data root partition, docker group members, audit rules; with the parsers and the host
// lookups behind them run against real files in a scratch host root.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cisId } from '../../src/controls/define.js';
import { AUDIT_CONTROLS, ruleCovers } from '../../src/controls/host/audit.js';
import { dockerGroupMembers } from '../../src/controls/host/dockerGroup.js';
import { dockerPartition } from '../../src/controls/host/partition.js';
import type { ControlDefinition } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import type { AuditRule, AuditTarget } from '../../src/facts/hostFileTypes.js';
import { collectAudit, parseAuditRules } from '../../src/sources/hostFiles/auditRules.js';
import { parseGroupMembers } from '../../src/sources/hostFiles/dockerGroup.js';
import { hostRealpath } from '../../src/sources/hostFiles/hostRealpath.js';
import { mountOf, parseMountinfo } from '../../src/sources/hostFiles/mounts.js';
import { HostPaths } from '../../src/sources/hostPaths.js';
import { stockAuditTargets, stockHostFiles } from '../support/exposureFacts.js';
import { type FactsOverrides, makeFacts } from '../support/facts.js';

const run = (c: ControlDefinition, o: FactsOverrides = {}) => evaluate(makeFacts(o), [c]).results[0]!;
const audit = (id: string) => AUDIT_CONTROLS.find((c) => c.id === id)!;

describe('docker_partition (1.1.1)', () => {
  const dataRoot = (over: object) => ({
    hostFiles: { dataRoot: { ...stockHostFiles().dataRoot!, ...over } },
  });

  test('a data root on the root filesystem fails', () => {
    const r = run(dockerPartition, { exposure: dataRoot({}) });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /\/var\/lib\/docker lives on \/ \(ext4 \/dev\/vda\)/);
  });
  test('its own filesystem passes', () => {
    const r = run(dockerPartition, {
      exposure: dataRoot({
        mountPoint: '/var/lib/docker',
        source: '/dev/vdb1',
        fsRoot: '/',
        sameDeviceAsRoot: false,
      }),
    });
    assert.equal(r.status, 'pass', r.reason);
  });
  test("dockerd's bind mount of its data root onto itself is still the root filesystem", () => {
    const r = run(dockerPartition, {
      exposure: dataRoot({
        mountPoint: '/var/lib/docker',
        fsRoot: '/var/lib/docker',
        sameDeviceAsRoot: true,
      }),
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /bind mount/);
  });
  test('a btrfs subvolume mounted there has its own device and passes', () => {
    const r = run(dockerPartition, {
      exposure: dataRoot({
        mountPoint: '/var/lib/docker',
        fsType: 'btrfs',
        fsRoot: '/@docker',
        sameDeviceAsRoot: false,
      }),
    });
    assert.equal(r.status, 'pass');
  });
  test('an unknown mount is an error', () => {
    assert.equal(run(dockerPartition, { exposure: { hostFiles: { dataRoot: null } } }).status, 'error');
  });
});

describe('mountinfo', () => {
  const text = [
    '70 69 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '92 70 254:0 /tmp/x/root /var/lib/docker rw,relatime shared:4 - ext4 /dev/vda rw',
    '95 70 0:55 / /srv/my\\040data rw - tmpfs tmpfs rw',
  ].join('\n');
  test('fields, octal escapes, the longest covering mount point', () => {
    const mounts = parseMountinfo(text);
    assert.equal(mounts[2]!.mountPoint, '/srv/my data');
    assert.equal(mountOf(mounts, '/var/lib/docker')?.fsRoot, '/tmp/x/root');
    assert.equal(mountOf(mounts, '/var/lib/dockerx')?.mountPoint, '/', 'a name prefix is not a path prefix');
    assert.equal(mountOf(mounts, '/srv/my data/docker')?.device, '0:55');
  });
});

describe('docker_group_members (1.1.2)', () => {
  const group = (members: string[], primary: string[] = []) => ({
    hostFiles: { dockerGroup: { name: 'docker', gid: 999, members, primaryMembers: primary } },
  });

  test('without --host.trusted-users the members are listed and not judged', () => {
    const r = run(dockerGroupMembers, { exposure: group(['alice', 'bob']) });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /alice, bob/);
    assert.match(r.reason, /not judged/);
  });
  test('members outside the trusted list fail, by exact name (bob does not vouch for bobby)', () => {
    const r = run(dockerGroupMembers, {
      exposure: group(['alice', 'bobby']),
      trustedUsers: ['alice', 'bob'],
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /outside --host\.trusted-users: bobby/);
  });
  test('users whose primary group it is count as members', () => {
    const r = run(dockerGroupMembers, { exposure: group([], ['mallory']), trustedUsers: ['alice'] });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /mallory/);
  });
  test('all trusted passes; no group or a rootless daemon is not applicable', () => {
    assert.equal(
      run(dockerGroupMembers, { exposure: group(['alice']), trustedUsers: ['alice'] }).status,
      'pass',
    );
    const none = {
      hostFiles: { dockerGroup: { name: 'docker', gid: null, members: [], primaryMembers: [] } },
    };
    assert.equal(run(dockerGroupMembers, { exposure: none }).status, 'not_applicable');
    assert.equal(
      run(dockerGroupMembers, { dockerdUid: 1000, exposure: group(['alice']) }).status,
      'not_applicable',
    );
  });
  test('/etc/group and /etc/passwd parsing', () => {
    const g = parseGroupMembers(
      'root:x:0:\ndocker:x:107:alice, bob\ndockerx:x:108:eve\n',
      'root:x:0:0::/root:/bin/sh\ncarol:x:1002:107::/home/carol:/bin/sh\n',
      'docker',
    );
    assert.deepEqual(g, { name: 'docker', gid: 107, members: ['alice', 'bob'], primaryMembers: ['carol'] });
    assert.equal(parseGroupMembers('', '', 'docker').gid, null);
  });
});

describe('audit rules', () => {
  const target = (path: string, aliases: string[] = []): AuditTarget => ({
    subject: 'runc',
    path,
    aliases,
    exists: true,
    how: 'test',
  });
  const rule = (text: string): AuditRule => parseAuditRules(text, 'f')[0]!;

  test('parses watches and syscall rules with path, dir, perm and key', () => {
    const rules = parseAuditRules(
      [
        '# comment',
        '-w /usr/bin/dockerd -p wa -k docker',
        '-a always,exit -F arch=b64 -S all -F path=/usr/sbin/runc -F perm=x -F key=docker',
        '-a always,exit -F dir=/etc/docker -F perm=wa -k docker',
        '-W /old/path',
        '-D',
      ].join('\n'),
      '/etc/audit/rules.d/docker.rules',
    );
    assert.deepEqual(
      rules.map((r) => [r.kind, r.path, r.perms, r.key, r.line]),
      [
        ['watch', '/usr/bin/dockerd', 'wa', 'docker', 2],
        ['path', '/usr/sbin/runc', 'x', 'docker', 3],
        ['dir', '/etc/docker', 'wa', 'docker', 4],
      ],
    );
  });

  test('a rule covers the file, an alias, or a directory above; never a mere substring', () => {
    assert.ok(ruleCovers(rule('-w /usr/sbin/runc'), target('/usr/sbin/runc')));
    assert.ok(ruleCovers(rule('-w /sbin/runc'), target('/usr/sbin/runc', ['/sbin/runc'])));
    assert.ok(ruleCovers(rule('-w /etc/docker/'), target('/etc/docker/daemon.json')));
    assert.ok(ruleCovers(rule('-a always,exit -F dir=/var/lib -k d'), target('/var/lib/docker')));
    assert.ok(!ruleCovers(rule('-w /usr/bin/dockerd-rootless.sh'), target('/usr/bin/dockerd')));
    assert.ok(!ruleCovers(rule('-w /run/containerd/containerd.sock'), target('/run/containerd')));
    assert.ok(
      !ruleCovers(rule('-a always,exit -F path=/usr/bin -k d'), target('/usr/bin/runc')),
      'path= is exact',
    );
  });

  const withRules = (rules: AuditRule[], loaded: AuditRule[] | null = null) => ({
    hostFiles: {
      audit: {
        ruleFiles: ['/etc/audit/rules.d/docker.rules'],
        rules,
        loaded,
        loadedProblem: loaded ? null : 'auditctl -l: auditctl not installed',
        targets: stockAuditTargets(),
      },
    },
  });

  test('runc under /usr/sbin: a rule for /usr/bin/runc does not count, one for /usr/sbin/runc does', () => {
    const wrong = run(audit('audit_runc'), { exposure: withRules([rule('-w /usr/bin/runc -k docker')]) });
    assert.equal(wrong.status, 'fail');
    assert.match(wrong.reason, /no audit rule for \/usr\/sbin\/runc \(nor for \/sbin\/runc\)/);
    const right = run(audit('audit_runc'), { exposure: withRules([rule('-w /usr/sbin/runc -k docker')]) });
    assert.equal(right.status, 'pass');
    assert.match(right.reason, /rules files only/);
  });

  test('the loaded rules decide when auditctl can be asked', () => {
    const fileRule = rule('-w /usr/sbin/dockerd -k docker');
    const notLoaded = run(audit('audit_dockerd'), { exposure: withRules([fileRule], []) });
    assert.equal(notLoaded.status, 'fail');
    assert.match(notLoaded.reason, /not loaded/);
    const loaded = { ...fileRule, source: 'auditctl -l' };
    assert.equal(run(audit('audit_dockerd'), { exposure: withRules([fileRule], [loaded]) }).status, 'pass');
  });

  test('a rule that does not watch writes fails', () => {
    const r = run(audit('audit_daemon_json'), {
      exposure: withRules([rule('-w /etc/docker/daemon.json -p r')]),
    });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /do not watch writes/);
  });

  test('absent files are not applicable', () => {
    assert.equal(run(audit('audit_sysconfig_docker')).status, 'not_applicable');
  });

  test('one control per subject: 1.1.3 to 1.1.18 in 1.6.0; in 1.8.0, 1.1.9 is docker.sock, the unit has none', () => {
    const ids = (v: '1.6.0' | '1.8.0') => AUDIT_CONTROLS.map((c) => cisId(c, v));
    const sequence = Array.from({ length: 16 }, (_, i) => `1.1.${i + 3}`);
    assert.deepEqual(ids('1.6.0').filter(Boolean), sequence);
    assert.deepEqual(ids('1.8.0').filter(Boolean), sequence);
    const byId = Object.fromEntries(AUDIT_CONTROLS.map((c) => [c.id, c]));
    assert.equal(cisId(byId.audit_docker_socket!, '1.6.0'), '1.1.9');
    assert.equal(cisId(byId.audit_docker_socket!, '1.8.0'), null);
    assert.equal(cisId(byId.audit_docker_sock!, '1.8.0'), '1.1.9');
    assert.equal(cisId(byId.audit_docker_sock!, '1.6.0'), null);
  });
});

describe('host lookups in a scratch host root', () => {
  let root: string;
  let paths: HostPaths;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'dockersec-hostroot-'));
    paths = new HostPaths(root);
    // Debian's merged /usr: /sbin is a relative link, /bin an absolute one (which must resolve in the root).
    await mkdir(join(root, 'usr/sbin'), { recursive: true });
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await symlink('usr/sbin', join(root, 'sbin'));
    await symlink('/usr/bin', join(root, 'bin'));
    await writeFile(join(root, 'usr/sbin/runc'), '');
    await writeFile(join(root, 'usr/bin/containerd'), '');
    await mkdir(join(root, 'etc/audit/rules.d'), { recursive: true });
    await writeFile(join(root, 'etc/audit/audit.rules'), '-D\n-w /usr/bin/containerd -k docker\n');
    await writeFile(join(root, 'etc/audit/rules.d/docker.rules'), '-w /sbin/runc -k docker\n');
  });
  after(async () => rm(root, { recursive: true, force: true }));

  test('hostRealpath resolves absolute links inside the host root', async () => {
    assert.equal(await hostRealpath(paths, '/bin/containerd'), '/usr/bin/containerd');
    assert.equal(await hostRealpath(paths, '/sbin/runc'), '/usr/sbin/runc');
    assert.equal(await hostRealpath(paths, '/usr/bin/nothing'), null);
  });

  test('audit targets are found where the distribution put them, with their aliases', async () => {
    const facts = await collectAudit(paths, {
      dockerdPid: null,
      dataRoot: '/var/lib/docker',
      configDir: '/etc/docker',
      daemonJson: '/etc/docker/daemon.json',
      serviceFragment: null,
      socketFragment: null,
      dockerSocket: null,
      containerdSocket: '/run/containerd/containerd.sock',
      containerdConfig: '/etc/containerd/config.toml',
    });
    const runc = facts.targets.find((t) => t.subject === 'runc')!;
    assert.equal(runc.path, '/usr/sbin/runc');
    assert.deepEqual(runc.aliases, ['/sbin/runc']);
    const containerd = facts.targets.find((t) => t.subject === 'containerd')!;
    assert.equal(containerd.path, '/usr/bin/containerd');
    assert.deepEqual(containerd.aliases, ['/bin/containerd']);
    assert.equal(facts.targets.find((t) => t.subject === 'dockerd')!.exists, false);
    assert.deepEqual(facts.ruleFiles, ['/etc/audit/audit.rules', '/etc/audit/rules.d/docker.rules']);
    // Judged on the files alone, whatever auditctl on this machine has loaded.
    const r = run(audit('audit_runc'), {
      exposure: { hostFiles: { audit: { ...facts, loaded: null, loadedProblem: 'not asked' } } },
    });
    assert.equal(r.status, 'pass', r.reason);
  });
});
