// Flags in the exporter style and `check` exit codes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exitCodeFor } from '../../src/cli/check.js';
import { parseArgs, parseDuration, UsageError } from '../../src/cli/flags.js';
import type { ControlResult } from '../../src/controls/types.js';
import type { Evaluation } from '../../src/evaluation/types.js';
import { defaultDockerHost } from '../../src/sources/dockerApi/endpoint.js';

describe('flags', () => {
  test('defaults', () => {
    const o = parseArgs([], {});
    assert.equal(o.command, 'serve');
    if (o.command !== 'serve') return;
    assert.deepEqual(o.listenAddresses, [':9612']);
    assert.equal(o.telemetryPath, '/metrics');
    assert.equal(o.dockerHost, 'unix:///var/run/docker.sock');
    assert.equal(o.resyncIntervalMs, 300_000);
    assert.equal(o.logFormat, 'logfmt');
  });
  test('$DOCKER_HOST is the default Docker host; the flag wins', () => {
    assert.equal(
      (parseArgs([], { DOCKER_HOST: 'tcp://h:2376' }) as { dockerHost: string }).dockerHost,
      'tcp://h:2376',
    );
    assert.equal(
      (
        parseArgs(['--docker.host', 'unix:///x.sock'], { DOCKER_HOST: 'tcp://h:2376' }) as {
          dockerHost: string;
        }
      ).dockerHost,
      'unix:///x.sock',
    );
  });
  test("a non-root user's own rootless socket is the default when it exists (issue 13)", () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1001' };
    const sockets = new Set(['/run/user/1001/docker.sock']);
    const isSocket = (p: string) => sockets.has(p);
    // dockerd-rootless.sh listens on $XDG_RUNTIME_DIR/docker.sock: a non-root exporter audits that daemon.
    assert.equal(defaultDockerHost(env, 1001, isSocket), 'unix:///run/user/1001/docker.sock');
    // root audits the system daemon; so does a user without the socket, or without XDG_RUNTIME_DIR.
    assert.equal(defaultDockerHost(env, 0, isSocket), 'unix:///var/run/docker.sock');
    assert.equal(
      defaultDockerHost({ XDG_RUNTIME_DIR: '/run/user/1002' }, 1002, isSocket),
      'unix:///var/run/docker.sock',
    );
    assert.equal(defaultDockerHost({}, 1001, isSocket), 'unix:///var/run/docker.sock');
    // A relative XDG_RUNTIME_DIR is invalid per the XDG spec (and dockerd refuses it): ignored.
    assert.equal(
      defaultDockerHost({ XDG_RUNTIME_DIR: 'run' }, 1001, () => true),
      'unix:///var/run/docker.sock',
    );
    // The real probe: a directory named docker.sock is not a socket, and a missing one is none either.
    assert.equal(defaultDockerHost({ XDG_RUNTIME_DIR: '/nonexistent' }, 1001), 'unix:///var/run/docker.sock');
  });
  test('--flag=value, --flag value, --no-flag', () => {
    const o = parseArgs(
      ['--web.listen-address', '127.0.0.1:1', '--log.format=json', '--no-docker.tls-verify'],
      {},
    );
    if (o.command !== 'serve') throw new Error('serve expected');
    assert.deepEqual(o.listenAddresses, ['127.0.0.1:1']);
    assert.equal(o.logFormat, 'json');
    assert.equal(o.tls.verify, false);
  });
  test('healthcheck takes the flags of serve, so the exporter command line can be reused', () => {
    const o = parseArgs(['healthcheck', '--web.listen-address=127.0.0.1:9999', '--host.root=/host'], {});
    assert.equal(o.command, 'healthcheck');
    assert.deepEqual(o.command === 'healthcheck' && o.listenAddresses, ['127.0.0.1:9999']);
    assert.throws(() => parseArgs(['healthcheck', '--format=json'], {}), /not a flag of the serve command/);
  });
  test('--host.docker-socket', () => {
    const o = parseArgs(['--docker.host=tcp://proxy:2375', '--host.docker-socket=/var/run/docker.sock'], {});
    assert.equal(o.command === 'serve' && o.hostDockerSocket, '/var/run/docker.sock');
    assert.equal(
      parseArgs([], {}).command === 'serve' &&
        (parseArgs([], {}) as { hostDockerSocket?: string }).hostDockerSocket,
      undefined,
    );
  });
  test('check flags and choices', () => {
    const o = parseArgs(['check', '--format', 'sarif', '--fail-on=high'], {});
    assert.equal(o.command, 'check');
    if (o.command === 'check') {
      assert.equal(o.format, 'sarif');
      assert.equal(o.failOn, 'high');
    }
  });
  test('--cis.version (default 1.8.0) and check --docker.release (issue 13)', () => {
    assert.equal((parseArgs(['check'], {}) as { cisVersion: string }).cisVersion, '1.8.0');
    assert.equal((parseArgs(['--cis.version=1.6.0'], {}) as { cisVersion: string }).cisVersion, '1.6.0');
    assert.throws(() => parseArgs(['--cis.version=1.5.0'], {}), UsageError);
    const c = parseArgs(['check', '--docker.release=28.5'], {}) as { dockerRelease?: string };
    assert.equal(c.dockerRelease, '28.5');
    assert.equal(
      (parseArgs(['check', '--docker.release', 'v26.1.5'], {}) as { dockerRelease?: string }).dockerRelease,
      'v26.1.5',
    );
    for (const bad of ['banana', '28', '28.5.2.1', '', '28.x'])
      assert.throws(
        () => parseArgs(['check', `--docker.release=${bad}`], {}),
        /--docker\.release must be a dockerd version/,
      );
    assert.throws(() => parseArgs(['--docker.release=28.5'], {}), /not a flag of the serve command/);
  });
  test('usage errors', () => {
    assert.throws(() => parseArgs(['--nope'], {}), UsageError);
    assert.throws(() => parseArgs(['check', '--format', 'xml'], {}), /one of text, table, json, sarif/);
    assert.throws(() => parseArgs(['--format', 'json'], {}), /not a flag of the serve command/);
    assert.throws(() => parseArgs(['--web.telemetry-path', 'metrics'], {}), /start with \//);
    assert.throws(() => parseArgs(['--docker.resync-interval', '5 minutes'], {}), /invalid duration/);
    assert.throws(() => parseArgs(['extra'], {}), /unexpected argument/);
  });
  test('--web.max-connections: 256 by default, a whole number of at least 1', () => {
    const o = parseArgs([], {});
    assert.equal(o.command === 'serve' && o.webMaxConnections, 256);
    const p = parseArgs(['--web.max-connections=32'], {});
    assert.equal(p.command === 'serve' && p.webMaxConnections, 32);
    assert.throws(() => parseArgs(['--web.max-connections=0'], {}), /at least 1/);
    assert.throws(() => parseArgs(['--web.max-connections=many'], {}), /whole number/);
    assert.throws(
      () => parseArgs(['check', '--web.max-connections=1'], {}),
      /not a flag of the check command/,
    );
  });
  test('durations in the Prometheus style', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('2h'), 7_200_000);
  });
});

