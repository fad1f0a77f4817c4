import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configValid } from '../../src/controls/daemon/configValid.js';
import { cisId } from '../../src/controls/define.js';
import type { ControlResult } from '../../src/controls/types.js';
import {
  type ConfigFinding,
  type ConfigFindingKind,
  validateDaemonConfig,
} from '../../src/dockerd/config/validateDaemonConfig.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { type FactsOverrides, makeFacts } from '../support/facts.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'daemon-json');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** The stock docker.service command line. */
const STOCK_ARGS = ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock'];

function validate(
  config: Record<string, unknown> | string,
  version = '20.10.24',
  args: string[] | null = STOCK_ARGS,
) {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  return validateDaemonConfig({ text, parsed: null, parseError: null, args, serverVersion: version })
    .findings;
}

const kinds = (findings: readonly ConfigFinding[]) => findings.map((f) => f.kind);
const refused = (findings: readonly ConfigFinding[]) => findings.some((f) => f.refused);
const only = (findings: readonly ConfigFinding[], kind: ConfigFindingKind): ConfigFinding => {
  const hits = findings.filter((f) => f.kind === kind);
  assert.equal(hits.length, 1, `expected one ${kind} finding, got ${JSON.stringify(findings, null, 2)}`);
  return hits[0]!;
};

function run(o: FactsOverrides = {}): ControlResult {
  return evaluate(makeFacts(o), [configValid]).results[0]!;
}

describe('config_valid control', () => {
  test('identity', () => {
    assert.equal(configValid.id, 'config_valid');
    assert.equal(cisId(configValid), null);
    assert.equal(configValid.section, 'daemon_configuration');
    assert.equal(configValid.severity, 'critical');
    assert.deepEqual(configValid.requires, ['daemon_config']);
  });

  test('passes for a file dockerd accepts, and reports the release whose rules applied', () => {
    const r = run({ config: { 'live-restore': true, 'log-level': 'info' } });
    assert.equal(r.status, 'pass');
    assert.match(String(r.observed?.release), /20\.10/);
    assert.deepEqual(r.observed?.findings, []);
    assert.equal(r.observed?.path, '/etc/docker/daemon.json');
  });

  test('passes when there is no file: dockerd treats it as {}', () => {
    const r = run({});
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /does not exist/);
  });

  test('fails when --config-file names a file that does not exist', () => {
    const r = run({ args: [...STOCK_ARGS, '--config-file=/etc/docker/daemon.json'] });
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.keys, ['config-file']);
  });

  test('passes a missing file dockerd does not read: its --config-file names another one', () => {
    assert.equal(run({ args: [...STOCK_ARGS, '--config-file=/srv/other.json'] }).status, 'pass');
  });

  test('fails with line and column for malformed JSON', () => {
    const r = run({ config: '{\n  "userland-proxy": false\n  "icc": false\n}\n' });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /would refuse/);
    assert.match(r.reason, /line 3, column 3/);
  });

  test('fails naming every refused key, in one line', () => {
    const r = run({
      config: {
        'apparmor-enabled': true,
        'content-trust': true,
        icc: 'false',
        hosts: ['tcp://0.0.0.0:2376'],
      },
    });
    assert.equal(r.status, 'fail');
    assert.ok(!r.reason.includes('\n'));
    for (const k of ['apparmor-enabled', 'content-trust', 'icc', 'hosts']) {
      assert.ok(r.reason.includes(k), `reason names ${k}: ${r.reason}`);
      assert.ok(r.keys.includes(k));
    }
  });

  test('fails for keys dockerd accepts but ignores, although dockerd would start', () => {
    const r = run({ config: { 'authorization-plugin': ['authz-broker'] } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /would start, but ignores/);
    assert.deepEqual(r.keys, ['authorization-plugin']);
    const findings = r.observed?.findings as ConfigFinding[];
    assert.equal(findings[0]?.refused, false);
    assert.match(findings[0]!.message, /authorization-plugins/);
  });

  test('fails for a duplicate key', () => {
    const r = run({ config: '{"debug": true, "debug": false}' });
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.keys, ['debug']);
  });

  test('passes with a note for deprecated options that still work', () => {
    const r = run({ config: { 'cluster-store': 'consul://127.0.0.1:8500' } });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /deprecated cluster-store/);
  });

  test('without dockerd’s command line the flag/file check is skipped, and the reason says so', () => {
    const r = run({ config: { hosts: ['unix:///var/run/docker.sock'] }, noDockerd: true });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /flag\/file conflicts not checked/);
    assert.equal(run({ config: { hosts: ['unix:///var/run/docker.sock'] } }).status, 'fail');
  });

  test('without the Docker API the newest release’s rules apply, and the reason says so', () => {
    const r = run({ config: { 'log-format': 'json' }, apiDown: true });
    assert.equal(r.status, 'pass');
    assert.match(r.reason, /version unknown; validated against 29/);
    assert.equal(run({ config: { 'log-format': 'json' } }).status, 'fail', 'unknown to 20.10');
  });
});

