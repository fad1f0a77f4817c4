// The architecture rework (issue 9) must not change a verdict: `check --format json` of the code before it and
// of the code now, run side by side against the same sandboxed daemons, give the same report, times aside.
// The code before is taken from git (BEFORE below) and run from its sources; a checkout without that history
// skips the comparison and says why. Retire this test (or move BEFORE) when a report changes on purpose.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { ROOT, runCli } from '../support/exporter.js';

/** The last commit before the rework. */
const BEFORE = 'b28e8a6b03c5bc8bbf04a3f90d70e98bcbef3d76';

function beforeRevision(): string | null {
  try {
    execFileSync('git', ['-C', ROOT, 'cat-file', '-e', `${BEFORE}^{commit}`], { stdio: 'ignore' });
    return BEFORE;
  } catch (err) {
    // No git, or a shallow clone without that commit: nothing to compare with; the skip reason says so.
    return (err as Error) && null;
  }
}

const revision = beforeRevision();
const skip =
  dockerdUnavailableReason() ??
  (revision ? false : `commit ${BEFORE.slice(0, 7)} not in this checkout's history`);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Drops what differs from one run to the next: the report time, the order of controls, the pids of
 * dockerd processes that other tests run at the same moment, and the request a Docker API error names.
 */
function normalize(report: Json): Json {
  const { generatedAt: _time, controls, ...rest } = report as { [k: string]: Json };
  const byId = Object.fromEntries(
    (controls as { id: string }[])
      .map((c): [string, Json] => [c.id, c as unknown as Json])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const text = JSON.stringify({ ...rest, controls: byId })
    .replace(/\d+ dockerd process(es)?/g, 'N dockerd processes')
    .replace(/\(pids? [\d, ]+\)/g, '(pids)')
    // On purpose since (issue 16): a failed Docker API request names itself, "GET /_ping: connect ENOENT ...".
    .replace(/\b(?:GET|HEAD) \/[^\s:]*: /g, '')
    // Which dockerd processes other tests run at that moment differs between the two runs, so "none visible"
    // and "none holds the socket" are one answer here. "serves" became "holds or names the socket" (issue 11).
    .replace(
      /no dockerd process visible in \/proc \(exporter without the host PID namespace, or daemon down\)|none of the N dockerd processes \(pids\) (?:serves|holds or names the socket) [^\s)"\]]+/g,
      'no dockerd process for the target',
    );
  return JSON.parse(text) as Json;
}

/**
 * Controls added on purpose since BEFORE (issue 13: CIS 1.8.0's 2.7 devicemapper and 1.1.9 docker.sock); their
 * own tests judge them.
 */
const ADDED = ['audit_docker_sock', 'devicemapper_storage'];
/** Controls reworded on purpose: storage_driver judges aufs only since devicemapper has its own control. */
const REWORDED = ['storage_driver'];

/** The report without the added controls, its summary counted without them. */
function withoutAdded(report: Json): Json {
  const r = report as { controls: { id: string; status: string }[]; summary: Record<string, number> };
  const added = r.controls.filter((c) => ADDED.includes(c.id));
  assert.deepEqual(added.map((c) => c.id).sort(), [...ADDED].sort(), 'every added control is reported');
  const summary = { ...r.summary };
  for (const c of added) summary[c.status] = (summary[c.status] ?? 0) - 1;
  return { ...r, summary, controls: r.controls.filter((c) => !ADDED.includes(c.id)) } as unknown as Json;
}

/** The report with the reworded controls' texts left out: their verdicts and observations are still compared. */
function withoutRewording(report: Json): Json {
  const r = report as { controls: Record<string, unknown>[] };
  const controls = r.controls.map((c) => {
    if (!REWORDED.includes(c.id as string)) return c;
    const { title: _t, remediation: _r, reason: _why, expected: _e, ...kept } = c;
    return kept;
  });
  return { ...r, controls } as unknown as Json;
}

describe('check reports the same verdicts as before the rework', { skip, timeout: 300_000 }, () => {
  let oldTree: string;
  let work: string;
  const daemons: SandboxDaemon[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'dockersec-same-'));
    oldTree = join(work, 'before');
    await mkdir(oldTree);
    execFileSync('sh', [
      '-c',
      `git -C "${ROOT}" archive ${revision} src package.json package-lock.json | tar -x -C "${oldTree}"`,
    ]);
    // The code before runs on its own runtime dependencies, from its own lockfile: it imports packages the code
    // now has dropped (Express, issue 12), and sharing today's node_modules would compare against versions it
    // never ran with. tsx itself comes from today's tree (the runner's working directory).
    execFileSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      { cwd: oldTree, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 },
    );
  });
  after(async () => {
    for (const d of daemons) await d.destroy();
    await rm(work, { recursive: true, force: true });
  });

  async function both(args: string[]): Promise<{ now: Json; earlier: Json; codes: [number, number] }> {
    const full = ['check', '--format', 'json', '--fail-on', 'none', ...args];
    const [now, then] = await Promise.all([
      // The code before knew CIS 1.6.0's ids only; 1.8.0 is the default since issue 13.
      runCli([...full, '--cis.version', '1.6.0']),
      runCli(full, { command: [process.execPath, '--import', 'tsx', join(oldTree, 'src', 'cli.ts')] }),
    ]);
    const parse = (out: { stdout: string; stderr: string }, which: string): Json => {
      try {
        return JSON.parse(out.stdout) as Json;
      } catch (err) {
        throw new Error(`${which}: no JSON (${(err as Error).message}):\n${out.stdout}\n${out.stderr}`);
      }
    };
    return { now: parse(now, 'now'), earlier: parse(then, 'before'), codes: [now.code, then.code] };
  }

  async function same(args: string[]): Promise<void> {
    const { now, earlier, codes } = await both(args);
    assert.equal(codes[0], codes[1], 'exit code');
    assert.deepEqual(normalize(withoutRewording(withoutAdded(now))), normalize(withoutRewording(earlier)));
  }

  test('a daemon with insecure settings and containers', async () => {
    const d = await startDaemon({
      config: {
        'log-level': 'debug',
        'insecure-registries': ['registry.example:5000'],
        'userland-proxy': true,
        'log-opts': { 'max-size': '10m' },
        'authorization-plugin': ['authz'],
        experimental: true,
      },
    });
    daemons.push(d);
    await d.importBusybox();
    await d.docker([
      'create',
      '--name',
      'priv',
      '--privileged',
      '-v',
      `${d.socketPath}:/var/run/docker.sock`,
      'busybox',
    ]);
    await d.docker([
      'run',
      '-d',
      '--name',
      'plain',
      '--pids-limit',
      '64',
      '-m',
      '64m',
      'busybox',
      'sleep',
      '600',
    ]);
    await d.docker([
      'create',
      '--name',
      'hostns',
      '--pid',
      'host',
      '--ipc',
      'host',
      '--uts',
      'host',
      'busybox',
    ]);
    await same([`--docker.host=${d.host}`]);
    await d.destroy();
  });

  test('a hardened daemon', async () => {
    const d = await startDaemon({
      config: {
        'live-restore': true,
        'userland-proxy': false,
        'no-new-privileges': true,
        'log-driver': 'syslog',
        'default-ulimits': { nofile: { Name: 'nofile', Hard: 64000, Soft: 64000 } },
      },
    });
    daemons.push(d);
    await same([`--docker.host=${d.host}`]);
    await d.destroy();
  });

  test('no daemon: a broken daemon.json, a valid one, and one dockerd would refuse', async () => {
    const files: Record<string, string> = {
      broken: '{"icc": false,',
      valid: JSON.stringify({ icc: false, 'live-restore': true, tls: true, hosts: ['tcp://0.0.0.0:2376'] }),
      refused: JSON.stringify({ icc: 'no', 'storage-driver': 'aufs', 'log-opts': { 'max-size': 10 } }),
    };
    for (const [name, text] of Object.entries(files)) {
      const path = join(work, `${name}.json`);
      await writeFile(path, text);
      await same([`--docker.host=unix://${work}/none.sock`, `--docker.config-file=${path}`]);
    }
  });
});
