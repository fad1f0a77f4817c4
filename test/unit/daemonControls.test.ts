import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  apparmor,
  noNewPrivileges,
  rootless,
  seccomp,
  selinux,
  usernsRemap,
} from '../../src/controls/daemon/isolation.js';
import { logLevel, logRotation, remoteLogging } from '../../src/controls/daemon/logging.js';
import { icc, insecureRegistries, iptables, userlandProxy } from '../../src/controls/daemon/network.js';
import {
  authorizationPlugin,
  cgroupParent,
  defaultUlimits,
  experimental,
  liveRestore,
} from '../../src/controls/daemon/runtimeDefaults.js';
import { baseDeviceSize, devicemapperStorage, storageDriver } from '../../src/controls/daemon/storage.js';
import { tls } from '../../src/controls/daemon/tls.js';
import type { ControlDefinition, ControlResult } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { listener, probed } from '../support/exposureFacts.js';
import { baseInfo, type FactsOverrides, makeFacts } from '../support/facts.js';

function run(control: ControlDefinition, o: FactsOverrides = {}): ControlResult {
  return evaluate(makeFacts(o), [control]).results[0]!;
}
const status = (control: ControlDefinition, o: FactsOverrides = {}) => run(control, o).status;

describe('rootless (2.1)', () => {
  test('passes when the daemon reports rootless', () => {
    assert.equal(
      status(rootless, { info: { securityOptions: ['name=seccomp,profile=default', 'name=rootless'] } }),
      'pass',
    );
  });
  test('fails for a root daemon', () => assert.equal(status(rootless), 'fail'));
  test('errors when the API is down', () => assert.equal(status(rootless, { apiDown: true }), 'error'));
});

describe('icc (2.2)', () => {
  test('passes when the bridge has enable_icc=false', () => {
    const r = run(icc, {
      bridge: { exists: true, options: { 'com.docker.network.bridge.enable_icc': 'false' } },
    });
    assert.equal(r.status, 'pass');
  });
  test('fails on the default bridge with icc on, even if daemon.json says false (effective wins)', () => {
    const r = run(icc, {
      config: { icc: false },
      bridge: { exists: true, options: { 'com.docker.network.bridge.enable_icc': 'true' } },
    });
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.observed, { runtime: true, configured: false });
  });
  test('not applicable without a default bridge', () => {
    assert.equal(status(icc, { bridge: { exists: false, options: {} } }), 'not_applicable');
  });
  test('error when the daemon is down, even with icc false configured', () => {
    assert.equal(status(icc, { apiDown: true, config: { icc: false } }), 'error');
  });
});

describe('log_level (2.3)', () => {
  test('unset counts as info', () => assert.equal(status(logLevel), 'pass'));
  test('explicit info passes, in any case (logrus ignores case)', () => {
    assert.equal(status(logLevel, { config: { 'log-level': 'info' } }), 'pass');
    assert.equal(status(logLevel, { config: { 'log-level': 'INFO' } }), 'pass');
    assert.equal(status(logLevel, { args: ['--log-level=Info'] }), 'pass');
  });
  test('debug in daemon.json fails', () =>
    assert.equal(status(logLevel, { config: { 'log-level': 'debug' } }), 'fail'));
  test('warn fails too (CIS wants info)', () =>
    assert.equal(status(logLevel, { config: { 'log-level': 'warn' } }), 'fail'));
  test('--log-level=debug on the command line fails (docker-bench misses it)', () => {
    assert.equal(status(logLevel, { args: ['--log-level=debug'] }), 'fail');
    assert.equal(status(logLevel, { args: ['-l', 'debug'] }), 'fail');
  });
  test('debug: true overrides log-level', () => {
    assert.equal(status(logLevel, { config: { debug: true, 'log-level': 'info' } }), 'fail');
    assert.equal(status(logLevel, { args: ['-D'] }), 'fail');
  });
  test('a running daemon in debug mode fails although the file says info', () => {
    assert.equal(status(logLevel, { config: { 'log-level': 'info' }, info: { debug: true } }), 'fail');
  });
  test('broken daemon.json gives error, not a guess', () => {
    const r = run(logLevel, { config: '{"log-level": "info",' });
    assert.equal(r.status, 'error');
    assert.match(r.reason, /not valid JSON/);
  });
  test('wrong type is an error naming the key', () => {
    const r = run(logLevel, { config: { debug: 'yes' } });
    assert.equal(r.status, 'error');
    assert.match(r.reason, /"debug"/);
  });
});

