import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CATALOG, cisId } from '../../src/controls/catalog.js';
import { apparmor, seccomp, selinux } from '../../src/controls/containers/confinement.js';
import {
  dockerSocket,
  hostDevices,
  mountPropagation,
  sensitiveMounts,
} from '../../src/controls/containers/hostAccess.js';
import { CONTAINER_CONTROLS } from '../../src/controls/containers/index.js';
import { hostIpc, hostNetwork, hostPid, hostUts } from '../../src/controls/containers/namespaces.js';
import { defaultBridge, portBinding, privilegedPorts } from '../../src/controls/containers/networking.js';
import {
  capabilities,
  hostUserns,
  noNewPrivileges,
  privileged,
  rootUser,
} from '../../src/controls/containers/privileges.js';
import { sshd } from '../../src/controls/containers/processes.js';
import {
  cgroupParent,
  cpuShares,
  healthcheck,
  memoryLimit,
  pidsLimit,
  readonlyRootfs,
  restartPolicy,
} from '../../src/controls/containers/resources.js';
import { swarmMode } from '../../src/controls/daemon/swarm.js';
import type { ControlDefinition, ControlResult } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import type { ContainerFacts, ContainerMount } from '../../src/facts/containers.js';
import { jsonReport } from '../../src/outputs/report/jsonReport.js';
import { textReport } from '../../src/outputs/report/textReport.js';
import { compliantContainer, makeContainer } from '../support/containerFacts.js';
import { baseInfo, type FactsOverrides, makeFacts } from '../support/facts.js';

function run(control: ControlDefinition, o: FactsOverrides = {}): ControlResult {
  return evaluate(makeFacts(o), [control]).results[0]!;
}

/** The verdict on one container with `over` applied. */
function judge(
  control: ControlDefinition,
  over: Partial<ContainerFacts>,
  o: FactsOverrides = {},
): ControlResult {
  return run(control, { ...o, containers: [makeContainer(over)] });
}
const fails = (control: ControlDefinition, over: Partial<ContainerFacts>, o: FactsOverrides = {}) =>
  judge(control, over, o).status === 'fail';
const passes = (control: ControlDefinition, over: Partial<ContainerFacts>, o: FactsOverrides = {}) =>
  judge(control, over, o).status === 'pass';

const bind = (source: string, over: Partial<ContainerMount> = {}): ContainerMount => ({
  type: 'bind',
  source,
  destination: '/mnt',
  rw: true,
  propagation: 'rprivate',
  hostPath: source,
  ...over,
});

const USERNS = { info: { securityOptions: ['name=seccomp,profile=default', 'name=userns'] } };
const ROOTLESS = { info: { securityOptions: ['name=seccomp,profile=default', 'name=rootless'] } };
const LSM_HOST = { host: { apparmorSupported: true, selinuxSupported: true } };

