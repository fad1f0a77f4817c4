// Proof that the exporter only reads: every request it sends to a real dockerd passes through a recording
// proxy, and nothing but GET and HEAD may appear. Also: scrapes cause no Docker request at all.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { DOCKER_API_ENDPOINTS, normalizeEndpoint } from '../../src/sources/dockerApi/requestLog.js';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { runCli, startTestExporter, type TestExporter, waitFor } from '../support/exporter.js';

const skip = dockerdUnavailableReason() ?? false;
const REQUEST_LINE = /(?:^|\r\n)([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/g;

class RecordingProxy {
  readonly requests: { method: string; path: string }[] = [];
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly path: string,
    private readonly upstream: string,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      const up = net.connect(this.upstream);
      this.sockets.add(client).add(up);
      let pending = '';
      client.on('data', (chunk) => {
        // Request lines can be split across chunks; keep a tail to re-scan.
        pending += chunk.toString('latin1');
        for (const m of pending.matchAll(REQUEST_LINE)) this.requests.push({ method: m[1]!, path: m[2]! });
        const lastEnd = pending.lastIndexOf('\r\n\r\n');
        pending = lastEnd >= 0 ? pending.slice(lastEnd + 2) : pending.slice(-4096);
      });
      client.pipe(up).pipe(client);
      const close = () => {
        client.destroy();
        up.destroy();
        this.sockets.delete(client);
        this.sockets.delete(up);
      };
      client.on('error', close).on('close', close);
      up.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.path, resolve));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    await rm(this.path, { force: true });
  }
}

describe('read-only', { skip, timeout: 180_000 }, () => {
  let daemon: SandboxDaemon;
  let proxy: RecordingProxy;
  let exporter: TestExporter;

  before(async () => {
    daemon = await startDaemon({ bridge: true, config: { icc: false } });
    await daemon.importBusybox();
    proxy = new RecordingProxy(join(daemon.dir, 'proxy.sock'), daemon.socketPath);
    await proxy.start();
  });
  after(async () => {
    await exporter?.close();
    await proxy?.stop();
    await daemon?.destroy();
  });

  test('the exporter sends only GET and HEAD, through a whole life cycle', async () => {
    const args = [`--docker.host=unix://${proxy.path}`, `--docker.config-file=${daemon.configPath}`];
    exporter = await startTestExporter(args);
    await waitFor('events stream', async () => exporter.exporter.monitor.dockerEventsConnected, 10_000);
    // Events of every kind the exporter follows: containers, networks, a daemon reload.
    const run = await daemon.docker(['run', '--rm', 'busybox:latest', 'true']);
    assert.equal(run.code, 0, run.stderr);
    await daemon.docker(['create', '--privileged', '--name', 'priv', 'busybox:latest', 'sleep', '60']);
    await daemon.docker(['network', 'create', 'ro-test-net']);
    await daemon.writeConfig({ icc: false, 'live-restore': true });
    await daemon.reload();
    await waitFor(
      'live_restore pass',
      async () => (await exporter.scrape()).status('live_restore') === 'pass',
      10_000,
    );
    const cli = await runCli(['check', '--format', 'json', ...args]);
    assert.equal(JSON.parse(cli.stdout).docker.reachable, true);

    assert.ok(proxy.requests.length > 0, 'requests were recorded');
    const methods = new Set(proxy.requests.map((r) => r.method));
    assert.deepEqual(
      [...methods].filter((m) => m !== 'GET' && m !== 'HEAD'),
      [],
      `non-read requests: ${JSON.stringify(proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'))}`,
    );
    assert.ok(
      proxy.requests.some((r) => r.path.endsWith('/_ping')),
      'API version negotiated from /_ping',
    );
    // The request counters start at 0 for a known list of endpoints: every request made is on it.
    const known = new Set(DOCKER_API_ENDPOINTS.map((e) => `${e.method} ${e.endpoint}`));
    for (const r of proxy.requests) {
      const key = `${r.method} ${normalizeEndpoint(r.path)}`;
      assert.ok(known.has(key), `${key} is missing from DOCKER_API_ENDPOINTS`);
    }
  });

  test('a scrape makes no Docker API request', async () => {
    await exporter.exporter.monitor.settled();
    const before = proxy.requests.length;
    for (let i = 0; i < 25; i++) {
      await request(exporter.url).get('/metrics').expect(200);
      await request(exporter.url).get('/').expect(200);
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(proxy.requests.length, before, JSON.stringify(proxy.requests.slice(before)));
  });
});
