// Where `serve` listens: several --web.listen-address values, or the sockets systemd passes (--web.systemd-socket,
// exporter-toolkit semantics); and its counters exist at 0 from the first scrape, so increase() sees the first event.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, describe, test } from 'node:test';
import { cliCommand, parseMetrics, ROOT } from '../support/exporter.js';
import { getFreePort } from '../support/ports.js';
import { waitFor } from '../support/wait.js';

// No daemon is needed to listen: the Docker host is a socket that does not exist.
const NO_DOCKER = [
  '--docker.host=unix:///nonexistent/docker.sock',
  '--docker.config-file=/nonexistent/daemon.json',
];

const children: ChildProcess[] = [];
function serve(
  args: string[],
  opts: { shell?: string; fd?: number } = {},
): { child: ChildProcess; stderr: () => string } {
  const [cmd, ...pre] = cliCommand();
  const argv = [cmd!, ...pre, ...NO_DOCKER, ...args];
  // LISTEN_PID must name the exporter's own process: a shell sets it to its pid, then execs into node.
  const child = opts.shell
    ? spawn('/bin/sh', ['-c', opts.shell, 'sh', ...argv], {
        cwd: ROOT,
        env: { ...process.env, DOCKER_HOST: '' },
        stdio: ['ignore', 'ignore', 'pipe', ...(opts.fd !== undefined ? [opts.fd] : [])],
      })
    : spawn(argv[0]!, argv.slice(1), {
        cwd: ROOT,
        env: { ...process.env, DOCKER_HOST: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return { child, stderr: () => err };
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('listeners and counters', { timeout: 120_000 }, () => {
  after(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await once(c, 'exit');
      }
    }
  });

  test('a repeated --web.listen-address listens on each; counters start at 0 for their known labels', async () => {
    const [a, b] = [await getFreePort(), await getFreePort()];
    const s = serve([`--web.listen-address=127.0.0.1:${a}`, `--web.listen-address=127.0.0.1:${b}`]);
    await waitFor(
      'both ready',
      async () => (await get(a, '/-/ready')).status === 200 && (await get(b, '/-/ready')).status === 200,
      60_000,
    );
    await waitFor('start line', () => s.stderr().includes('msg=started'), 10_000);
    const started = s
      .stderr()
      .split('\n')
      .find((l) => l.includes('msg=started'))!;
    assert.match(started, new RegExp(`listen=127\\.0\\.0\\.1:${a},127\\.0\\.0\\.1:${b}`));
    const m = parseMetrics((await get(b, '/metrics')).body);
    for (const endpoint of [
      '/_ping',
      '/version',
      '/info',
      '/events',
      '/containers/json',
      '/containers/{id}/top',
    ]) {
      assert.notEqual(
        m.get('dockersec_docker_api_request_failures_total', { method: 'GET', endpoint }),
        undefined,
        endpoint,
      );
      assert.notEqual(
        m.get('dockersec_docker_api_requests_total', { method: 'GET', endpoint }),
        undefined,
        endpoint,
      );
    }
    // No daemon here: the pings failed, and the never-tried endpoints are there at 0.
    assert.ok(m.get('dockersec_docker_api_request_failures_total', { endpoint: '/_ping' })! > 0);
    assert.equal(
      m.get('dockersec_docker_api_request_failures_total', { endpoint: '/containers/{id}/top' }),
      0,
    );
    for (const scheme of ['http', 'https'])
      for (const outcome of ['answered', 'refused', 'timeout', 'client_cert_required'])
        assert.equal(
          m.get('dockersec_exposure_probes_total', { scheme, outcome }),
          0,
          `${scheme} ${outcome}`,
        );
    assert.equal(m.get('dockersec_evaluations_total', { trigger: 'config_change' }), 0);
    assert.equal(m.get('dockersec_web_connections_rejected_total', { reason: 'max_connections' }), 0);
  });

  test('--web.systemd-socket serves the socket systemd passed (LISTEN_FDS, LISTEN_PID)', async () => {
    const socket: Server = createServer();
    socket.listen({ host: '127.0.0.1', port: 0 });
    await once(socket, 'listening');
    const port = (socket.address() as { port: number }).port;
    const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
    const s = serve(['--web.systemd-socket', '--web.listen-address=127.0.0.1:1'], {
      shell: 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"',
      fd,
    });
    // The child holds its own copy; this process stops accepting on it.
    socket.close();
    await waitFor(
      'ready on the inherited socket',
      async () => (await get(port, '/-/ready')).status === 200,
      60_000,
    );
    await waitFor('start line', () => s.stderr().includes('msg=started'), 10_000);
    assert.match(s.stderr(), new RegExp(`msg=started .*listen=127\\.0\\.0\\.1:${port} `));
    assert.equal((await get(port, '/-/healthy')).body, 'Healthy\n');
  });

  test('--web.systemd-socket without sockets from systemd: one line, exit 2', async () => {
    const s = serve(['--web.systemd-socket']);
    const [code] = (await once(s.child, 'exit')) as [number];
    assert.equal(code, 2);
    const lines = s.stderr().split('\n').filter(Boolean);
    assert.equal(lines.length, 1, s.stderr());
    assert.match(lines[0]!, /--web\.systemd-socket: no socket activation file descriptors found/);
  });

  test('LISTEN_PID of another process is not ours to use', async () => {
    const s = serve(['--web.systemd-socket'], { shell: 'LISTEN_PID=1 LISTEN_FDS=1 exec "$@"' });
    const [code] = (await once(s.child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(s.stderr(), /LISTEN_PID 1 is not this process/);
  });
});