describe('every finding names its keys', () => {
  test('in its keys and in its message', () => {
    const samples: [Record<string, unknown> | string, string][] = [
      [fixture('docs-linux-full-example-20.10.json'), '20.10.24'],
      [fixture('blog-hardening-guide.json'), '25.0.5'],
      [
        {
          'default-shm-size': 1,
          ip: 'x',
          'log-level': 'loud',
          'cgroup-parent': 'x',
          'exec-opts': ['native.cgroupdriver=systemd'],
        },
        '20.10.24',
      ],
      ['{"debug": true, "debug": false, "foo": {"icc": false}}', '24.0.9'],
    ];
    for (const [config, version] of samples) {
      for (const f of validate(config, version, [...STOCK_ARGS, '--iptables=false'])) {
        assert.ok(f.keys.length > 0, `no keys: ${f.message}`);
        for (const key of f.keys)
          assert.ok(f.message.includes(key), `${f.kind} message lacks ${key}: ${f.message}`);
      }
    }
  });
});

describe('syntax', () => {
  test('refused, with Go’s message, the position and the key being read', () => {
    const f = only(validate('{\n  "debug": true,\n}\n'), 'syntax');
    assert.equal(f.refused, true);
    assert.match(
      f.message,
      /^invalid character '\}' looking for beginning of object key string at line 3, column 1/,
    );
    assert.deepEqual(f.keys, ['debug']);
  });
  test('truncated: json.Decoder wording before 23.0, json.Unmarshal wording after', () => {
    assert.match(only(validate('{"debug": true'), 'syntax').message, /^unexpected EOF/);
    assert.match(
      only(validate('{"debug": true', '24.0.9'), 'syntax').message,
      /^unexpected end of JSON input/,
    );
  });
  test('a top-level array is refused, null is accepted', () => {
    assert.ok(refused(validate('[]')));
    assert.deepEqual(validate('null'), []);
  });
  test('valid JSON has no syntax finding', () => assert.deepEqual(validate({ debug: true }), []));
});

describe('unknown keys', () => {
  test('the widely copied fictional keys, in dockerd’s own sentence', () => {
    const f = only(
      validate({ 'apparmor-enabled': true, 'content-trust': true, 'default-memory': '1g', selinux: true }),
      'unknown_key',
    );
    assert.equal(f.refused, true);
    assert.deepEqual(f.keys, ['apparmor-enabled', 'content-trust', 'default-memory', 'selinux']);
    assert.match(
      f.message,
      /^the following directives don't match any configuration option: apparmor-enabled, content-trust, default-memory, selinux/,
    );
    assert.match(f.message, /selinux: the option is "selinux-enabled"/);
  });
  test('shorthands and other spellings are not accepted', () => {
    for (const key of ['D', 'H', 'ICC', 'live_restore', 'tls-verify']) {
      const f = only(validate({ [key]: true }), 'unknown_key');
      assert.deepEqual(f.keys, [key]);
    }
    assert.match(only(validate({ ICC: false }), 'unknown_key').message, /did you mean "icc"/);
  });
  test('objects are flattened one level: a nested object is judged by its children', () => {
    const f = only(validate({ seccomp: { profile: '/etc/docker/seccomp.json' } }), 'unknown_key');
    assert.deepEqual(f.keys, ['profile']);
    assert.match(f.message, /inside "seccomp"/);
    // "log-opt" is a flag name, but its object is flattened: the options inside are unknown directives.
    const g = only(validate({ 'log-opt': { 'max-size': '10m' } }), 'unknown_key');
    assert.deepEqual(g.keys, ['max-size']);
    assert.match(g.message, /did you mean "log-opts"/);
  });
  test('flat options keep their children', () => {
    assert.deepEqual(validate({ 'log-opts': { 'max-size': '10m' }, features: { buildkit: true } }), []);
  });
  test('keys with a Config field that dockerd nevertheless rejects', () => {
    const f = only(validate({ 'containerd-plugin-namespace': 'p', 'default-init': '/x' }), 'unknown_key');
    assert.deepEqual(f.keys, ['containerd-plugin-namespace', 'default-init']);
  });
  test('inherited property names are just unknown keys', () => {
    const f = only(validate('{"constructor": 1, "__proto__": 2}'), 'unknown_key');
    assert.deepEqual(f.keys, ['__proto__', 'constructor']);
    assert.doesNotMatch(f.message, /function|object Object/);
  });
});