describe('the catalog', () => {
  test('has swarm_mode and the 27 per-container controls with the ids and CIS numbers of the issue', () => {
    const ids = Object.fromEntries(
      CATALOG.filter((c) => cisId(c)?.match(/^(4\.1|5\.)/)).map((c) => [c.id, cisId(c)]),
    );
    assert.deepEqual(ids, {
      swarm_mode: '5.1',
      container_root_user: '4.1',
      container_apparmor: '5.2',
      container_selinux: '5.3',
      container_capabilities: '5.4',
      container_privileged: '5.5',
      container_sensitive_mounts: '5.6',
      container_sshd: '5.7',
      container_privileged_ports: '5.8',
      container_host_network: '5.10',
      container_memory_limit: '5.11',
      container_cpu_shares: '5.12',
      container_readonly_rootfs: '5.13',
      container_port_binding: '5.14',
      container_restart_policy: '5.15',
      container_host_pid: '5.16',
      container_host_ipc: '5.17',
      container_host_devices: '5.18',
      container_mount_propagation: '5.20',
      container_host_uts: '5.21',
      container_seccomp: '5.22',
      container_cgroup_parent: '5.25',
      container_no_new_privileges: '5.26',
      container_healthcheck: '5.27',
      container_pids_limit: '5.29',
      container_default_bridge: '5.30',
      container_host_userns: '5.31',
      container_docker_socket: '5.32',
    });
    assert.equal(CONTAINER_CONTROLS.length, 27);
    assert.equal(new Set(CATALOG.map((c) => c.id)).size, CATALOG.length, 'ids are unique');
    assert.equal(defaultBridge.severity, 'info');
  });

  test('the fully compliant container is flagged by no control, even on a host with AppArmor and SELinux', () => {
    const evaluation = evaluate(
      makeFacts({ ...LSM_HOST, containers: [compliantContainer()] }),
      CONTAINER_CONTROLS,
    );
    for (const r of evaluation.results) assert.equal(r.status, 'pass', `${r.id}: ${r.reason}`);
  });

  test('no containers: every runtime control passes with an empty list', () => {
    for (const r of evaluate(makeFacts(), CONTAINER_CONTROLS).results) {
      assert.ok(r.status === 'pass' || r.status === 'not_applicable', `${r.id}: ${r.status}`);
      assert.deepEqual(r.containers, []);
    }
  });

  test('an unavailable inventory makes every runtime control error, and swarm_mode does not care', () => {
    const facts = makeFacts({
      containersDown: 'container inventory out of date: docker events stream ended',
    });
    const evaluation = evaluate(facts, [...CONTAINER_CONTROLS, swarmMode]);
    for (const r of evaluation.results.slice(0, -1)) {
      assert.equal(r.status, 'error', r.id);
      assert.match(r.reason, /events stream ended/);
    }
    assert.equal(evaluation.results.at(-1)!.status, 'pass');
    assert.equal(evaluation.sources.containers.up, false);
  });
});

