// What an operator reads in the log of a real `serve` against a sandboxed dockerd: one line at start, one line per
// verdict change, and a daemon restart as a warning and a recovery line with counts, never a line per control.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { cliCommand, ROOT } from '../support/exporter.js';
import { sleep, waitFor } from '../support/wait.js';

const skip = dockerdUnavailableReason() ?? false;

interface Line {
  level: string;
  msg: string;
  [k: string]: unknown;
}

describe('serve logs, read by an operator', { skip, timeout: 240_000 }, () => {
  let daemon: SandboxDaemon;
  let serve: ChildProcess;
  const lines: Line[] = [];
  const since = (mark: number) => lines.slice(mark);
  const atInfo = (ls: Line[]) => ls.filter((l) => l.level !== 'debug');

  before(async () => {
    daemon = await startDaemon({ config: {} });
    const [cmd, ...pre] = cliCommand();
    serve = spawn(
      cmd!,
      [
        ...pre,
        `--docker.host=${daemon.host}`,
        `--docker.config-file=${daemon.configPath}`,
        '--web.listen-address=127.0.0.1:0',
        '--log.format=json',
        '--files.poll-interval=200ms',
      ],
      { cwd: ROOT, env: { ...process.env, DOCKER_HOST: '' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let buffered = '';
    serve.stderr!.on('data', (d: Buffer) => {
      buffered += d;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const p of parts) if (p) lines.push(JSON.parse(p) as Line);
    });
    await waitFor('start line', () => lines.some((l) => l.msg === 'started'), 60_000);
  });
  after(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
    await daemon?.destroy();
  });

  test('start: exactly one line at info, with version, listen address and the sources found', async () => {
    await sleep(500);
    const start = atInfo(lines);
    const info = start.filter((l) => l.level === 'info');
    assert.equal(info.length, 1, JSON.stringify(info));
    const s = info[0]!;
    assert.equal(s.msg, 'started');
    assert.match(String(s.version), /^\d+\.\d+\.\d+/);
    assert.match(String(s.listen), /^127\.0\.0\.1:\d+$/);
    assert.equal(s.daemon_json, daemon.configPath);
    assert.match(String(s.sources_up), /docker_api/);
    assert.match(String(s.docker), /^\d+\./);
    // Warnings at start are one per problem (a source this sandbox cannot offer), never per control.
    assert.ok(start.length <= 2, JSON.stringify(start));
    assert.ok(!lines.some((l) => l.msg === 'control verdict'), 'no verdict dump below debug');
  });

  test('a verdict change is one info line: control, from, to', async () => {
    const mark = lines.length;
    await daemon.writeConfig({ 'userland-proxy': false });
    await waitFor('verdict change', () => since(mark).some((l) => l.msg === 'verdict changed'), 10_000);
    await sleep(3_000);
    const logged = atInfo(since(mark)).map((l) => [l.level, l.msg, l.control, l.from, l.to].join(' '));
    // daemon.json now differs from what the daemon runs (no reload): config_drift fails too, and says so once.
    assert.deepEqual(
      logged.sort(),
      ['info verdict changed config_drift pass fail', 'info verdict changed userland_proxy fail pass'],
      JSON.stringify(logged),
    );
  });

  test('a Docker restart: a warning when lost, an info line when back, with counts; no line per control', async () => {
    const mark = lines.length;
    await daemon.restart();
    await waitFor(
      'recovery lines',
      () => {
        const ls = since(mark);
        const has = (msg: string) => ls.some((l) => l.msg === msg);
        return (
          has('Docker events stream back') &&
          (!has('Docker API unreachable') || has('Docker API reachable again'))
        );
      },
      30_000,
    );
    await sleep(3_000);
    const logged = atInfo(since(mark));
    if (process.env.DOCKERSEC_TEST_VERBOSE) console.log(JSON.stringify(logged, null, 1));
    const warn = logged.filter((l) => l.level === 'warn');
    // The restart applied the daemon.json edited above: config_drift passing again is news, counted apart.
    const info = logged.filter((l) => l.level === 'info' && l.control !== 'config_drift');
    assert.ok(warn.length >= 1 && warn.length <= 2, JSON.stringify(logged));
    assert.ok(warn.some((l) => l.msg === 'Docker events stream lost'));
    assert.ok(info.length >= 1 && info.length <= 3, JSON.stringify(logged));
    assert.ok(info.some((l) => l.msg === 'Docker events stream back'));
    const lost = warn.find((l) => l.msg === 'Docker API unreachable');
    if (lost) {
      // The evaluation saw the daemon gone: the matching recovery line carries the counts.
      assert.equal(typeof lost.controls_undecided, 'number');
      const back = info.find((l) => l.msg === 'Docker API reachable again');
      assert.ok(back, JSON.stringify(logged));
      assert.ok(Number(back.controls_decided_again) > 0);
      assert.equal(typeof back.down_seconds, 'number');
    }
    // The restart applied the daemon.json edited above, so config_drift may pass again; nothing else changed.
    assert.deepEqual(
      logged.filter((l) => l.msg === 'verdict changed' && l.control !== 'config_drift'),
      [],
    );
  });
});