describe('accepted but ignored keys', () => {
  test('singular flag names', () => {
    const f = only(
      validate({
        'authorization-plugin': ['authz'],
        'insecure-registry': ['r:5000'],
        'log-opt': 'max-size=10m',
        label: ['a=b'],
      }),
      'ignored_key',
    );
    assert.equal(f.refused, false);
    assert.deepEqual(f.keys, ['authorization-plugin', 'insecure-registry', 'log-opt', 'label']);
    assert.match(f.message, /authorization-plugin: dockerd reads "authorization-plugins"/);
  });
  test('the named forms are read', () => {
    assert.deepEqual(
      validate({
        'authorization-plugins': ['authz'],
        'insecure-registries': ['r:5000'],
        'log-opts': {},
        labels: ['a=b'],
      }),
      [],
    );
  });
  test('command-line switches', () => {
    const f = only(
      validate({ help: true, version: true, 'config-file': '/x.json' }, '20.10.24', []),
      'ignored_key',
    );
    assert.deepEqual(f.keys, ['help', 'version', 'config-file']);
  });
  test('containerd-plugins-namespace (the flag) is accepted but cannot be set from the file', () => {
    assert.match(
      only(validate({ 'containerd-plugins-namespace': 'p' }), 'ignored_key').message,
      /--containerd-plugins-namespace/,
    );
  });
  test('an unknown object whose children are options: ignored, but boolean children still act', () => {
    const f = only(validate({ foo: { debug: false } }), 'ignored_key');
    assert.deepEqual(f.keys, ['foo']);
    assert.match(f.message, /boolean children \(debug\)/);
  });
  test('proxy settings outside "proxies" (23+)', () => {
    assert.deepEqual(only(validate({ 'http-proxy': 'http://p:3128' }, '24.0.9'), 'ignored_key').keys, [
      'http-proxy',
    ]);
    assert.deepEqual(validate({ proxies: { 'http-proxy': 'http://p:3128' } }, '24.0.9'), []);
  });
  test('no-ops kept for compatibility', () => {
    assert.deepEqual(validate({ 'deprecated-key-path': '/x' }, '20.10.24'), []);
    assert.deepEqual(only(validate({ 'deprecated-key-path': '/x' }, '24.0.9'), 'ignored_key').keys, [
      'deprecated-key-path',
    ]);
    assert.deepEqual(
      only(validate({ 'allow-nondistributable-artifacts': [] }, '28.1.1'), 'ignored_key').keys,
      ['allow-nondistributable-artifacts'],
    );
  });
});

