// config_valid against the real dockerd installed here (20.10, which has no --validate): for each daemon.json
// a sandboxed dockerd is started with exactly the flags handed to the validator, and our `refused` verdict
// must equal what dockerd did: exit non-zero, or come up and answer /_ping.
//
// Isolation: dockerd runs in its own mount and network namespaces (unshare), with a per-case directory
// bound over /etc/docker (20.10 writes its trust key there whatever the flags say). Data root, exec root,
// pidfile and socket live in that directory, which is removed after each case.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type ConfigFindingKind,
  validateDaemonConfig,
} from '../../src/dockerd/config/validateDaemonConfig.js';
import { mountsUnder } from '../support/cleanup.js';

const DOCKERD = '/usr/sbin/dockerd';
const START_TIMEOUT_MS = 20_000;

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync(DOCKERD)) return `${DOCKERD} not installed`;
  if (!existsSync('/etc/docker')) return '/etc/docker missing (needed as a bind mount point)';
  return null;
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  readonly refused: boolean;
  readonly log: string;
}

/** Pids of processes whose command line names the sandbox directory (containerd outlives nothing, but check). */
function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmdline.includes(`${dir}/`)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

async function runDockerd(dir: string, args: readonly string[]): Promise<Outcome> {
  const logPath = join(dir, 'dockerd.log');
  const logFd = openSync(logPath, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('DOCKER_')) delete env[k];
  let child: ChildProcess;
  try {
    child = spawn(
      'unshare',
      [
        '--mount',
        '--net',
        '--propagation',
        'slave',
        '--',
        'sh',
        '-c',
        'mount --bind "$0" /etc/docker && exec "$@"',
        join(dir, 'etc-docker'),
        DOCKERD,
        ...args,
      ],
      { stdio: ['ignore', logFd, logFd], env },
    );
  } finally {
    closeSync(logFd);
  }
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : -1);
      resolve();
    });
  });
  const readLog = () => readFileSync(logPath, 'utf8');
  const socket = join(dir, 'docker.sock');
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (exitCode !== null) return { refused: exitCode !== 0, log: readLog() };
      if (await ping(socket)) return { refused: false, log: readLog() };
      if (Date.now() > deadline)
        throw new Error(`dockerd neither exited nor answered within ${START_TIMEOUT_MS} ms:\n${readLog()}`);
      await sleep(50);
    }
  } finally {
    if (exitCode === null && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!done) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    for (const pid of processesUnder(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

interface Case {
  readonly name: string;
  /** daemon.json text; @DIR@ stands for the sandbox directory. */
  readonly config: string;
  /** Flags beyond the sandbox's own; `iptables: true` drops the default --iptables=false. */
  readonly flags?: readonly string[];
  readonly iptables?: boolean;
  /** The file sets `hosts` itself, so no -H flag. */
  readonly ownHosts?: boolean;
  /** The file sets the data root itself, so no --data-root flag. */
  readonly noDataRoot?: boolean;
  readonly refused: boolean;
  /** Finding kinds that must be present. */
  readonly kinds?: readonly ConfigFindingKind[];
  /** Text dockerd's log must contain when it refuses (the key our finding names). */
  readonly log?: string;
}

const json = (o: unknown) => JSON.stringify(o);

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'daemon-json');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const fixtureWithout = (name: string, keys: string[]) => {
  const o = JSON.parse(fixture(name)) as Record<string, unknown>;
  for (const k of keys) delete o[k];
  return json(o);
};
// Keys the sandbox sets as flags; dockerd refuses them in the file too, whatever their value.
const SANDBOX_FLAG_KEYS = ['data-root', 'exec-root', 'pidfile', 'bridge', 'hosts'];

const CASES: readonly Case[] = [
  // dockerd comes up
  { name: 'empty object', config: '{}', refused: false },
  { name: 'hardened configuration', config: fixture('hardened.json'), iptables: true, refused: false },
  {
    name: 'docs example minus its known-bad keys and the sandbox’s flags',
    config: fixtureWithout('docs-linux-example-fixed-20.10.json', SANDBOX_FLAG_KEYS),
    iptables: true,
    refused: false,
  },
  { name: 'top-level null', config: 'null', refused: false },
  {
    name: 'singular keys are accepted and ignored',
    config: json({
      'authorization-plugin': ['authz'],
      'insecure-registry': ['r:5000'],
      'log-opt': 'x',
      'default-ulimit': true,
    }),
    refused: false,
    kinds: ['ignored_key'],
  },
  {
    name: 'command-line switches in the file',
    config: json({ help: true, restart: true, version: true }),
    refused: false,
    kinds: ['ignored_key'],
  },
  {
    name: 'duplicate key',
    config: '{"debug": true, "debug": false}',
    refused: false,
    kinds: ['duplicate_key'],
  },
  {
    name: 'content after the object (json.Decoder)',
    config: '{"debug": false} trailing',
    refused: false,
    kinds: ['syntax'],
  },
  { name: 'negative mtu (checked only from 23.0)', config: json({ mtu: -1 }), refused: false },
  { name: 'log-level "warning"', config: json({ 'log-level': 'warning' }), refused: false },
  {
    name: 'ip6tables with experimental',
    config: json({ ip6tables: true, experimental: true }),
    iptables: true,
    refused: false,
  },
  {
    name: 'unknown object with only valid children',
    config: json({ foo: { debug: false } }),
    refused: false,
    kinds: ['ignored_key'],
  },
  {
    name: 'hosts in the file, no -H',
    config: json({ hosts: ['unix://@DIR@/docker.sock'] }),
    ownHosts: true,
    refused: false,
  },
  {
    name: 'singular host next to -H',
    config: json({ host: ['unix:///nonexistent/x.sock'] }),
    refused: false,
    kinds: ['ignored_key'],
  },
  {
    name: 'runtime named io.containerd.runc.v2',
    config: json({ runtimes: { 'io.containerd.runc.v2': { path: '/usr/sbin/runc' } } }),
    refused: false,
  },
  {
    name: 'values only later releases check',
    config: json({
      'exec-opts': ['foo'],
      labels: ['=1'],
      dns: [' 192.0.2.53 '],
      'network-diagnostic-port': 70000,
    }),
    refused: false,
  },
  {
    name: 'empty proxies object before 23.0',
    config: json({ proxies: {} }),
    refused: false,
    kinds: ['ignored_key'],
  },
  { name: 'null values', config: json({ debug: null, tls: null, ip: null, labels: null }), refused: false },

  // dockerd refuses
  {
    name: 'docs example as published',
    config: fixture('docs-linux-full-example-20.10.json'),
    refused: true,
    kinds: ['unknown_key', 'flag_conflict', 'startup_conflict'],
    log: 'containerd-plugin-namespace',
  },
  {
    name: 'docs example fixed, but with empty data-root/exec-root/pidfile next to the flags',
    config: fixture('docs-linux-example-fixed-20.10.json'),
    iptables: true,
    refused: true,
    kinds: ['flag_conflict'],
    log: 'specified both as a flag and in the configuration file',
  },
  {
    name: 'blog hardening guide',
    // userns-remap would add a dockremap user to the host's /etc/passwd if dockerd got that far.
    config: fixtureWithout('blog-hardening-guide.json', ['userns-remap']),
    iptables: true,
    refused: true,
    kinds: ['unknown_key', 'ignored_key'],
    log: 'apparmor-enabled',
  },
  {
    name: 'fictional keys',
    config: json({ 'apparmor-enabled': true, selinux: true, 'content-trust': true, 'default-memory': '1g' }),
    refused: true,
    kinds: ['unknown_key'],
    log: "don't match any configuration option",
  },
  { name: 'shorthand D', config: json({ D: true }), refused: true, kinds: ['unknown_key'], log: 'D' },
  { name: 'wrong case ICC', config: json({ ICC: false }), refused: true, kinds: ['unknown_key'], log: 'ICC' },
  {
    name: 'seccomp object flattened',
    config: json({ seccomp: { profile: '/x.json' } }),
    refused: true,
    kinds: ['unknown_key'],
    log: 'profile',
  },
  {
    name: 'log-opt as an object',
    config: json({ 'log-opt': { 'max-size': '10m' } }),
    refused: true,
    kinds: ['unknown_key'],
    log: 'max-size',
  },
  {
    name: 'proxies before 23.0',
    config: json({ proxies: { 'http-proxy': 'http://proxy:3128' } }),
    refused: true,
    kinds: ['unknown_key'],
    log: 'http-proxy',
  },
  {
    name: 'icc as a string',
    config: json({ icc: 'false' }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'Config.icc',
  },
  {
    name: 'default-shm-size as a number',
    config: json({ 'default-shm-size': 67108864 }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'invalid size',
  },
  {
    name: 'fractional mtu',
    config: json({ mtu: 1.5 }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'Config.mtu',
  },
  {
    name: 'labels as a string',
    config: json({ labels: 'a=b' }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'Config.labels',
  },
  {
    name: 'log-opts with a number',
    config: json({ 'log-opts': { 'max-file': 3 } }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'log-opts',
  },
  {
    name: 'ip not an address',
    config: json({ ip: 'notip' }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'invalid IP address',
  },
  {
    name: 'debug in file and -D',
    config: json({ debug: true }),
    flags: ['-D'],
    refused: true,
    kinds: ['flag_conflict'],
    log: 'debug: (from flag: true, from file: true)',
  },
  {
    name: 'insecure-registries in file and flag',
    config: json({ 'insecure-registries': ['r:5000'] }),
    flags: ['--insecure-registry', 'o:5000'],
    refused: true,
    kinds: ['flag_conflict'],
    log: 'insecure-registries: (from flag: [o:5000], from file: [r:5000])',
  },
  {
    name: 'iptables in file and flag',
    config: json({ iptables: false }),
    refused: true,
    kinds: ['flag_conflict'],
    log: 'iptables: (from flag: false, from file: false)',
  },
  {
    name: 'config-file key and --config-file',
    config: json({ 'config-file': '/x.json' }),
    refused: true,
    kinds: ['flag_conflict'],
    log: 'config-file',
  },
  {
    name: 'icc false with iptables false, both in the file',
    config: json({ icc: false, iptables: false }),
    iptables: true,
    refused: true,
    kinds: ['startup_conflict'],
    log: 'ICC=false uses iptables',
  },
  {
    name: 'icc false in the file, --iptables=false flag',
    config: json({ icc: false }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'ICC=false uses iptables',
  },
  {
    name: 'icc false nested in an unknown object',
    config: json({ foo: { icc: false } }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'ICC=false uses iptables',
  },
  {
    name: 'bip with --bridge=none',
    config: json({ bip: '172.29.0.1/16' }),
    refused: true,
    kinds: ['startup_conflict'],
    log: '-b & --bip',
  },
  {
    name: 'ip6tables without experimental',
    config: json({ ip6tables: true }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'ip6tables',
  },
  {
    name: 'ip6tables with --iptables=false',
    config: json({ ip6tables: true, experimental: true }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'EnableIPTable is disabled',
  },
  {
    name: 'containerd namespace equal to the plugins one',
    config: json({ 'containerd-namespace': 'plugins.moby' }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'namespace',
  },
  {
    name: 'cgroup-parent not a slice with systemd driver',
    config: json({ 'cgroup-parent': 'docker', 'exec-opts': ['native.cgroupdriver=systemd'] }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'xxx.slice',
  },
  {
    name: 'tls without key pair',
    config: json({ tls: true }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'X509 key pair',
  },
  {
    name: 'tlsverify false still turns TLS on',
    config: json({ tlsverify: false }),
    refused: true,
    kinds: ['startup_conflict'],
    log: 'X509 key pair',
  },
  {
    name: 'trailing comma',
    config: '{\n  "debug": true,\n}\n',
    refused: true,
    kinds: ['syntax'],
    log: "invalid character '}' looking for beginning of object key string",
  },
  { name: 'truncated', config: '{"debug": true', refused: true, kinds: ['syntax'], log: 'unexpected EOF' },
  { name: 'empty file', config: '', refused: true, kinds: ['syntax'], log: 'EOF' },
  {
    name: 'byte order mark',
    config: '\uFEFF{"debug": true}',
    refused: true,
    kinds: ['syntax'],
    log: 'invalid character',
  },
  { name: 'top-level array', config: '[]', refused: true, kinds: ['syntax'], log: 'cannot unmarshal array' },
  {
    name: 'bad log-level',
    config: json({ 'log-level': 'verbose' }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'verbose',
  },
  {
    name: 'default-ipc-mode host',
    config: json({ 'default-ipc-mode': 'host' }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'IPC mode',
  },
  {
    name: 'default-cgroupns-mode invalid',
    config: json({ 'default-cgroupns-mode': 'shared' }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'cgroup namespace',
  },
  {
    name: 'unsupported cgroup driver',
    config: json({ 'exec-opts': ['native.cgroupdriver=foo'] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'native.cgroupdriver',
  },
  {
    name: 'conflicting labels',
    config: json({ labels: ['a=b', 'a=c'] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'conflict labels',
  },
  {
    name: 'reserved label namespace',
    config: json({ labels: ['com.docker.x=1'] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'reserved',
  },
  {
    name: 'dns not an address',
    config: json({ dns: ['dns.example.com'] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'not an ip address',
  },
  {
    name: 'dns-search not a domain',
    config: json({ 'dns-search': ['-bad-'] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'not a valid domain',
  },
  {
    name: 'default runtime that does not exist',
    config: json({ 'default-runtime': 'crun' }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'does not exist',
  },
  {
    name: 'runtime named runc',
    config: json({ runtimes: { runc: { path: '/usr/sbin/runc' } } }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'reserved',
  },
  {
    name: 'negative max-concurrent-downloads',
    config: json({ 'max-concurrent-downloads': -1 }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'max concurrent downloads',
  },
  {
    name: 'invalid host',
    config: json({ hosts: ['unix://@DIR@/docker.sock', 'tcp://127.0.0.1:abc'] }),
    ownHosts: true,
    refused: true,
    kinds: ['invalid_value'],
    log: 'invalid port',
  },
  {
    name: 'registry mirror without scheme',
    config: json({ 'registry-mirrors': ['mirror.example.com'] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'invalid mirror',
  },
  {
    name: 'seccomp-profile builtin on 20.10',
    config: json({ 'seccomp-profile': 'builtin' }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'seccomp profile',
  },
  {
    name: 'bad generic resource',
    config: json({ 'node-generic-resources': ['gpu'] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'GenericResource',
  },
  {
    name: 'bad address pool',
    config: json({ 'default-address-pools': [{ base: 'x', size: 24 }] }),
    refused: true,
    kinds: ['invalid_value'],
    log: 'invalid base pool',
  },
  {
    name: 'features with a string',
    config: json({ features: { buildkit: 'yes' } }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'features',
  },
  {
    name: 'builder gc with a string',
    config: json({ builder: { gc: { enabled: 'yes' } } }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'Enabled',
  },
  {
    name: 'ulimit as a string',
    config: json({ 'default-ulimits': { nofile: '64000' } }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'Ulimit',
  },
  {
    name: 'exec-opts as a string',
    config: json({ 'exec-opts': 'native.cgroupdriver=systemd' }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'exec-opts',
  },
  {
    name: 'default-shm-size null',
    config: json({ 'default-shm-size': null }),
    refused: true,
    kinds: ['wrong_type'],
    log: 'invalid size',
  },
  {
    name: 'graph together with data-root',
    config: json({ graph: '@DIR@/g', 'data-root': '@DIR@/d' }),
    noDataRoot: true,
    refused: true,
    kinds: ['invalid_value'],
    log: 'cannot specify both',
  },
];

const skip = skipReason();

describe('config_valid agrees with the real dockerd', { skip: skip ?? false, concurrency: 1 }, () => {
  let serverVersion = '20.10.24';
  if (!skip) {
    // "Docker version 20.10.24+dfsg1, build ..." → the release whose rules apply.
    const out = spawnSyncText(DOCKERD, ['--version']);
    serverVersion = /version (\d+\.\d+\.\d+)/.exec(out)?.[1] ?? serverVersion;
  }

  for (const c of CASES) {
    test(c.name, async () => {
      const dir = mkdtempSync('/tmp/dockersec-cv-');
      try {
        mkdirSync(join(dir, 'etc-docker'));
        const configPath = join(dir, 'daemon.json');
        const text = c.config.replaceAll('@DIR@', dir);
        writeFileSync(configPath, text);
        const args = [
          `--config-file=${configPath}`,
          ...(c.noDataRoot ? [] : ['--data-root', join(dir, 'root')]),
          '--exec-root',
          join(dir, 'exec'),
          '--pidfile',
          join(dir, 'dockerd.pid'),
          ...(c.ownHosts ? [] : ['-H', `unix://${join(dir, 'docker.sock')}`]),
          '--bridge=none',
          ...(c.iptables ? [] : ['--iptables=false']),
          ...(c.flags ?? []),
        ];
        const { findings } = validateDaemonConfig({
          text,
          parsed: null,
          parseError: null,
          args,
          serverVersion,
        });
        const outcome = await runDockerd(dir, args);
        const ours = findings.some((f) => f.refused);
        const detail = `findings: ${JSON.stringify(findings, null, 2)}\ndockerd log (tail):\n${outcome.log
          .split('\n')
          .filter((l) => !l.includes('module=grpc'))
          .slice(-6)
          .join('\n')}`;
        assert.equal(
          outcome.refused,
          c.refused,
          `dockerd ${outcome.refused ? 'refused' : 'accepted'} the file\n${detail}`,
        );
        assert.equal(ours, outcome.refused, `our verdict disagrees with dockerd\n${detail}`);
        for (const kind of c.kinds ?? []) {
          assert.ok(
            findings.some((f) => f.kind === kind),
            `expected a ${kind} finding\n${detail}`,
          );
        }
        if (c.refused && c.log)
          assert.ok(outcome.log.includes(c.log), `dockerd's log lacks ${JSON.stringify(c.log)}\n${detail}`);
        // Every finding names its keys, except syntax errors before any key.
        for (const f of findings)
          if (f.kind !== 'syntax') assert.ok(f.keys.length > 0, `finding without keys: ${f.message}`);
      } finally {
        for (const m of mountsUnder(dir)) spawnSyncText('umount', ['-l', m]);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

function spawnSyncText(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}
