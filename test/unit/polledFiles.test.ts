import assert from 'node:assert/strict';
import { test } from 'node:test';
import { polledFiles } from '../../src/evaluation/polledFiles.js';
import { makeFacts } from '../support/facts.js';

test('the metadata poll covers every file a source stat-ed, not only the socket and daemon.json', () => {
  const paths = polledFiles(makeFacts({ config: {} })).map((f) => f.path);
  for (const p of [
    '/var/run/docker.sock',
    '/etc/docker/daemon.json',
    '/etc/docker',
    '/lib/systemd/system/docker.service',
  ]) {
    assert.ok(paths.includes(p), `${p} is polled`);
  }
  assert.equal(new Set(paths).size, paths.length, 'no path twice');
});