describe('wrong value types', () => {
  test('Go’s unmarshal errors, one per key', () => {
    const findings = validate({
      icc: 'false',
      mtu: 1.5,
      labels: 'a=b',
      'log-opts': { 'max-file': 3 },
      tls: 'yes',
    });
    const byKey = Object.fromEntries(findings.map((f) => [f.keys[0], f]));
    assert.ok(findings.every((f) => f.kind === 'wrong_type' && f.refused));
    assert.equal(
      byKey.icc?.message,
      'json: cannot unmarshal string into Go struct field Config.icc of type bool',
    );
    assert.equal(
      byKey.mtu?.message,
      'json: cannot unmarshal number 1.5 into Go struct field Config.mtu of type int',
    );
    assert.equal(
      byKey.labels?.message,
      'json: cannot unmarshal string into Go struct field Config.labels of type []string',
    );
    assert.equal(
      byKey['log-opts']?.message,
      'json: cannot unmarshal number into Go struct field Config.log-opts of type string',
    );
    assert.ok(byKey.tls);
  });
  test('integers must be written as integers', () => {
    assert.deepEqual(kinds(validate('{"shutdown-timeout": 1e3}')), ['wrong_type']);
    assert.deepEqual(kinds(validate('{"shutdown-timeout": 9999999999999999999}')), ['wrong_type']);
    assert.deepEqual(validate('{"shutdown-timeout": 1000}'), []);
  });
  test('default-shm-size must be a string with a size', () => {
    assert.equal(
      only(validate({ 'default-shm-size': 67108864 }), 'wrong_type').message,
      'default-shm-size: invalid size: "67108864"',
    );
    assert.equal(
      only(validate({ 'default-shm-size': '64MX' }), 'wrong_type').message,
      "default-shm-size: invalid size: '64MX'",
    );
    assert.deepEqual(kinds(validate({ 'default-shm-size': null })), ['wrong_type']);
    assert.deepEqual(validate({ 'default-shm-size': '64M' }), []);
    assert.deepEqual(validate({ 'default-shm-size': '1.5 GiB' }), []);
  });
  test('IP fields parse their text', () => {
    assert.equal(only(validate({ ip: 'notip' }), 'wrong_type').message, 'ip: invalid IP address: notip');
    assert.deepEqual(validate({ ip: '127.0.0.1', 'default-gateway': '' }), []);
  });
  test('nested types: ulimits, runtimes, builder, features, address pools', () => {
    assert.deepEqual(kinds(validate({ 'default-ulimits': { nofile: '64000' } })), ['wrong_type']);
    assert.deepEqual(kinds(validate({ runtimes: { crun: { path: 1 } } })), ['wrong_type']);
    assert.deepEqual(kinds(validate({ builder: { gc: { enabled: 'yes' } } })), ['wrong_type']);
    assert.deepEqual(kinds(validate({ features: { buildkit: 'yes' } })), ['wrong_type']);
    assert.deepEqual(kinds(validate({ 'default-address-pools': [{ base: '10.10.0.0/16', size: '24' }] })), [
      'wrong_type',
    ]);
    assert.deepEqual(
      validate({
        'default-ulimits': { nofile: { Name: 'nofile', Hard: 64000, Soft: 64000 } },
        runtimes: { crun: { path: '/usr/bin/crun', runtimeArgs: ['--debug'] } },
        builder: { GC: { Enabled: true, defaultKeepStorage: '10GB' }, unknownField: 1 },
        features: { buildkit: true },
        'default-address-pools': [{ base: '10.10.0.0/16', size: 24 }],
      }),
      [],
    );
  });
  test('every occurrence of a duplicate key is decoded', () => {
    assert.deepEqual(kinds(validate('{"icc": "no", "icc": false}')).sort(), ['duplicate_key', 'wrong_type']);
  });
  test('null is accepted for ordinary fields', () => {
    assert.deepEqual(validate({ debug: null, labels: null, 'log-opts': null }), []);
  });
});

describe('flag and file', () => {
  test('the stock unit’s -H fd:// and --containerd against "hosts" and "containerd"', () => {
    const f = only(
      validate({ hosts: ['unix:///var/run/docker.sock'], containerd: '/run/containerd/containerd.sock' }),
      'flag_conflict',
    );
    assert.equal(f.refused, true);
    assert.deepEqual(f.keys, ['containerd', 'hosts']);
    assert.equal(
      f.message,
      'the following directives are specified both as a flag and in the configuration file: containerd: (from flag: /run/containerd/containerd.sock, from file: /run/containerd/containerd.sock), hosts: (from flag: [fd://], from file: [unix:///var/run/docker.sock])',
    );
  });
  test('booleans, shorthands and maps print as dockerd prints them', () => {
    const f = only(
      validate({ icc: true, debug: true, 'log-opts': { 'max-size': '1m' } }, '20.10.24', [
        '--icc=0',
        '-D',
        '--log-opt',
        'max-file=2',
      ]),
      'flag_conflict',
    );
    assert.equal(
      f.message,
      'the following directives are specified both as a flag and in the configuration file: debug: (from flag: true, from file: true), icc: (from flag: false, from file: true), log-opts: (from flag: map[max-file:2], from file: map[max-size:1m])',
    );
  });
  test('runtimes merge instead of conflicting; a singular key is no conflict (only ignored)', () => {
    assert.deepEqual(
      validate({ runtimes: { crun: { path: '/usr/bin/crun' } } }, '20.10.24', ['--add-runtime', 'x=/bin/x']),
      [],
    );
    assert.deepEqual(kinds(validate({ host: ['tcp://0.0.0.0:2375'] })), ['ignored_key']);
  });
  test('proxy credentials are masked (23+)', () => {
    const f = only(
      validate({ proxies: { 'http-proxy': 'http://user:secret@proxy:3128' } }, '24.0.9', [
        '--http-proxy',
        'http://u:pw@p:1',
      ]),
      'flag_conflict',
    );
    assert.doesNotMatch(f.message, /secret|pw/);
    assert.match(
      f.message,
      /http-proxy: \(from flag: http:\/\/xxxxx:xxxxx@p:1, from file: http:\/\/xxxxx:xxxxx@proxy:3128\)/,
    );
  });
  test('without the command line, nothing to compare', () => {
    assert.deepEqual(validate({ hosts: ['unix:///var/run/docker.sock'] }, '20.10.24', null), []);
  });
});

