// The repository's Dockerfile, built unchanged on a sandboxed dockerd from a locally made Node base image, then
// run exactly as docs/deployment.md says (non-root, read-only, no capabilities, no-new-privileges, --pid=host,
// the socket and the host's / mounted, basic auth on) against that same dockerd.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { haproxy } from '../support/debianTools.js';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { type Metrics, parseMetrics, ROOT, waitFor } from '../support/exporter.js';
import { importNodeBase, packageVersion } from '../support/nodeBaseImage.js';
import { getFreePort } from '../support/ports.js';

const skip = dockerdUnavailableReason() ?? false;
const GUIDE = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8');
const TAG = 'dockersec-exporter:under-test';
const USER = 'prometheus';
const PASSWORD = 'scrape-me';

/** A fenced block the guide marks with `<!-- test: NAME -->` on the line before. */
export function guideBlock(name: string): string {
  const m = new RegExp(`<!-- test: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(GUIDE);
  if (!m) throw new Error(`docs/deployment.md has no block marked <!-- test: ${name} -->`);
  return m[1]!;
}

/** Splits a shell command of the guide: backslash continuations, double-quoted words, no other shell syntax. */
export function shellWords(text: string, substitutions: Record<string, string>): string[] {
  const words: string[] = [];
  for (const m of text.replace(/\\\n/g, ' ').matchAll(/(?:"[^"]*"|[^\s"])+/g)) {
    let w = m[0].replaceAll('"', '');
    for (const [from, to] of Object.entries(substitutions)) w = w.replaceAll(from, to);
    words.push(w);
  }
  return words;
}

/** The controls a recipe's waivers entries name for `container` (every entry without names: all of them). */
export function waivedControls(name: string, container?: string): Set<string> {
  const doc = parse(guideBlock(name)) as {
    waivers: { controls: string[]; containers: { names?: string[] } }[];
  };
  const entries = doc.waivers.filter(
    (w) => !container || !w.containers.names || w.containers.names.includes(container),
  );
  return new Set(entries.flatMap((w) => w.controls));
}

interface ComposeService {
  user: string;
  read_only: boolean;
  cap_drop: string[];
  security_opt: string[];
  restart: string;
  cpu_shares: number;
  mem_limit: string;
  pids_limit: number;
  pid: string;
  command: string[];
  volumes: string[];
  ports: string[];
  healthcheck: { test: string[]; interval: string };
}

function get(url: string, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {};
    http
      .get(url, { headers, agent: false, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('the container image, built and run as the deployment guide says', {
  skip,
  timeout: 1_200_000,
}, () => {
  let daemon: SandboxDaemon;
  let dir: string;
  let port: number;
  let revision: string;
  let version: string;
  let metrics: Metrics;
  let containerId: string;

  before(async () => {
    // The build needs the npm registry (--network host) and the run a bridge to publish the port on.
    daemon = await startDaemon({ hostNetwork: true, bridge: true });
    // A real host's /etc/docker and /run are traversable by every user; the sandbox's directory is made so too,
    // so that the non-root exporter sees daemon.json and the socket's owner as it would on a host.
    chmodSync(daemon.dir, 0o711);
    chmodSync(daemon.configPath, 0o644);
    const base = await importNodeBase(daemon);
    version = await packageVersion(ROOT);
    const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    revision = git.status === 0 ? git.stdout.trim() : 'unknown';
    // No buildx here: the classic builder, which needs no frontend image (hence no `# syntax=` line).
    process.env.DOCKER_BUILDKIT = '0';
    const build = await daemon.docker(
      [
        'build',
        '--network',
        'host',
        '--build-arg',
        `NODE_IMAGE=${base}`,
        '--build-arg',
        `VERSION=${version}`,
        '--build-arg',
        `REVISION=${revision}`,
        '-t',
        TAG,
        ROOT,
      ],
      { timeoutMs: 900_000 },
    );
    assert.equal(build.code, 0, `docker build failed:\n${build.stdout.slice(-4000)}\n${build.stderr}`);

    dir = mkdtempSync(join(tmpdir(), 'dockersec-image-'));
    chmodSync(dir, 0o755);
    writeFileSync(
      join(dir, 'web-config.yml'),
      `basic_auth_users:\n  ${USER}: ${bcrypt.hashSync(PASSWORD, 10)}\n`,
      { mode: 0o644 },
    );
    // The recipe's waivers entry, where the recipe's --waivers.file looks for it.
    // Its expiry moved to 90 days from now, so that the test does not expire with the example's date.
    const expires = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    const waivers = guideBlock('waivers-docker-run').replace(/^( +expires: )\S+$/gm, `$1${expires}`);
    writeFileSync(join(dir, 'waivers.yml'), `${waivers}\n`, { mode: 0o644 });
    port = await getFreePort();
    const words = shellWords(guideBlock('docker-run'), {
      '$(stat -c %g /var/run/docker.sock)': String(statSync(daemon.socketPath).gid),
      '$(hostname -f)': 'docker-01.example.net',
      '/var/run/docker.sock:/var/run/docker.sock': `${daemon.socketPath}:/var/run/docker.sock`,
      '/etc/dockersec:/etc/dockersec': `${dir}:/etc/dockersec`,
      [`dockersec-exporter:${version}`]: TAG,
      // The first health check runs one interval after the start; the test does not wait 30 s for it.
      '--health-interval=30s': '--health-interval=2s',
    }).map((w) => w.replace(/^[\d.]+:9612:9612$/, `127.0.0.1:${port}:9612`));
    assert.deepEqual(words.slice(0, 3), ['docker', 'run', '-d']);
    const network = await daemon.docker(['network', 'create', 'dockersec']);
    assert.equal(network.code, 0, network.stderr);
    const run = await daemon.docker(words.slice(1));
    assert.equal(run.code, 0, `docker run failed: ${run.stderr}`);
    containerId = run.stdout.trim();
    metrics = await waitFor(
      'an evaluation with the container inventory',
      async () => {
        const r = await get(`http://127.0.0.1:${port}/metrics`, `${USER}:${PASSWORD}`);
        if (r.status !== 200) return false;
        const m = parseMetrics(r.body);
        return m.get('dockersec_source_up', { source: 'containers' }) === 1 ? m : false;
      },
      60_000,
      500,
    ).catch(async (e: Error) => {
      const logs = await daemon.docker(['logs', containerId]);
      throw new Error(`${e.message}\nexporter log:\n${logs.stdout}${logs.stderr}`);
    });
  });

  after(async () => {
    await daemon?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('OCI labels carry the version and revision, and dockersec_build_info shows the same', async () => {
    const inspect = await daemon.docker(['image', 'inspect', '--format', '{{json .Config}}', TAG]);
    const config = JSON.parse(inspect.stdout) as { Labels: Record<string, string>; User: string };
    assert.equal(config.Labels['org.opencontainers.image.version'], version);
    assert.equal(config.Labels['org.opencontainers.image.revision'], revision);
    assert.match(config.User, /^[1-9]\d*:[1-9]\d*$/, 'a numeric non-root user');
    assert.equal(metrics.get('dockersec_build_info', { version, revision }), 1, metrics.text.slice(0, 2000));
  });

  test('/metrics needs the basic auth of the web config', async () => {
    assert.equal((await get(`http://127.0.0.1:${port}/metrics`)).status, 401);
  });

  test('every source the guide promises is up, dockerd_cmdline included; config_drift is decided', () => {
    const promised = guideBlock('docker-run-sources').split(/\s+/).filter(Boolean);
    assert.ok(promised.includes('dockerd_cmdline'));
    const down = promised.filter((s) => metrics.get('dockersec_source_up', { source: s }) !== 1);
    assert.deepEqual(
      down,
      [],
      `sources down:\n${metrics
        .all('dockersec_source_up')
        .map((s) => JSON.stringify(s))
        .join('\n')}`,
    );
    assert.notEqual(metrics.status('config_drift'), 'error');
    assert.ok(metrics.status('config_drift'));
  });

  test('the health check is healthy with basic auth on', async () => {
    const status = await waitFor(
      'a health status other than starting',
      async () => {
        const r = await daemon.docker(['inspect', '--format', '{{json .State.Health}}', containerId]);
        const h = JSON.parse(r.stdout) as { Status: string; Log: { Output: string }[] };
        return h.Status === 'starting' ? false : h;
      },
      60_000,
      500,
    );
    assert.equal(status.Status, 'healthy', JSON.stringify(status.Log));
    assert.match(status.Log.at(-1)!.Output, /serving behind basic auth/);
  });

  test("the Compose recipe's exporter container, behind the shipped API proxy, fails only what its waiver names", async (t) => {
    const tool = haproxy();
    if (typeof tool === 'string') return t.skip(tool);
    const compose = parse(readFileSync(join(ROOT, 'examples', 'compose', 'compose.yaml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<string, ComposeService>;
    };
    const svc = compose.services['dockersec-exporter']!;
    // The proxy: Debian's haproxy with the shipped config, on the gateway of the container's network.
    const gateway = (
      await daemon.docker([
        'network',
        'inspect',
        '--format',
        '{{(index .IPAM.Config 0).Gateway}}',
        'dockersec',
      ])
    ).stdout.trim();
    const proxyPort = await getFreePort();
    const config = readFileSync(join(ROOT, 'examples', 'compose', 'docker-api-proxy.cfg'), 'utf8')
      .replace(/^ {2}bind :2375$/m, `  bind ${gateway}:${proxyPort}`)
      .replace(/^ {2}server dockerd \/var\/run\/docker\.sock$/m, `  server dockerd ${daemon.socketPath}`);
    writeFileSync(join(dir, 'haproxy.cfg'), config);
    let proxyLog = '';
    const proxy: ChildProcess = spawn(tool.cmd, ['-db', '-f', join(dir, 'haproxy.cfg')], {
      env: tool.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proxy.stdout!.on('data', (d) => (proxyLog += d));
    proxy.stderr!.on('data', (d) => (proxyLog += d));
    t.after(() => proxy.kill('SIGTERM'));
    const name = 'dockersec-dockersec-exporter-1';
    const composePort = await getFreePort();
    const volumes = svc.volumes.map((v) =>
      v.startsWith('./web-config.yml:')
        ? `${join(dir, 'web-config.yml')}:${v.split(':').slice(1).join(':')}`
        : v,
    );
    const command = svc.command.map((a) =>
      a
        .replace('tcp://docker-api-proxy:2375', `tcp://${gateway}:${proxyPort}`)
        .replace('--host.docker-socket=/var/run/docker.sock', `--host.docker-socket=${daemon.socketPath}`),
    );
    const args = [
      'run',
      '-d',
      '--name',
      name,
      '--label',
      'com.docker.compose.project=dockersec',
      '--label',
      'com.docker.compose.service=dockersec-exporter',
      '--user',
      svc.user,
      ...(svc.read_only ? ['--read-only'] : []),
      ...svc.cap_drop.flatMap((c) => ['--cap-drop', c]),
      ...svc.security_opt.flatMap((o) => ['--security-opt', o]),
      '--restart',
      svc.restart,
      '--cpu-shares',
      String(svc.cpu_shares),
      '--memory',
      svc.mem_limit,
      '--pids-limit',
      String(svc.pids_limit),
      '--pid',
      svc.pid,
      '--network',
      'dockersec',
      ...volumes.flatMap((v) => ['-v', v]),
      '-p',
      `127.0.0.1:${composePort}:9612`,
      '--health-cmd',
      svc.healthcheck.test.slice(1).join(' '),
      '--health-interval',
      '2s',
      TAG,
      ...command,
    ];
    assert.equal(svc.pid, 'host');
    assert.ok(!volumes.some((v) => v.includes('docker.sock')), 'no socket mount in the exporter service');
    const run = await daemon.docker(args);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    const m = await waitFor(
      'the compose exporter to evaluate through the proxy',
      async () => {
        const r = await get(`http://127.0.0.1:${composePort}/metrics`, `${USER}:${PASSWORD}`);
        if (r.status !== 200) return false;
        const metrics = parseMetrics(r.body);
        return metrics.get('dockersec_source_up', { source: 'containers' }) === 1 ? metrics : false;
      },
      60_000,
      500,
    ).catch(async (e: Error) => {
      const logs = await daemon.docker(['logs', id]);
      throw new Error(`${e.message}\n${logs.stdout}${logs.stderr}\nproxy:\n${proxyLog}`);
    });
    assert.equal(m.get('dockersec_up'), 1);
    const promised = guideBlock('docker-run-sources').split(/\s+/).filter(Boolean);
    const down = promised.filter((s) => m.get('dockersec_source_up', { source: s }) !== 1);
    assert.deepEqual(
      down,
      [],
      m
        .all('dockersec_source_up')
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    assert.notEqual(m.status('config_drift'), 'error');
    assert.doesNotMatch(proxyLog, / 403 /, proxyLog);
    const r = await get(`http://127.0.0.1:${composePort}/report?format=json`, `${USER}:${PASSWORD}`);
    const report = JSON.parse(r.body) as {
      controls: { id: string; status: string; containers?: { id: string }[] }[];
    };
    const failing = report.controls
      .filter((c) => c.status === 'fail' && c.containers?.some((x) => id.startsWith(x.id.slice(0, 12))))
      .map((c) => c.id)
      .sort();
    assert.deepEqual(failing, [...waivedControls('waivers-compose', name)].sort());
  });

  test("the exporter's own container fails nothing but what the guide's waivers entry waives, and that is waived", async () => {
    const r = await get(`http://127.0.0.1:${port}/report?format=json`, `${USER}:${PASSWORD}`);
    const report = JSON.parse(r.body) as {
      controls: {
        id: string;
        status: string;
        containers?: { id: string }[];
        waivedContainers?: { id: string }[];
      }[];
    };
    const ours = (list?: { id: string }[]) =>
      list?.some((x) => containerId.startsWith(x.id.slice(0, 12))) ?? false;
    const failing = report.controls.filter((c) => ours(c.containers)).map((c) => `${c.id} (${c.status})`);
    assert.deepEqual(failing, [], 'controls the guide says the container passes');
    const waived = report.controls
      .filter((c) => ours(c.waivedContainers))
      .map((c) => c.id)
      .sort();
    assert.deepEqual(waived, [...waivedControls('waivers-docker-run')].sort());
  });
});
