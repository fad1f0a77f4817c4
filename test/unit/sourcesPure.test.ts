// The pure parts of the sources: where daemon.json is, how --docker.host is read, how requests are labelled.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DockerdProcess } from '../../src/facts/types.js';
import { resolveConfigPath } from '../../src/sources/daemonConfigFile.js';
import { EndpointError, parseDockerHost, tlsFromEnvAndFlags } from '../../src/sources/dockerApi/endpoint.js';
import { normalizeEndpoint } from '../../src/sources/dockerApi/requestLog.js';

const proc = (over: Partial<DockerdProcess>): DockerdProcess => ({
  pid: 1,
  uid: 0,
  args: [],
  env: {},
  cwd: '/',
  startTimeSeconds: null,
  matchedBy: 'socket_inode',
  ...over,
});
const homes = { 1000: '/home/alice' };

describe('where daemon.json is', () => {
  test('--docker.config-file wins', () => {
    assert.deepEqual(
      resolveConfigPath({
        flag: '/x.json',
        dockerd: proc({ args: ['--config-file=/y.json'] }),
        socketPath: null,
        homes,
      }),
      {
        path: '/x.json',
        origin: 'flag',
      },
    );
  });
  test("the running dockerd's --config-file, in both spellings, relative to its cwd", () => {
    assert.equal(
      resolveConfigPath({
        flag: undefined,
        dockerd: proc({ args: ['--config-file', '/y.json'] }),
        socketPath: null,
        homes,
      }).path,
      '/y.json',
    );
    assert.equal(
      resolveConfigPath({
        flag: undefined,
        dockerd: proc({ args: ['--config-file=conf/d.json'], cwd: '/srv' }),
        socketPath: null,
        homes,
      }).path,
      '/srv/conf/d.json',
    );
  });
  test('rootless: XDG_CONFIG_HOME, else HOME, else the passwd home of the daemon user', () => {
    const r = (env: Record<string, string>) =>
      resolveConfigPath({ flag: undefined, dockerd: proc({ uid: 1000, env }), socketPath: null, homes });
    assert.deepEqual(r({ XDG_CONFIG_HOME: '/home/alice/.cfg' }), {
      path: '/home/alice/.cfg/docker/daemon.json',
      origin: 'rootless',
    });
    assert.equal(r({ HOME: '/home/alice' }).path, '/home/alice/.config/docker/daemon.json');
    assert.equal(r({}).path, '/home/alice/.config/docker/daemon.json');
  });
  test('rootless without a visible process: the owner of /run/user/UID/docker.sock', () => {
    assert.equal(
      resolveConfigPath({ flag: undefined, dockerd: null, socketPath: '/run/user/1000/docker.sock', homes })
        .path,
      '/home/alice/.config/docker/daemon.json',
    );
  });
  test("dockerd's own default otherwise", () => {
    assert.deepEqual(
      resolveConfigPath({ flag: undefined, dockerd: proc({}), socketPath: '/var/run/docker.sock', homes }),
      {
        path: '/etc/docker/daemon.json',
        origin: 'default',
      },
    );
  });
});

describe('--docker.host', () => {
  test('unix and tcp, with and without scheme and port', () => {
    assert.equal(parseDockerHost('unix:///run/docker.sock', null).socketPath, '/run/docker.sock');
    assert.deepEqual(parseDockerHost('tcp://10.0.0.5:2376', null).tcp, { host: '10.0.0.5', port: 2376 });
    assert.deepEqual(parseDockerHost('127.0.0.1', null).tcp, { host: '127.0.0.1', port: 2375 });
    assert.deepEqual(parseDockerHost('tcp://[::1]:2376', null).tcp, { host: '::1', port: 2376 });
    assert.equal(parseDockerHost('tcp://h', { verify: true }).tcp?.port, 2376, 'TLS defaults to 2376');
  });
  test('unsupported schemes are a clear error', () => {
    assert.throws(() => parseDockerHost('ssh://me@host', null), EndpointError);
    assert.throws(() => parseDockerHost('npipe:////./pipe/docker_engine', null), /not supported/);
  });
  test('TLS from the docker CLI environment unless flags say otherwise', () => {
    const t = tlsFromEnvAndFlags({ DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, {});
    assert.deepEqual(t, {
      caFile: '/certs/ca.pem',
      certFile: '/certs/cert.pem',
      keyFile: '/certs/key.pem',
      verify: true,
    });
    assert.equal(tlsFromEnvAndFlags({}, {}), null);
    assert.equal(tlsFromEnvAndFlags({}, { ca: '/ca.pem' })?.caFile, '/ca.pem');
    assert.equal(tlsFromEnvAndFlags({}, { enabled: true, verify: false })?.verify, false);
  });
});

describe('request labels stay bounded', () => {
  test('ids and names are collapsed, the version prefix and query dropped', () => {
    assert.equal(normalizeEndpoint('/v1.41/containers/abc123/json?size=false'), '/containers/{id}/json');
    assert.equal(normalizeEndpoint('/v1.41/containers/json?all=1'), '/containers/json');
    assert.equal(normalizeEndpoint('/networks/bridge'), '/networks/{id}');
    assert.equal(normalizeEndpoint('/_ping'), '/_ping');
  });
});