describe('start-up conflicts', () => {
  test('icc false with iptables false, from the file alone', () => {
    const f = only(validate({ icc: false, iptables: false }), 'startup_conflict');
    assert.deepEqual(f.keys, ['icc', 'iptables']);
    assert.match(
      f.message,
      /^You specified --iptables=false with --icc=false\. ICC=false uses iptables to function/,
    );
    assert.match(f.message, /icc=false from daemon\.json, iptables=false from daemon\.json/);
  });
  test('icc false in the file, --iptables=false on the command line', () => {
    const f = only(
      validate({ icc: false }, '20.10.24', [...STOCK_ARGS, '--iptables=false']),
      'startup_conflict',
    );
    assert.match(f.message, /iptables=false from the command line/);
  });
  test('icc false with iptables left at its default is fine', () => {
    assert.deepEqual(validate({ icc: false }), []);
  });
  test('a flag-only combination is not the file’s problem (that daemon would not be running)', () => {
    assert.deepEqual(validate({ debug: true }, '20.10.24', ['--icc=false', '--iptables=false']), []);
  });
  test('bridge and bip together; containerd namespaces; systemd cgroup-parent', () => {
    assert.deepEqual(
      only(validate({ bip: '172.30.0.1/16' }, '20.10.24', ['-b', 'br0']), 'startup_conflict').keys,
      ['bridge', 'bip'],
    );
    assert.deepEqual(validate({ bip: '172.30.0.1/16' }), []);
    assert.deepEqual(only(validate({ 'containerd-namespace': 'plugins.moby' }), 'startup_conflict').keys, [
      'containerd-namespace',
      'containerd-plugins-namespace',
    ]);
    assert.deepEqual(validate({ 'containerd-namespace': 'docker' }), []);
    const cg = { 'cgroup-parent': 'docker', 'exec-opts': ['native.cgroupdriver=systemd'] };
    assert.deepEqual(only(validate(cg), 'startup_conflict').keys, ['cgroup-parent', 'exec-opts']);
    assert.deepEqual(validate({ ...cg, 'cgroup-parent': 'docker.slice' }), []);
  });
  test('TLS without a key pair; tlsverify:false still turns TLS on', () => {
    assert.deepEqual(only(validate({ tls: true }), 'startup_conflict').keys, ['tls', 'tlscert', 'tlskey']);
    assert.deepEqual(only(validate({ tlsverify: false }), 'startup_conflict').keys, [
      'tlsverify',
      'tlscert',
      'tlskey',
    ]);
    assert.deepEqual(
      validate({ tlsverify: true, tlscacert: '/c/ca.pem', tlscert: '/c/cert.pem', tlskey: '/c/key.pem' }),
      [],
    );
  });
});

