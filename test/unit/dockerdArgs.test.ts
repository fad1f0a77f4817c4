import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dockerdConfigFile, flagValues, parseDockerdArgs } from '../../src/facts/dockerd/flags.js';
import { parseDaemonHost } from '../../src/facts/dockerd/hosts.js';
import { releaseFor } from '../../src/facts/dockerd/releases.js';

const release = releaseFor('20.10.24').release;
const keys = (args: string[]) => parseDockerdArgs(args, release).occurrences.map((o) => [o.key, o.value]);

describe('dockerd argv (pflag rules)', () => {
  test('--flag=value and --flag value', () => {
    assert.deepEqual(keys(['--log-level=debug', '--log-level', 'warn']), [
      ['log-level', 'debug'],
      ['log-level', 'warn'],
    ]);
  });
  test('shorthands map to named options: -H is hosts', () => {
    assert.deepEqual(keys(['-H', 'fd://', '-Htcp://0.0.0.0:2375', '-H=unix:///x.sock']), [
      ['hosts', 'fd://'],
      ['hosts', 'tcp://0.0.0.0:2375'],
      ['hosts', 'unix:///x.sock'],
    ]);
  });
  test('a bare bool flag is true and never eats the next word', () => {
    assert.deepEqual(keys(['--icc', 'false']), [['icc', 'true']]);
    assert.deepEqual(parseDockerdArgs(['--icc', 'false'], release).positional, ['false']);
    assert.deepEqual(keys(['--icc=false', '-D']), [
      ['icc', 'false'],
      ['debug', 'true'],
    ]);
  });
  test('singular named flags set the plural key', () => {
    assert.deepEqual(keys(['--insecure-registry', 'r:5000', '--authorization-plugin=authz']), [
      ['insecure-registries', 'r:5000'],
      ['authorization-plugins', 'authz'],
    ]);
  });
  test('values of a key: -H in every spelling, and --host-gateway-ip is not -H', () => {
    assert.deepEqual(
      flagValues(['-H', 'fd://', '--host=tcp://:2375', '--host-gateway-ip=10.0.0.1'], 'hosts'),
      ['fd://', 'tcp://:2375'],
    );
  });
  test("dockerd's --config-file: the last one wins (pflag), relative to dockerd's working directory", () => {
    assert.equal(dockerdConfigFile(['--config-file', '/a.json', '--config-file=/b.json'], '/'), '/b.json');
    assert.equal(dockerdConfigFile(['--config-file=conf/d.json'], '/srv'), '/srv/conf/d.json');
    assert.equal(dockerdConfigFile(['-H', 'fd://'], '/'), null);
  });
  test('unknown flags are reported, not guessed', () => {
    const p = parseDockerdArgs(['--made-up=1', '-Z'], release);
    assert.deepEqual(p.unknown, ['--made-up=1', '-Z']);
  });
  test('release differences: --http-proxy exists from 23.0', () => {
    assert.deepEqual(parseDockerdArgs(['--http-proxy=http://p'], release).unknown, ['--http-proxy=http://p']);
    assert.equal(parseDockerdArgs(['--http-proxy=http://p'], releaseFor('24.0.7').release).unknown.length, 0);
  });
});

describe('listener addresses (ParseDaemonHost)', () => {
  test('schemes', () => {
    assert.deepEqual(parseDaemonHost('tcp://0.0.0.0:2376'), {
      proto: 'tcp',
      raw: 'tcp://0.0.0.0:2376',
      host: '0.0.0.0',
      port: 2376,
    });
    assert.equal(parseDaemonHost('0.0.0.0:2375').proto, 'tcp');
    assert.equal(parseDaemonHost('unix:///run/docker.sock').proto, 'unix');
    assert.equal(parseDaemonHost('fd://').proto, 'fd');
    assert.deepEqual(parseDaemonHost('tcp://[::1]:2376'), {
      proto: 'tcp',
      raw: 'tcp://[::1]:2376',
      host: '::1',
      port: 2376,
    });
    assert.throws(() => parseDaemonHost('udp://x:1'), /unsupported proto/);
  });
});

describe('release selection', () => {
  test('same series wins, newer falls back to newest', () => {
    assert.equal(releaseFor('20.10.24+dfsg1').release.tag, '20.10.27');
    assert.equal(releaseFor('28.3.2').release.tag, '28.3.0');
    assert.equal(releaseFor('31.0.0').release.tag, '29.7.2');
    assert.match(releaseFor(null).note, /unknown/);
  });
});
