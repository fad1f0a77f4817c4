// The compose example's Docker API proxy (examples/compose/docker-api-proxy.cfg), run with Debian's haproxy in
// front of a sandboxed dockerd: the exporter gets everything it needs through it, and anything else (a POST
// above all) is refused, as the proxy's request log shows.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { haproxy } from '../support/debianTools.js';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { ROOT, startTestExporter, type TestExporter, waitFor } from '../support/exporter.js';
import { getFreePort } from '../support/ports.js';

const tool = haproxy();
const skip = dockerdUnavailableReason() ?? (typeof tool === 'string' ? tool : false);
const CONFIG = join(ROOT, 'examples', 'compose', 'docker-api-proxy.cfg');

function send(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent: false, timeout: 10_000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.once('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('the read-only Docker API proxy of examples/compose', { skip, timeout: 180_000 }, () => {
  let daemon: SandboxDaemon;
  let proxy: ChildProcess;
  let exporter: TestExporter;
  let log = '';
  let port: number;
  let dir: string;

  before(async () => {
    if (typeof tool === 'string') return;
    daemon = await startDaemon();
    const image = await daemon.importBusybox();
    assert.equal((await daemon.docker(['run', '-d', '--name', 'workload', image, 'sleep', '600'])).code, 0);
    dir = mkdtempSync(join(tmpdir(), 'dockersec-proxy-'));
    port = await getFreePort();
    // The shipped file, with only the two addresses of this machine changed.
    const config = readFileSync(CONFIG, 'utf8')
      .replace(/^ {2}bind :2375$/m, `  bind 127.0.0.1:${port}`)
      .replace(/^ {2}server dockerd \/var\/run\/docker\.sock$/m, `  server dockerd ${daemon.socketPath}`);
    assert.notEqual(config, readFileSync(CONFIG, 'utf8'));
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    proxy = spawn(tool.cmd, ['-db', '-f', join(dir, 'haproxy.cfg')], {
      env: tool.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proxy.stdout!.on('data', (d) => (log += d));
    proxy.stderr!.on('data', (d) => (log += d));
    await waitFor('haproxy to answer', () => send(port, 'GET', '/_ping').then((s) => s === 200), 10_000, 100);
    exporter = await startTestExporter([`--docker.host=tcp://127.0.0.1:${port}`, `--host.root=/`]);
  });

  after(async () => {
    await exporter?.close();
    proxy?.kill('SIGTERM');
    await daemon?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the exporter reads all it needs through the proxy: no request refused, containers inspected', async () => {
    const m = await waitFor(
      'the container inventory through the proxy',
      async () => {
        const s = await exporter.scrape();
        return s.get('dockersec_source_up', { source: 'containers' }) === 1 ? s : false;
      },
      30_000,
      200,
    );
    assert.equal(m.get('dockersec_up'), 1);
    assert.equal(m.get('dockersec_docker_events_connected'), 1);
    const failures = m.all('dockersec_docker_api_request_failures_total').filter((s) => s.value > 0);
    assert.deepEqual(failures, [], log);
    // Container inspection and process lists went through (container_sshd needs /top).
    assert.ok(
      (m.get('dockersec_docker_api_requests_total', { method: 'GET', endpoint: '/containers/{id}/top' }) ??
        0) > 0,
    );
    assert.doesNotMatch(log, / 403 /, `the proxy refused one of the exporter's requests:\n${log}`);
  });

  test('anything else is refused and logged: a POST, a DELETE, another endpoint', async () => {
    assert.equal(await send(port, 'POST', '/containers/create'), 403);
    assert.equal(await send(port, 'POST', '/v1.41/containers/workload/exec'), 403);
    assert.equal(await send(port, 'DELETE', '/containers/workload?force=1'), 403);
    assert.equal(await send(port, 'GET', '/containers/workload/logs'), 403);
    assert.equal(await send(port, 'GET', '/secrets'), 403);
    assert.equal(await send(port, 'GET', '/v1.41/containers/json'), 200);
    await waitFor(
      'the refusals in the request log',
      () => /"POST \/containers\/create HTTP\/1\.1"/.test(log),
      5_000,
    );
    const line = log.split('\n').find((l) => l.includes('"POST /containers/create HTTP/1.1"'))!;
    assert.match(line, / 403 /, line);
    const deleted = log.split('\n').find((l) => l.includes('"DELETE /containers/workload?force=1'))!;
    assert.match(deleted, / 403 /, deleted);
    // And the container is still there: nothing reached dockerd.
    const inspect = await daemon.request('GET', '/containers/workload/json');
    assert.equal(inspect.status, 200);
  });
});