describe('invalid values', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['log-level', { 'log-level': 'verbose' }, /^log-level: unable to parse logging level: verbose$/],
    ['dns', { dns: ['dns.example.com'] }, /is not an ip address/],
    ['dns-search', { 'dns-search': ['-bad-'] }, /is not a valid domain/],
    ['labels', { labels: ['nolabel'] }, /bad attribute format/],
    ['labels', { labels: ['com.docker.x=1'] }, /reserved for internal use/],
    ['labels', { labels: ['a=b', 'a=c'] }, /^conflict labels for a=c and a=b$/],
    ['max-concurrent-downloads', { 'max-concurrent-downloads': -1 }, /invalid max concurrent downloads: -1/],
    ['default-ipc-mode', { 'default-ipc-mode': 'host' }, /IPC mode "host" is not supported as default value/],
    [
      'default-cgroupns-mode',
      { 'default-cgroupns-mode': 'shared' },
      /default cgroup namespace mode \(shared\) is invalid/,
    ],
    [
      'exec-opts',
      { 'exec-opts': ['native.cgroupdriver=foo'] },
      /native.cgroupdriver option foo not supported/,
    ],
    ['hosts', { hosts: ['tcp://127.0.0.1:abc'] }, /invalid port ":abc"/],
    ['hosts', { hosts: ['foo://x'] }, /Invalid bind address format/],
    ['registry-mirrors', { 'registry-mirrors': ['mirror.example.com'] }, /unsupported scheme ""/],
    ['runtimes', { runtimes: { runc: { path: '/usr/sbin/runc' } } }, /'runc' is reserved/],
    ['default-runtime', { 'default-runtime': 'crun' }, /specified default runtime 'crun' does not exist/],
    ['node-generic-resources', { 'node-generic-resources': ['gpu'] }, /GenericResource/],
    [
      'default-address-pools',
      { 'default-address-pools': [{ base: 'x', size: 24 }] },
      /invalid base pool "x"/,
    ],
    ['seccomp-profile', { 'seccomp-profile': 'builtin' }, /reads seccomp-profile as a file path/],
  ];
  for (const [key, config, message] of cases) {
    test(`${key}: ${JSON.stringify(config[key])}`, () => {
      const f = only(validate(config, '20.10.24', []), 'invalid_value');
      assert.equal(f.refused, true);
      assert.ok(f.keys.includes(key));
      assert.match(f.message, message);
    });
  }
  test('the same keys with good values', () => {
    assert.deepEqual(
      validate(
        {
          'log-level': 'warn',
          dns: ['192.0.2.53', ' 2001:db8::1 '],
          'dns-search': ['example.com', '.'],
          labels: ['a=b', 'a=b'],
          'max-concurrent-downloads': 0,
          'default-ipc-mode': 'shareable',
          'default-cgroupns-mode': 'host',
          'exec-opts': ['native.cgroupdriver=systemd'],
          hosts: ['unix:///var/run/docker.sock', 'tcp://127.0.0.1:2376', '0.0.0.0:2375', 'fd://'],
          'registry-mirrors': ['https://mirror.example.com/'],
          runtimes: { crun: { path: '/usr/bin/crun' } },
          'default-runtime': 'crun',
          'node-generic-resources': ['gpu=2'],
          'seccomp-profile': '/etc/docker/seccomp.json',
        },
        '20.10.24',
        [],
      ),
      [],
    );
  });
  test('"validate": true would make dockerd 23+ exit after validating', () => {
    assert.deepEqual(only(validate({ validate: true }, '25.0.5'), 'invalid_value').keys, ['validate']);
    assert.deepEqual(only(validate({ validate: false }, '25.0.5'), 'ignored_key').keys, ['validate']);
  });
});

describe('duplicate keys', () => {
  test('reported with the value dockerd keeps, not refused', () => {
    const f = only(validate('{"debug": true, "debug": false}'), 'duplicate_key');
    assert.equal(f.refused, false);
    assert.deepEqual(f.keys, ['debug']);
    assert.match(f.message, /keeps only the last value \(false\)/);
  });
  test('nested duplicates are named by path', () => {
    assert.deepEqual(
      only(validate('{"log-opts": {"max-size": "1m", "max-size": "2m"}}'), 'duplicate_key').keys,
      ['log-opts.max-size'],
    );
  });
});

