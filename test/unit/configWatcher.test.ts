// The daemon.json watcher: a directory that appears on the way to the file moves the watch and is reported once;
// a watch on / (the nearest existing ancestor of a file under a missing top-level directory) reports nothing
// while nothing changes, though chokidar 4 sees phantom removals and additions of every entry of /.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigWatcher } from '../../src/sources/configWatcher.js';
import { waitFor } from '../support/wait.js';

const watchers: ConfigWatcher[] = [];
after(async () => {
  for (const w of watchers) await w.close();
});

test('a file under a missing top-level directory: watching / reports no change while nothing changes', async () => {
  const changes: string[] = [];
  const w = new ConfigWatcher(`/nonexistent-dockersec-${process.pid}/daemon.json`, (r) => changes.push(r));
  watchers.push(w);
  await w.target();
  assert.equal(w.watching, '/');
  await sleep(500);
  assert.deepEqual(changes, []);
});

test('the missing directory appears, then the file: the watch moves and both are reported', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dockersec-watch-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const file = join(root, 'docker', 'daemon.json');
  const changes: string[] = [];
  const w = new ConfigWatcher(file, (r) => changes.push(r));
  watchers.push(w);
  await w.target();
  assert.equal(w.watching, root);
  mkdirSync(join(root, 'docker'));
  await waitFor('watch moved', () => w.watching === join(root, 'docker'), 10_000);
  await waitFor('directory reported', () => changes.length === 1, 10_000);
  writeFileSync(file, '{}');
  await waitFor('file reported', () => changes.some((c) => c === `add ${file}`), 10_000);
});