describe('findings', () => {
  test('a failing control names every failing container with its reason, and only those', () => {
    const r = run(privileged, {
      containers: [
        makeContainer({ name: 'web', image: 'nginx:1', privileged: true }),
        makeContainer({ name: 'db', image: 'postgres:16' }),
        makeContainer({ name: 'tool', image: 'busybox', privileged: true, state: 'created' }),
      ],
    });
    assert.equal(r.status, 'fail');
    assert.deepEqual(
      r.containers!.map((c) => [c.name, c.image]),
      [
        ['web', 'nginx:1'],
        ['tool', 'busybox'],
      ],
    );
    assert.match(r.containers![0]!.reason, /privileged/);
    assert.match(r.reason, /^2 of 3 containers: web \(privileged/);
    assert.deepEqual(r.observed, { containers: 3, failing: 2, unknown: 0 });
  });

  test('the reason lists three containers and counts the rest', () => {
    const containers = ['a', 'b', 'c', 'd', 'e'].map((name) => makeContainer({ name }));
    const r = run(memoryLimit, { containers });
    assert.match(r.reason, /^5 of 5 containers: a \(no memory limit\), b .*, c .* and 2 more$/);
    assert.equal(r.containers!.length, 5);
  });

  test('JSON report lists {id, name, image, reason} per runtime control; the text report shows them', () => {
    const c = makeContainer({ name: 'web\u001b[31m', privileged: true });
    const evaluation = evaluate(makeFacts({ containers: [c] }), [privileged, memoryLimit, swarmMode]);
    const json = jsonReport(evaluation) as { controls: { id: string; containers?: unknown[] }[] };
    const priv = json.controls.find((x) => x.id === 'container_privileged')!;
    assert.deepEqual(Object.keys(priv.containers![0] as object).sort(), ['id', 'image', 'name', 'reason']);
    assert.equal(json.controls.find((x) => x.id === 'swarm_mode')!.containers, undefined);
    const text = textReport(evaluation, false);
    assert.match(text, /- web\?\[31m \(busybox:latest\): privileged/);
    assert.ok(!text.includes('\u001b'), 'no terminal escapes from a container name');
  });
});

describe('swarm_mode (5.1)', () => {
  const swarm = (state: string, expected?: boolean) =>
    run(swarmMode, { info: { swarmLocalNodeState: state }, swarmExpected: expected }).status;
  test('passes when swarm is inactive', () => assert.equal(swarm('inactive'), 'pass'));
  test('fails when swarm is active and not expected (the default)', () => {
    assert.equal(swarm('active'), 'fail');
    assert.equal(swarm('locked'), 'fail');
    assert.equal(swarm('pending'), 'fail');
  });
  test('passes an active swarm with --swarm.expected', () => assert.equal(swarm('active', true), 'pass'));
  test('errors when the API is down', () => assert.equal(run(swarmMode, { apiDown: true }).status, 'error'));
});

describe('container_root_user (4.1)', () => {
  test('fails for an unset user, 0, root and root with a group', () => {
    for (const user of ['', '0', 'root', '0:0', 'root:1000']) assert.ok(fails(rootUser, { user }), user);
  });
  test('passes for another user', () => {
    for (const user of ['1000', 'app', '1000:1000', 'nobody:nogroup'])
      assert.ok(passes(rootUser, { user }), user);
  });
  test('passes root under userns-remap, but not with --userns=host', () => {
    assert.ok(passes(rootUser, { user: '' }, USERNS));
    assert.ok(fails(rootUser, { user: '', usernsMode: 'host' }, USERNS));
  });
  test('passes root under a rootless daemon', () => assert.ok(passes(rootUser, { user: 'root' }, ROOTLESS)));
  test('is in the images section', () => assert.equal(rootUser.section, 'container_images'));
});

describe('container_apparmor (5.2) and container_selinux (5.3)', () => {
  test('not applicable on hosts without AppArmor / SELinux', () => {
    assert.equal(judge(apparmor, {}).status, 'not_applicable');
    assert.equal(judge(selinux, {}).status, 'not_applicable');
  });
  test('AppArmor: no profile or unconfined fails, docker-default passes', () => {
    assert.ok(fails(apparmor, { appArmorProfile: '' }, LSM_HOST));
    assert.ok(fails(apparmor, { appArmorProfile: 'unconfined' }, LSM_HOST));
    assert.ok(passes(apparmor, { appArmorProfile: 'docker-default' }, LSM_HOST));
  });
  test('AppArmor: a created container is judged by the profile dockerd will apply at start', () => {
    assert.ok(
      passes(apparmor, { state: 'created', appArmorProfile: '' }, LSM_HOST),
      'docker-default at start',
    );
    assert.ok(fails(apparmor, { state: 'created', appArmorProfile: '', privileged: true }, LSM_HOST));
    assert.ok(
      fails(
        apparmor,
        { state: 'created', appArmorProfile: '', securityOpt: ['apparmor=unconfined'] },
        LSM_HOST,
      ),
    );
    assert.ok(fails(apparmor, { state: 'running', appArmorProfile: '' }, LSM_HOST), 'running without one');
  });
  test('SELinux: no label or label=disable fails, a label passes', () => {
    const label = 'system_u:system_r:container_t:s0:c1,c2';
    assert.ok(fails(selinux, { processLabel: '' }, LSM_HOST));
    assert.ok(fails(selinux, { processLabel: label, securityOpt: ['label=disable'] }, LSM_HOST));
    assert.ok(fails(selinux, { processLabel: label, securityOpt: ['label:disable'] }, LSM_HOST));
    assert.ok(passes(selinux, { processLabel: label, securityOpt: ['label=level:s0:c100,c200'] }, LSM_HOST));
  });
  test('errors when host facts are unavailable', () => {
    assert.equal(judge(apparmor, {}, { hostDown: true }).status, 'error');
  });
});

describe('container_capabilities (5.4)', () => {
  test("adding from Docker's default set passes, with or without CAP_, in any case", () => {
    assert.ok(passes(capabilities, { capAdd: ['NET_RAW', 'CAP_CHOWN', 'cap_kill', 'Sys_Chroot'] }));
    assert.ok(passes(capabilities, { capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }));
  });
  test('adding beyond the default set, or ALL, fails and names them', () => {
    const r = judge(capabilities, { capAdd: ['CAP_SYS_ADMIN', 'net_admin', 'CHOWN'] });
    assert.equal(r.status, 'fail');
    assert.equal(r.containers![0]!.reason, 'adds NET_ADMIN, SYS_ADMIN');
    assert.ok(fails(capabilities, { capAdd: ['all'] }));
  });
});

describe('container_privileged (5.5) and container_seccomp (5.22)', () => {
  test('privileged fails, including a created one', () => {
    assert.ok(fails(privileged, { privileged: true, state: 'created' }));
    assert.ok(passes(privileged, {}));
  });
  test('seccomp: unconfined (both spellings) and privileged fail', () => {
    assert.ok(fails(seccomp, { securityOpt: ['seccomp=unconfined'] }));
    assert.ok(fails(seccomp, { securityOpt: ['seccomp:unconfined'] }));
    assert.equal(
      judge(seccomp, { privileged: true }).containers![0]!.reason,
      'privileged, which disables seccomp',
    );
    assert.ok(passes(seccomp, { securityOpt: ['seccomp=<custom profile>'] }));
    assert.ok(passes(seccomp, {}));
  });
  test("seccomp: the daemon's default matters for containers without their own profile", () => {
    const unconfined = { info: { securityOptions: ['name=seccomp,profile=unconfined'] } };
    assert.ok(fails(seccomp, {}, unconfined));
    assert.ok(passes(seccomp, { securityOpt: ['seccomp=<custom profile>'] }, unconfined));
    assert.ok(fails(seccomp, {}, { info: { securityOptions: [] } }), 'no seccomp support at all');
  });
});

describe('container_sensitive_mounts (5.6)', () => {
  test('binds of the listed directories or below them fail, read-only too', () => {
    for (const dir of ['/', '/boot', '/dev', '/etc', '/lib', '/proc', '/sys', '/usr', '/run', '/var/run']) {
      assert.ok(fails(sensitiveMounts, { mounts: [bind(dir)] }), dir);
    }
    assert.ok(fails(sensitiveMounts, { mounts: [bind('/etc/ssl/certs', { rw: false })] }));
    assert.ok(fails(sensitiveMounts, { mounts: [bind('/var/run/docker.sock')] }));
  });
  test('other paths pass, and / counts only as itself', () => {
    for (const dir of ['/home/app', '/srv/data', '/var/lib/app', '/etcetera', '/opt']) {
      assert.ok(passes(sensitiveMounts, { mounts: [bind(dir)] }), dir);
    }
  });
  test('a symlink to a sensitive directory is caught through the resolved host path', () => {
    const r = judge(sensitiveMounts, { mounts: [bind('/srv/config', { hostPath: '/etc' })] });
    assert.equal(r.status, 'fail');
    assert.match(r.containers![0]!.reason, /\/srv\/config \(\/etc\)/);
  });
  test('volumes are not host directories', () => {
    const volume = bind('/var/lib/docker/volumes/x/_data', { type: 'volume', hostPath: null });
    assert.ok(passes(sensitiveMounts, { mounts: [volume] }));
  });
});

describe('container_sshd (5.7)', () => {
  test('fails when sshd runs, passes when not', () => {
    assert.ok(fails(sshd, { sshd: true }));
    assert.ok(passes(sshd, { sshd: false }));
  });
  test('an unknown process list is an error unless another container fails', () => {
    const unknown = makeContainer({ sshd: null, processListError: 'ps failed' });
    const r = run(sshd, { containers: [unknown] });
    assert.equal(r.status, 'error');
    assert.match(r.reason, /could not be checked: .*ps failed/);
    const both = run(sshd, { containers: [unknown, makeContainer({ sshd: true })] });
    assert.equal(both.status, 'fail');
    assert.match(both.reason, /1 more could not be checked/);
  });
});

describe('container_privileged_ports (5.8) and container_port_binding (5.14)', () => {
  const port = (hostIp: string, hostPort: string, containerPort = '80/tcp') => ({
    containerPort,
    hostIp,
    hostPort,
  });
  test('a host port below 1024 fails, 1024 and ephemeral ports pass', () => {
    assert.ok(fails(privilegedPorts, { ports: [port('127.0.0.1', '80')] }));
    assert.ok(fails(privilegedPorts, { ports: [port('127.0.0.1', '1000-2000')] }));
    for (const p of ['1024', '8080', '8000-8010', '', '0']) {
      assert.ok(passes(privilegedPorts, { ports: [port('127.0.0.1', p)] }), p);
    }
  });
  test('IPv4 and IPv6 bindings of one port are named once', () => {
    const r = judge(privilegedPorts, { ports: [port('0.0.0.0', '80'), port('::', '80')] });
    assert.equal(r.containers![0]!.reason, 'publishes host port 80 (80/tcp)');
  });
  test('wildcard addresses fail, a specific address passes', () => {
    assert.ok(fails(portBinding, { ports: [port('0.0.0.0', '8080')] }));
    assert.ok(fails(portBinding, { ports: [port('::', '8080')] }));
    assert.ok(passes(portBinding, { ports: [port('127.0.0.1', '8080')] }));
    assert.ok(passes(portBinding, { ports: [port('192.0.2.10', '')] }));
  });
  test("an empty host IP means the daemon's default bind address", () => {
    assert.match(
      judge(portBinding, { ports: [port('', '8080')] }).containers![0]!.reason,
      /default address 0\.0\.0\.0/,
    );
    const loopbackBridge = {
      bridge: { exists: true, options: { 'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1' } },
    };
    assert.ok(passes(portBinding, { ports: [port('', '8080')] }, loopbackBridge));
    const noBridge = { bridge: { exists: false, options: {} }, config: { ip: '10.0.0.5' } };
    assert.ok(passes(portBinding, { ports: [port('', '8080')] }, noBridge));
  });
  test("the daemon's default bind address applies to the default bridge only, not to user-defined networks", () => {
    const loopbackBridge = {
      bridge: { exists: true, options: { 'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1' } },
    };
    assert.ok(
      fails(
        portBinding,
        { networkMode: 'app', networks: ['app'], ports: [port('', '8080')] },
        loopbackBridge,
      ),
    );
  });
  test('container_default_bridge (5.30) follows the attached networks, not NetworkMode', () => {
    assert.ok(fails(defaultBridge, { networkMode: 'default', networks: ['bridge'] }));
    assert.ok(
      passes(defaultBridge, { networkMode: 'default', networks: ['app'] }),
      'disconnected from bridge',
    );
    assert.ok(passes(defaultBridge, { networkMode: 'app', networks: ['app'] }));
    const noBridge = { bridge: { exists: false, options: {} } };
    assert.ok(
      passes(defaultBridge, { networkMode: 'default', networks: ['bridge'] }, noBridge),
      'no docker0 at all',
    );
  });
});

describe('namespaces: host network (5.10), PID (5.16), IPC (5.17), UTS (5.21), user (5.31)', () => {
  const cases: [ControlDefinition, keyof ContainerFacts, string][] = [
    [hostNetwork, 'networkMode', 'bridge'],
    [hostPid, 'pidMode', 'container:abc'],
    [hostIpc, 'ipcMode', 'shareable'],
    [hostUts, 'utsMode', ''],
    [hostUserns, 'usernsMode', ''],
  ];
  for (const [control, field, other] of cases) {
    test(`${control.id}: host fails, ${JSON.stringify(other)} passes`, () => {
      assert.ok(fails(control, { [field]: 'host' }));
      assert.ok(passes(control, { [field]: other }));
    });
  }
});

describe('resources and lifecycle', () => {
  test('container_memory_limit (5.11)', () => {
    assert.ok(fails(memoryLimit, { memory: 0 }));
    assert.ok(passes(memoryLimit, { memory: 256 * 1024 * 1024 }));
  });
  test('container_cpu_shares (5.12): any of shares, CPUs, quota, cpuset or count passes', () => {
    assert.ok(fails(cpuShares, {}));
    assert.ok(fails(cpuShares, { cpuQuota: -1 }), 'quota -1 is unlimited');
    for (const over of [
      { cpuShares: 512 },
      { nanoCpus: 1e9 },
      { cpuQuota: 50_000 },
      { cpusetCpus: '0' },
      { cpuCount: 1 },
    ]) {
      assert.ok(passes(cpuShares, over), JSON.stringify(over));
    }
  });
  test('container_readonly_rootfs (5.13)', () => {
    assert.ok(fails(readonlyRootfs, { readonlyRootfs: false }));
    assert.ok(passes(readonlyRootfs, { readonlyRootfs: true }));
  });
  test('container_restart_policy (5.15): the policy name counts, not only the retry count', () => {
    const policy = (name: string, maximumRetryCount = 0) => ({ restartPolicy: { name, maximumRetryCount } });
    assert.ok(fails(restartPolicy, policy('always')));
    assert.ok(fails(restartPolicy, policy('unless-stopped')));
    assert.ok(fails(restartPolicy, policy('on-failure', 0)));
    assert.ok(fails(restartPolicy, policy('on-failure', 6)));
    assert.ok(passes(restartPolicy, policy('on-failure', 1)));
    assert.ok(passes(restartPolicy, policy('on-failure', 5)));
    assert.ok(passes(restartPolicy, policy('no')));
    assert.ok(passes(restartPolicy, policy('')));
  });
  test('container_cgroup_parent (5.25)', () => {
    assert.ok(fails(cgroupParent, { cgroupParent: '/custom' }));
    assert.ok(passes(cgroupParent, { cgroupParent: '' }));
  });
  test('container_healthcheck (5.27)', () => {
    assert.ok(fails(healthcheck, { healthcheck: false }));
    assert.ok(passes(healthcheck, { healthcheck: true }));
  });
  test('container_pids_limit (5.29): unset, 0 and -1 are unlimited', () => {
    for (const limit of [null, 0, -1]) assert.ok(fails(pidsLimit, { pidsLimit: limit }), String(limit));
    assert.ok(passes(pidsLimit, { pidsLimit: 100 }));
  });
});

describe('host access: devices (5.18), propagation (5.20)', () => {
  test('devices, device requests and device cgroup rules each fail', () => {
    assert.ok(fails(hostDevices, { devices: ['/dev/fuse'] }));
    assert.ok(fails(hostDevices, { deviceRequests: 1 }));
    assert.ok(fails(hostDevices, { deviceCgroupRules: ['c 10:229 rwm'] }));
    assert.ok(passes(hostDevices, {}));
  });
  test('shared and rshared propagation fail, slave and private pass', () => {
    assert.ok(fails(mountPropagation, { mounts: [bind('/srv', { propagation: 'shared' })] }));
    assert.ok(fails(mountPropagation, { mounts: [bind('/srv', { propagation: 'rshared' })] }));
    assert.ok(passes(mountPropagation, { mounts: [bind('/srv', { propagation: 'rslave' })] }));
    assert.ok(passes(mountPropagation, { mounts: [bind('/srv', { propagation: '' })] }));
  });
});

describe('container_no_new_privileges (5.26)', () => {
  test("the container's own option decides when set", () => {
    assert.ok(passes(noNewPrivileges, { securityOpt: ['no-new-privileges'] }));
    assert.ok(passes(noNewPrivileges, { securityOpt: ['no-new-privileges:true'] }));
    assert.ok(
      fails(
        noNewPrivileges,
        { securityOpt: ['no-new-privileges=false'] },
        { config: { 'no-new-privileges': true } },
      ),
    );
    assert.ok(
      fails(noNewPrivileges, { securityOpt: ['no-new-privileges', 'no-new-privileges=false'] }),
      'last wins',
    );
  });
  test("else the daemon's default: configured on 20.10, SecurityOptions from 24.0", () => {
    assert.ok(fails(noNewPrivileges, {}));
    assert.ok(passes(noNewPrivileges, {}, { config: { 'no-new-privileges': true } }));
    assert.ok(passes(noNewPrivileges, {}, { args: ['--no-new-privileges'] }));
    const v24 = (opts: string[]) => ({ version: '24.0.7', info: { securityOptions: opts } });
    assert.ok(passes(noNewPrivileges, {}, v24([...baseInfo.securityOptions, 'name=no-new-privileges'])));
    assert.ok(
      fails(
        noNewPrivileges,
        {},
        { ...v24([...baseInfo.securityOptions]), config: { 'no-new-privileges': true } },
      ),
    );
  });
  test('the running process is the truth: the default was frozen in when the container was created', () => {
    assert.ok(passes(noNewPrivileges, { noNewPrivsProc: true }));
    assert.ok(fails(noNewPrivileges, { noNewPrivsProc: false }, { config: { 'no-new-privileges': true } }));
  });
  test('a broken daemon.json leaves containers relying on the default unknown', () => {
    const broken = { config: '{"no-new-privileges": true,,}' };
    assert.equal(judge(noNewPrivileges, {}, broken).status, 'error');
    assert.ok(passes(noNewPrivileges, { securityOpt: ['no-new-privileges'] }, broken));
  });
});

describe('container_default_bridge (5.30)', () => {
  test('on the bridge network fails, a user-defined network passes', () => {
    assert.ok(fails(defaultBridge, { networks: ['bridge'], networkMode: 'default' }));
    assert.ok(fails(defaultBridge, { networks: [], networkMode: 'bridge' }));
    assert.ok(passes(defaultBridge, { networks: ['app'], networkMode: 'app' }));
    assert.ok(passes(defaultBridge, { networks: ['none'], networkMode: 'none' }));
  });
  test('a daemon without a default bridge puts nobody on it', () => {
    assert.ok(
      passes(
        defaultBridge,
        { networks: [], networkMode: 'default' },
        { bridge: { exists: false, options: {} } },
      ),
    );
  });
});

describe('container_docker_socket (5.32)', () => {
  test('the socket or a directory holding it fails, whichever spelling of /var/run', () => {
    for (const source of ['/var/run/docker.sock', '/run/docker.sock', '/var/run', '/run', '/', '/var']) {
      const hostPath = source.replace(/^\/var\/run/, '/run');
      assert.ok(fails(dockerSocket, { mounts: [bind(source, { hostPath })] }), source);
    }
  });
  test('other paths, and siblings of the socket, pass', () => {
    for (const source of ['/run/docker', '/var/run/other.sock', '/srv', '/run/docker.sock.bak']) {
      assert.ok(passes(dockerSocket, { mounts: [bind(source)] }), source);
    }
  });
  test('a symlink elsewhere that resolves to the socket fails', () => {
    const r = judge(dockerSocket, { mounts: [bind('/opt/link.sock', { hostPath: '/run/docker.sock' })] });
    assert.equal(r.status, 'fail');
    assert.match(
      r.containers![0]!.reason,
      /mounts the daemon socket \/opt\/link\.sock \(\/run\/docker\.sock\)/,
    );
  });
  test("the daemon's actual listeners count; its other sockets (metrics, libnetwork) do not", () => {
    const daemonSockets = [
      { path: '/tmp/d/api.sock', hostPath: '/tmp/d/api.sock', exporter: true },
      { path: '/srv/docker/docker.sock', hostPath: '/srv/docker/docker.sock', exporter: false },
      { path: '/run/docker/metrics.sock', hostPath: '/run/docker/metrics.sock', exporter: false },
    ];
    assert.ok(fails(dockerSocket, { mounts: [bind('/tmp/d')] }, { daemonSockets }));
    assert.ok(fails(dockerSocket, { mounts: [bind('/srv/docker')] }, { daemonSockets }));
    assert.ok(passes(dockerSocket, { mounts: [bind('/run/docker/metrics.sock')] }, { daemonSockets }));
    assert.ok(
      passes(dockerSocket, { mounts: [bind('/var/run')] }, { daemonSockets }),
      'not where this daemon listens',
    );
  });
  test('configured unix hosts count even when dockerd is not visible', () => {
    const o = {
      daemonSockets: [],
      args: [],
      config: { hosts: ['unix:///srv/api/d.sock', 'tcp://127.0.0.1:2375'] },
    };
    assert.ok(fails(dockerSocket, { mounts: [bind('/srv/api')] }, o));
    assert.ok(passes(dockerSocket, { mounts: [bind('/var/run/docker.sock')] }, o));
  });
  test('volumes never count', () => {
    assert.ok(
      passes(dockerSocket, { mounts: [bind('/var/lib/docker/volumes/v/_data', { type: 'volume' })] }),
    );
  });
});
