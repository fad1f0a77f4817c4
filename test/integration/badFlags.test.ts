// Every bad flag value ends the run with one line naming the flag (or file) and exit 2: no stack trace.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../support/exporter.js';

describe('bad flag values', { timeout: 180_000 }, () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockersec-badflags-'));
    await writeFile(join(dir, 'web.yml'), 'tls_server_config:\n  cert_file: /nonexistent.crt\n');
    busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    busyPort = (busy.address() as { port: number }).port;
  });
  after(async () => {
    busy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // Nothing here reaches a daemon: the Docker host is a socket that does not exist.
  const noDocker = '--docker.host=unix:///nonexistent/docker.sock';
  const cases: [string, () => string[], RegExp][] = [
    [
      '--web.listen-address out of range',
      () => ['--web.listen-address=:99999'],
      /--web\.listen-address=:99999: invalid port/,
    ],
    [
      '--web.listen-address without a port',
      () => ['--web.listen-address=localhost'],
      /--web\.listen-address=localhost: missing port/,
    ],
    [
      '--web.listen-address already in use',
      () => [noDocker, `--web.listen-address=127.0.0.1:${busyPort}`],
      /--web\.listen-address 127\.0\.0\.1:\d+: address already in use/,
    ],
    ['--docker.host with an unknown scheme', () => ['--docker.host=ftp://x'], /--docker\.host/],
    [
      '--docker.timeout not a duration',
      () => ['--docker.timeout=soon'],
      /--docker\.timeout=soon: invalid duration/,
    ],
    ['--log.level unknown', () => ['--log.level=loud'], /--log\.level must be one of/],
    [
      '--web.max-connections zero',
      () => ['--web.max-connections=0'],
      /--web\.max-connections must be at least 1/,
    ],
    [
      '--web.config.file missing',
      () => [noDocker, '--web.listen-address=127.0.0.1:0', `--web.config.file=${join(dir, 'missing.yml')}`],
      /--web\.config\.file .*missing\.yml: .*ENOENT/,
    ],
    [
      '--web.config.file naming a missing certificate',
      () => [noDocker, '--web.listen-address=127.0.0.1:0', `--web.config.file=${join(dir, 'web.yml')}`],
      /--web\.config\.file .*web\.yml/,
    ],
    [
      'check --output in a directory that does not exist',
      () => ['check', noDocker, '--output=/nonexistent/dir/report.txt'],
      /--output \/nonexistent\/dir\/report\.txt: cannot write the report \(no such directory/,
    ],
    [
      'check --output naming a directory',
      () => ['check', noDocker, `--output=${dir}`],
      /--output .*: cannot write the report \(is a directory/,
    ],
    ['check --format unknown', () => ['check', '--format=xml'], /--format must be one of/],
    ['unknown flag', () => ['--web.listen=:1'], /unknown flag --web\.listen/],
  ];
  for (const [name, args, message] of cases) {
    test(name, async () => {
      const r = await runCli(args(), { timeoutMs: 60_000 });
      assert.equal(r.code, 2, `exit ${r.code}\n${r.stderr}`);
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    });
  }
});