describe('releases: the same file, different verdicts', () => {
  const verdict = (config: Record<string, unknown> | string, version: string) =>
    refused(validate(config, version));
  test('negative mtu: accepted by 20.10, refused from 23.0', () => {
    assert.equal(verdict({ mtu: -1 }, '20.10.24'), false);
    assert.equal(verdict({ mtu: -1 }, '23.0.6'), true);
  });
  test('empty file and byte order mark: refused by 20.10, accepted from 23.0', () => {
    for (const text of ['', '\uFEFF{"debug": false}']) {
      assert.equal(verdict(text, '20.10.24'), true);
      assert.equal(verdict(text, '23.0.6'), false);
    }
  });
  test('content after the object: ignored by 20.10 (a finding), refused from 23.0', () => {
    const old = validate('{"debug": false} x', '20.10.24');
    assert.deepEqual(kinds(old), ['syntax']);
    assert.equal(refused(old), false);
    assert.equal(verdict('{"debug": false} x', '23.0.6'), true);
  });
  test('proxies: unknown children on 20.10, read from 23.0', () => {
    const config = { proxies: { 'http-proxy': 'http://proxy:3128', 'no-proxy': 'localhost' } };
    assert.equal(verdict(config, '20.10.24'), true);
    assert.deepEqual(validate(config, '23.0.6'), []);
  });
  test('log-format: unknown before 25.0', () => {
    assert.equal(verdict({ 'log-format': 'json' }, '24.0.9'), true);
    assert.deepEqual(validate({ 'log-format': 'json' }, '25.0.5'), []);
    assert.equal(
      only(validate({ 'log-format': 'xml' }, '25.0.5'), 'invalid_value').message,
      'log-format: invalid log format: xml',
    );
  });
  test('seccomp-profile "unconfined": a missing file for 20.10, a special value from 23.0', () => {
    assert.equal(verdict({ 'seccomp-profile': 'unconfined' }, '20.10.24'), true);
    assert.deepEqual(validate({ 'seccomp-profile': 'unconfined' }, '23.0.6'), []);
  });
  test('graph: deprecated on 20.10, refused on 23, unknown from 24', () => {
    assert.deepEqual(kinds(validate({ graph: '/srv/docker' }, '20.10.24')), ['deprecated']);
    assert.deepEqual(kinds(validate({ graph: '/srv/docker' }, '23.0.6')), ['removed']);
    assert.deepEqual(kinds(validate({ graph: '/srv/docker' }, '24.0.9')), ['unknown_key']);
    assert.match(
      only(validate({ graph: '/srv/docker' }, '24.0.9'), 'unknown_key').message,
      /use "data-root"/,
    );
  });
  test('cluster-store: deprecated on 20.10, refused on 23, unknown from 24', () => {
    assert.equal(verdict({ 'cluster-store': 'consul://c:8500' }, '20.10.24'), false);
    assert.deepEqual(kinds(validate({ 'cluster-store': 'consul://c:8500' }, '23.0.6')), ['removed']);
    assert.deepEqual(kinds(validate({ 'cluster-store': 'consul://c:8500' }, '24.0.9')), ['unknown_key']);
  });
  test('oom-score-adjust: fine on 20.10, deprecated on 24, refused non-zero on 25, unknown from 26', () => {
    assert.deepEqual(validate({ 'oom-score-adjust': -500 }, '20.10.24'), []);
    assert.deepEqual(kinds(validate({ 'oom-score-adjust': -500 }, '24.0.9')), ['deprecated']);
    assert.deepEqual(kinds(validate({ 'oom-score-adjust': -500 }, '25.0.5')), ['removed']);
    assert.deepEqual(kinds(validate({ 'oom-score-adjust': 0 }, '25.0.5')), ['deprecated']);
    assert.deepEqual(kinds(validate({ 'oom-score-adjust': 0 }, '26.1.4')), ['unknown_key']);
  });
  test('api-cors-header: deprecated on 27, refused on 28 (measured on 28.5.2), unknown on 29', () => {
    assert.deepEqual(validate({ 'api-cors-header': '*' }, '26.1.4'), []);
    assert.deepEqual(kinds(validate({ 'api-cors-header': '*' }, '27.5.1')), ['deprecated']);
    assert.deepEqual(kinds(validate({ 'api-cors-header': '*' }, '28.0.1')), ['removed']);
    assert.equal(verdict({ 'api-cors-header': '*' }, '28.5.2'), true);
    assert.deepEqual(kinds(validate({ 'api-cors-header': '*' }, '29.0.1')), ['unknown_key']);
  });
  test('exec-opts formatted opt=value and known, from 28 (measured: 28.5.2 refuses, 26.1.5 accepts)', () => {
    assert.equal(verdict({ 'exec-opts': ['x'] }, '26.1.5'), false);
    assert.equal(verdict({ 'exec-opts': ['x'] }, '28.5.2'), true);
    assert.equal(verdict({ 'exec-opts': ['foo=bar'] }, '28.5.2'), true);
    assert.equal(verdict({ 'exec-opts': ['native.cgroupdriver=systemd'] }, '28.5.2'), false);
  });
  test('host-gateway-ips are netip addresses (28.5.2 refuses "a=b")', () => {
    assert.equal(verdict({ 'host-gateway-ips': ['a=b'] }, '28.5.2'), true);
    assert.equal(verdict({ 'host-gateway-ips': ['10.0.0.1'] }, '28.5.2'), false);
  });
  test('unauthenticated TCP: delayed 15 s from 26 (measured on 26.1.5 and 28.5.2), not refused', () => {
    const open = { hosts: ['tcp://0.0.0.0:2375'] };
    assert.deepEqual(validate(open, '20.10.24', null), []);
    const notes = validate(open, '28.5.2', null);
    assert.match(only(notes, 'deprecated').message, /delays its start by 15 s/);
    assert.equal(refused(notes), false);
    assert.deepEqual(validate({ ...open, tls: false }, '26.1.5', null), []);
    assert.deepEqual(validate({ hosts: ['tcp://127.0.0.1:2375'] }, '26.1.5', null), []);
  });
  test('ip6tables: needs experimental before 27.0', () => {
    assert.equal(verdict({ ip6tables: true }, '20.10.24'), true);
    assert.equal(verdict({ ip6tables: true, experimental: true }, '20.10.24'), false);
    assert.equal(verdict({ ip6tables: true }, '27.3.1'), false);
  });
  test('userland-proxy-path must be absolute from 25.0 (while the proxy is on)', () => {
    assert.equal(verdict({ 'userland-proxy-path': 'docker-proxy' }, '24.0.9'), false);
    assert.equal(verdict({ 'userland-proxy-path': 'docker-proxy' }, '25.0.5'), true);
    assert.equal(
      verdict({ 'userland-proxy-path': 'docker-proxy', 'userland-proxy': false }, '25.0.5'),
      false,
    );
  });
  test('firewall-backend: unknown before 29, checked on 29', () => {
    assert.equal(verdict({ 'firewall-backend': 'nftables' }, '28.5.1'), true);
    assert.deepEqual(validate({ 'firewall-backend': 'nftables' }, '29.0.1'), []);
    assert.match(
      only(validate({ 'firewall-backend': 'pf' }, '29.0.1'), 'invalid_value').message,
      /allowed values are "iptables" and "nftables"/,
    );
  });
  test('"warning" as log level: logrus accepted it, 25.0+ lists the levels', () => {
    assert.deepEqual(validate({ 'log-level': 'warning' }, '24.0.9'), []);
    assert.equal(
      only(validate({ 'log-level': 'warning' }, '25.0.5'), 'invalid_value').message,
      'log-level: invalid logging level: warning',
    );
  });
});