describe('check exit codes', () => {
  const evaluation = (results: Partial<ControlResult>[]) => ({ results }) as unknown as Evaluation;
  test('1 when a control at or above the threshold fails, else 0', () => {
    const e = evaluation([
      { status: 'fail', severity: 'medium' },
      { status: 'pass', severity: 'critical' },
      { status: 'error', severity: 'critical' },
    ]);
    assert.equal(exitCodeFor(e, 'low'), 1);
    assert.equal(exitCodeFor(e, 'medium'), 1);
    assert.equal(exitCodeFor(e, 'high'), 0);
    assert.equal(exitCodeFor(e, 'none'), 0);
  });
});

describe('help', () => {
  const help = (argv: string[]) => {
    const o = parseArgs(argv, {});
    if (o.command !== 'help') throw new Error(`help expected for ${argv.join(' ')}`);
    return o.text;
  };
  test('--help: commands, then flags grouped by area, each with what it expects', () => {
    const text = help(['--help']);
    assert.match(
      text,
      /^Commands:\n {2}serve .*\n.*\n {2}check .*\n.*\n {2}healthcheck .*\n.*\n {2}help \[COMMAND\]/m,
    );
    const headings = [...text.matchAll(/^(\w+)[^\n]*:$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['Commands', 'Docker', 'Host', 'Web', 'Logging', 'Policy', 'Other']);
    assert.doesNotMatch(text, /VALUE/);
    assert.match(text, /--docker\.host=URL\n/);
    assert.match(text, /--web\.listen-address=\[HOST\]:PORT\n/);
    assert.match(text, /--docker\.timeout=DURATION\n/);
    assert.match(text, /--\[no-\]web\.systemd-socket\n/);
    assert.doesNotMatch(text, /--fail-on=/, 'check flags only in help check');
    for (const line of text.split('\n')) assert.ok(line.length <= 80, `over 80 columns: ${line}`);
  });
  test('help, help serve, help check, check --help', () => {
    assert.equal(help(['help']), help(['--help']));
    assert.equal(help(['help', 'serve']), help(['serve', '--help']));
    const check = help(['help', 'check']);
    assert.equal(check, help(['check', '--help']));
    assert.match(check, /^Report \(check\):$/m);
    assert.match(check, /--fail-on=SEVERITY/);
    assert.match(check, /--format=FORMAT\n.*one of text, table, json, sarif/);
    assert.doesNotMatch(check, /--web\./);
    assert.doesNotMatch(check, /VALUE/);
  });
  test('help of an unknown command is a usage error', () => {
    assert.throws(() => parseArgs(['help', 'deploy'], {}), UsageError);
  });
});
