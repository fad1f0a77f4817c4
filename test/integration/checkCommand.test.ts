// The `check` command as CI runs it: exit codes, formats, and a dead daemon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { checkJson, cliCommand, runCli } from '../support/exporter.js';

const skip = dockerdUnavailableReason() ?? false;

describe('check', { skip, timeout: 180_000 }, () => {
  let daemon: SandboxDaemon;
  let work: string;
  before(async () => {
    daemon = await startDaemon({ config: { 'userland-proxy': false } });
    work = await mkdtemp(join(tmpdir(), 'dockersec-check-'));
  });
  after(async () => {
    await daemon?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  test('exit 1 when a control at or above --fail-on fails, 0 otherwise', async () => {
    const host = `--docker.host=${daemon.host}`;
    assert.equal((await runCli(['check', host, '--fail-on', 'low'])).code, 1);
    // The sandbox's worst failures are medium (no user namespaces, no no-new-privileges, iptables off).
    assert.equal((await runCli(['check', host, '--fail-on', 'high'])).code, 0);
    assert.equal((await runCli(['check', host, '--fail-on', 'none'])).code, 0);
  });

  test('exit 2 on a usage error, with a message', async () => {
    const r = await runCli(['check', '--format', 'yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format must be one of text, table, json, sarif/);
    assert.equal((await runCli(['check', '--docker.host=ssh://me@h'])).code, 2);
  });

  test('sarif and text formats, and --output', async () => {
    const out = join(work, 'report.sarif');
    const r = await runCli([
      'check',
      `--docker.host=${daemon.host}`,
      '--format',
      'sarif',
      '--output',
      out,
      '--fail-on',
      'none',
    ]);
    assert.equal(r.code, 0);
    const { readFile } = await import('node:fs/promises');
    const sarif = JSON.parse(await readFile(out, 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    assert.ok(sarif.runs[0].results.some((x: { ruleId: string }) => x.ruleId === 'rootless'));
    const text = await runCli(['check', `--docker.host=${daemon.host}`, '--fail-on', 'none']);
    // Passing controls are collapsed to a list of ids after the failing ones.
    assert.match(text.stdout, /\nPassing: \d+ [\s\S]*\buserland_proxy\b/);
    const table = await runCli([
      'check',
      `--docker.host=${daemon.host}`,
      '--fail-on',
      'none',
      '--format',
      'table',
    ]);
    assert.match(table.stdout, /^PASS +\w+ +2\.17 +userland_proxy /m);
    assert.ok(!text.stdout.includes('\x1b['), 'no colour when stdout is not a terminal');
  });

  test('a reader that closes stdout early (check | head): exit 2 and one line, not 0 and a stack trace', async () => {
    const [cmd, ...pre] = cliCommand();
    const child = spawn(
      cmd!,
      [...pre, 'check', `--docker.host=${daemon.host}`, '--format', 'sarif', '--fail-on', 'none'],
      { env: { ...process.env, DOCKER_HOST: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Gone before the report is ready: every write to the pipe fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 2, stderr);
    assert.match(stderr, /could not write the report to standard output \(EPIPE\); no report/);
    assert.doesNotMatch(stderr, /Unhandled|^\s+at /m);
  });

  test('a dead daemon: API controls error, daemon.json still judged, and the exit code follows the failures', async () => {
    const cfg = join(work, 'daemon.json');
    await writeFile(cfg, JSON.stringify({ 'authorization-plugin': ['authz'], 'userland-proxy': true }));
    const { code, report } = await checkJson([
      `--docker.host=unix://${work}/none.sock`,
      `--docker.config-file=${cfg}`,
    ]);
    assert.equal(report.docker.reachable, false);
    const status = (id: string) => report.controls.find((c) => c.id === id)!.status;
    assert.equal(status('seccomp'), 'error');
    assert.equal(status('userland_proxy'), 'fail');
    assert.equal(status('config_valid'), 'fail', 'the ignored singular key is a finding');
    assert.match(report.controls.find((c) => c.id === 'config_valid')!.reason, /authorization-plugin/);
    assert.equal(code, 1);
  });
});