describe('iptables (2.4)', () => {
  test('default passes', () => assert.equal(status(iptables), 'pass'));
  test('iptables false in file fails', () =>
    assert.equal(status(iptables, { config: { iptables: false } }), 'fail'));
  test('--iptables=false flag fails', () =>
    assert.equal(status(iptables, { args: ['--iptables=false'] }), 'fail'));
  test('"--iptables false" is not how pflag reads a bool: the flag alone means true', () => {
    assert.equal(status(iptables, { args: ['--iptables', 'false'] }), 'pass');
  });
  test('keeps its verdict when the API is down', () => {
    assert.equal(status(iptables, { apiDown: true, config: { iptables: false } }), 'fail');
  });
});

describe('insecure_registries (2.5)', () => {
  test("dockerd's built-in loopback ranges do not count", () => {
    assert.equal(
      status(insecureRegistries, { info: { insecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'] } }),
      'pass',
    );
  });
  test('an extra CIDR fails', () => {
    const r = run(insecureRegistries, { info: { insecureRegistryCIDRs: ['127.0.0.0/8', '10.0.0.0/8'] } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /10\.0\.0\.0\/8/);
  });
  test('an insecure index (hostname) fails', () => {
    assert.equal(status(insecureRegistries, { info: { insecureIndexes: ['registry.local:5000'] } }), 'fail');
  });
});

describe('storage_driver (2.6) and base_device_size (2.11)', () => {
  test('overlay2 passes, aufs fails; devicemapper is left to devicemapper_storage (one cause, one failure)', () => {
    assert.equal(status(storageDriver), 'pass');
    assert.equal(status(storageDriver, { info: { driver: 'aufs' } }), 'fail');
    assert.equal(status(storageDriver, { info: { driver: 'devicemapper' } }), 'pass');
    assert.equal(status(devicemapperStorage, { info: { driver: 'devicemapper' } }), 'fail');
  });
  test('devicemapper_storage (CIS 1.8.0 2.7): the running driver, else the configured one', () => {
    assert.equal(status(devicemapperStorage), 'pass');
    assert.equal(status(devicemapperStorage, { info: { driver: 'devicemapper' } }), 'fail');
    assert.equal(status(devicemapperStorage, { config: { 'storage-driver': 'devicemapper' } }), 'fail');
    const r = run(devicemapperStorage, { config: { 'storage-driver': 'devicemapper' }, version: '28.5.2' });
    assert.match(r.reason, /removed in 25\.0/);
  });
  test('devicemapper_storage without a daemon: an unreadable daemon.json is not judged, not "not set"', () => {
    const r = run(devicemapperStorage, { apiDown: true, config: '{"storage-driver": "devicemapper",, }' });
    assert.equal(r.status, 'error');
  });
  test('dm.basesize in storage-opts fails, other options pass', () => {
    assert.equal(status(baseDeviceSize, { config: { 'storage-opts': ['dm.basesize=20G'] } }), 'fail');
    assert.equal(status(baseDeviceSize, { args: ['--storage-opt', 'dm.basesize=20G'] }), 'fail');
    assert.equal(status(baseDeviceSize, { config: { 'storage-opts': ['overlay2.size=10G'] } }), 'pass');
    assert.equal(status(baseDeviceSize), 'pass');
  });
});

describe('tls (2.7)', () => {
  const tcp = ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'];
  test('not applicable without TCP listeners', () => assert.equal(status(tls), 'not_applicable'));
  test('plain TCP fails', () => {
    const r = run(tls, { config: { hosts: tcp }, args: [] });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /no TLS/);
  });
  test('a bare host:port is a TCP listener too', () => {
    assert.equal(status(tls, { config: { hosts: ['0.0.0.0:2375'] }, args: [] }), 'fail');
  });
  test('tls: true alone verifies clients (dockerd rule), so it passes', () => {
    const r = run(tls, { config: { hosts: tcp, tls: true }, args: [] });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /treats as tlsverify=true/);
  });
  test('explicit tlsverify: false turns verification off', () => {
    assert.equal(status(tls, { config: { hosts: tcp, tls: true, tlsverify: false }, args: [] }), 'fail');
  });
  test('a TCP ListenStream of docker.socket behind -H fd:// is a TCP listener too', () => {
    const exposure = {
      exposure: {
        inheritsSockets: true,
        listeners: [
          probed(
            listener('0.0.0.0', 2375, { declared: ['ListenStream=2375'], origins: ['listen_stream'] }),
            'plain',
          ),
        ],
      },
    };
    const plain = run(tls, { args: ['-H', 'fd://'], exposure });
    assert.equal(plain.status, 'fail');
    assert.match(plain.reason, /ListenStream=2375/);
    assert.equal(status(tls, { args: ['-H', 'fd://'], config: { tlsverify: true }, exposure }), 'pass');
    assert.equal(status(tls, { args: ['-H', 'fd://'] }), 'not_applicable', 'stock docker.socket: unix only');
  });
  test('tlsverify: true passes', () => {
    assert.equal(status(tls, { config: { hosts: tcp, tlsverify: true }, args: [] }), 'pass');
  });
  test('-H tcp:// on the command line with TLS settings in daemon.json (docker-bench #295) passes', () => {
    assert.equal(
      status(tls, { config: { tlsverify: true }, args: ['-H', 'fd://', '-H', 'tcp://0.0.0.0:2376'] }),
      'pass',
    );
  });
  test('--tlsverify=false flag fails', () => {
    assert.equal(status(tls, { args: ['-H=tcp://0.0.0.0:2376', '--tlsverify=false'] }), 'fail');
  });
  test('DOCKER_TLS_VERIFY in dockerd environment counts as tlsverify', () => {
    assert.equal(
      status(tls, { args: ['-H', 'tcp://0.0.0.0:2376'], dockerdEnv: { DOCKER_TLS_VERIFY: '1' } }),
      'pass',
    );
  });
  test('the running daemon reporting an unencrypted listener fails whatever the config says', () => {
    const r = run(tls, {
      config: { tlsverify: true },
      info: { warnings: ['WARNING: API is accessible on http://0.0.0.0:2375 without encryption.'] },
    });
    assert.equal(r.status, 'fail');
  });
  test('the newer [DEPRECATION NOTICE] wording is recognised', () => {
    const r = run(tls, {
      info: {
        warnings: [
          '[DEPRECATION NOTICE]: API is accessible on https://0.0.0.0:2376 without TLS client verification.',
        ],
      },
    });
    assert.equal(r.status, 'fail');
  });
});

describe('default_ulimits (2.8), cgroup_parent (2.10)', () => {
  test('default ulimits set in file or by flag pass', () => {
    assert.equal(
      status(defaultUlimits, {
        config: { 'default-ulimits': { nofile: { Name: 'nofile', Soft: 1024, Hard: 2048 } } },
      }),
      'pass',
    );
    assert.equal(status(defaultUlimits, { args: ['--default-ulimit', 'nofile=1024:2048'] }), 'pass');
  });
  test('missing or empty default ulimits fail; the ignored singular key does not count', () => {
    assert.equal(status(defaultUlimits), 'fail');
    assert.equal(status(defaultUlimits, { config: { 'default-ulimits': {} } }), 'fail');
    assert.equal(status(defaultUlimits, { config: { 'default-ulimit': { nofile: 'x' } } }), 'fail');
  });
  test('cgroup-parent in daemon.json fails (docker-bench never detects it)', () => {
    assert.equal(status(cgroupParent, { config: { 'cgroup-parent': '/foo' } }), 'fail');
    assert.equal(status(cgroupParent, { args: ['--cgroup-parent=/foo'] }), 'fail');
    assert.equal(status(cgroupParent), 'pass');
  });
});

describe('userns_remap (2.9)', () => {
  test('passes with name=userns', () => {
    assert.equal(
      status(usernsRemap, { info: { securityOptions: ['name=seccomp,profile=default', 'name=userns'] } }),
      'pass',
    );
  });
  test('passes in rootless mode', () => {
    assert.equal(status(usernsRemap, { info: { securityOptions: ['name=rootless'] } }), 'pass');
  });
  test('configured but not running still fails, with the reason', () => {
    const r = run(usernsRemap, { config: { 'userns-remap': 'default' } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /configured but not running/);
  });
});

describe('authorization_plugin (2.12)', () => {
  test('active plugin passes', () => {
    assert.equal(status(authorizationPlugin, { info: { authorizationPlugins: ['authz-broker'] } }), 'pass');
  });
  test('none fails; the ignored singular key is not a plugin', () => {
    assert.equal(status(authorizationPlugin), 'fail');
    assert.equal(status(authorizationPlugin, { config: { 'authorization-plugin': ['authz'] } }), 'fail');
  });
});

describe('remote_logging (2.13) and log_rotation', () => {
  test('json-file, local and none keep logs on the host', () => {
    for (const d of ['json-file', 'local', 'none'])
      assert.equal(status(remoteLogging, { info: { loggingDriver: d } }), 'fail');
  });
  test('syslog and fluentd pass', () => {
    for (const d of ['syslog', 'fluentd', 'gelf'])
      assert.equal(status(remoteLogging, { info: { loggingDriver: d } }), 'pass');
  });
  test('json-file rotation needs max-size and max-file', () => {
    assert.equal(status(logRotation), 'fail');
    assert.equal(status(logRotation, { config: { 'log-opts': { 'max-size': '10m' } } }), 'fail');
    assert.equal(
      status(logRotation, { config: { 'log-opts': { 'max-size': '-1', 'max-file': '3' } } }),
      'fail',
    );
    assert.equal(
      status(logRotation, { config: { 'log-opts': { 'max-size': '10m', 'max-file': '3' } } }),
      'pass',
    );
    assert.equal(
      status(logRotation, { args: ['--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'] }),
      'pass',
    );
  });
  test('the singular log-opt key is ignored by dockerd, so it does not rotate anything', () => {
    assert.equal(
      status(logRotation, { config: { 'log-opt': { 'max-size': '10m', 'max-file': '3' } } }),
      'fail',
    );
  });
  test('local rotates by default; remote drivers are not applicable', () => {
    assert.equal(status(logRotation, { info: { loggingDriver: 'local' } }), 'pass');
    assert.equal(status(logRotation, { info: { loggingDriver: 'syslog' } }), 'not_applicable');
  });
});

describe('no_new_privileges (2.14)', () => {
  test('20.10: judged by configuration', () => {
    assert.equal(status(noNewPrivileges), 'fail');
    assert.equal(status(noNewPrivileges, { config: { 'no-new-privileges': true } }), 'pass');
    assert.equal(status(noNewPrivileges, { args: ['--no-new-privileges'] }), 'pass');
  });
  test('24+: judged by SecurityOptions (the running value)', () => {
    assert.equal(
      status(noNewPrivileges, {
        version: '24.0.7',
        config: { 'no-new-privileges': true },
        info: { securityOptions: [] },
      }),
      'fail',
    );
    assert.equal(
      status(noNewPrivileges, { version: '27.1.0', info: { securityOptions: ['name=no-new-privileges'] } }),
      'pass',
    );
  });
});

describe('live_restore (2.15), userland_proxy (2.16), experimental (2.18)', () => {
  test('live restore', () => {
    assert.equal(status(liveRestore), 'fail');
    assert.equal(status(liveRestore, { info: { liveRestoreEnabled: true } }), 'pass');
    assert.equal(status(liveRestore, { info: { swarmLocalNodeState: 'active' } }), 'not_applicable');
  });
  test('userland proxy defaults to on', () => {
    assert.equal(status(userlandProxy), 'fail');
    assert.equal(status(userlandProxy, { config: { 'userland-proxy': false } }), 'pass');
    assert.equal(status(userlandProxy, { args: ['--userland-proxy=false'] }), 'pass');
    assert.equal(status(userlandProxy, { config: { 'userland-proxy': 'false' } }), 'error');
  });
  test('experimental', () => {
    assert.equal(status(experimental), 'pass');
    assert.equal(status(experimental, { info: { experimentalBuild: true } }), 'fail');
  });
});

describe('seccomp (2.17)', () => {
  test('default, builtin or a custom profile pass', () => {
    for (const p of ['default', 'builtin', '/etc/docker/seccomp.json']) {
      assert.equal(status(seccomp, { info: { securityOptions: [`name=seccomp,profile=${p}`] } }), 'pass');
    }
  });
  test('unconfined fails; no seccomp at all fails', () => {
    assert.equal(status(seccomp, { info: { securityOptions: ['name=seccomp,profile=unconfined'] } }), 'fail');
    assert.equal(status(seccomp, { info: { securityOptions: [] } }), 'fail');
  });
});

describe('selinux and apparmor: no false alarms on hosts without them', () => {
  test('not applicable when the kernel lacks them', () => {
    assert.equal(status(selinux), 'not_applicable');
    assert.equal(status(apparmor), 'not_applicable');
  });
  test('on an AppArmor host: pass when the daemon uses it, fail when not', () => {
    assert.equal(
      status(apparmor, { host: { apparmorSupported: true }, info: { securityOptions: ['name=apparmor'] } }),
      'pass',
    );
    assert.equal(status(apparmor, { host: { apparmorSupported: true } }), 'fail');
  });
  test('on an SELinux host: selinux-enabled off fails', () => {
    assert.equal(status(selinux, { host: { selinuxSupported: true } }), 'fail');
    assert.equal(
      status(selinux, {
        host: { selinuxSupported: true },
        info: { securityOptions: [...baseInfo.securityOptions, 'name=selinux'] },
      }),
      'pass',
    );
  });
  test('host facts unavailable gives error', () =>
    assert.equal(status(apparmor, { hostDown: true }), 'error'));
});

describe('source isolation', () => {
  test('a dead daemon errors API controls but keeps config verdicts', () => {
    const e = evaluate(makeFacts({ apiDown: true, config: { 'userland-proxy': false } }), [
      icc,
      userlandProxy,
      cgroupParent,
    ]);
    assert.deepEqual(
      e.results.map((r) => r.status),
      ['error', 'pass', 'pass'],
    );
    assert.equal(e.docker.reachable, false);
    assert.equal(e.sources.docker_api.up, false);
  });
  test('an unknown dockerd command line is noted in config-based reasons', () => {
    const r = run(userlandProxy, { noDockerd: true, config: { 'userland-proxy': false } });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /dockerd flags unknown/);
  });
});