describe('realistic files', () => {
  test('the docker docs "full example" (20.10 era) as published: refused, for its known-bad keys', () => {
    const findings = validate(fixture('docs-linux-full-example-20.10.json'));
    assert.deepEqual(only(findings, 'unknown_key').keys, ['containerd-plugin-namespace']);
    assert.deepEqual(only(findings, 'flag_conflict').keys, ['containerd', 'hosts']);
    const startup = findings.filter((f) => f.kind === 'startup_conflict').map((f) => f.keys[0]);
    assert.deepEqual(startup, ['icc', 'tlsverify']);
  });
  test('the docker docs "full example" (24.0 era) as published: its trailing comma', () => {
    const f = only(validate(fixture('docs-linux-full-example-24.0.json'), '24.0.9'), 'syntax');
    assert.match(f.message, /line 63, column 3/);
  });
  test('the docs examples minus their known-bad keys are accepted', () => {
    for (const v of ['20.10.24', '23.0.6', '24.0.9', '29.1.0']) {
      assert.deepEqual(
        validate(fixture('docs-linux-example-fixed-20.10.json'), v),
        [],
        `20.10-era example on ${v}`,
      );
    }
    for (const v of ['24.0.9', '25.0.5', '26.1.4', '27.3.1', '28.0.1', '28.5.1', '29.1.0']) {
      assert.deepEqual(
        validate(fixture('docs-linux-example-fixed-24.0.json'), v),
        [],
        `24.0-era example on ${v}`,
      );
    }
    // Its "proxies" and "default-network-opts" are newer than 20.10.
    assert.equal(refused(validate(fixture('docs-linux-example-fixed-24.0.json'), '20.10.24')), true);
  });
  test('a hardened configuration is accepted by every release', () => {
    for (const v of ['20.10.24', '23.0.6', '24.0.9', '25.0.5', '26.1.4', '27.5.1', '28.5.1', '29.1.0']) {
      assert.deepEqual(validate(fixture('hardened.json'), v), [], v);
    }
  });
  test('a widely copied "secure daemon.json" from blog posts', () => {
    const findings = validate(fixture('blog-hardening-guide.json'));
    assert.deepEqual(only(findings, 'unknown_key').keys, [
      'apparmor-enabled',
      'content-trust',
      'default-memory',
      'selinux',
    ]);
    assert.deepEqual(only(findings, 'ignored_key').keys, [
      'authorization-plugin',
      'insecure-registry',
      'default-ulimit',
    ]);
  });
});
