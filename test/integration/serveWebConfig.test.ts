// The exporter reports --web.config.file reloads on /metrics: a broken edit keeps the old config and shows 0.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT, startTestExporter, type TestExporter, waitFor } from '../support/exporter.js';

let dir: string;
let exporter: TestExporter | undefined;

after(async () => {
  await exporter?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('dockersec_web_config_last_reload_successful follows a broken and a repaired web config', async () => {
  dir = await mkdtemp(join(tmpdir(), 'dockersec-serve-web-'));
  const file = join(dir, 'web.yml');
  await copyFile(join(ROOT, 'test', 'fixtures', 'web-config', 'headers.good.yml'), file);
  // No daemon needed: the Docker API being down does not concern the web layer.
  exporter = await startTestExporter([`--docker.host=unix://${dir}/none.sock`, `--web.config.file=${file}`]);
  const gauge = async () => (await exporter!.scrape()).get('dockersec_web_config_last_reload_successful');
  assert.equal(await gauge(), 1);
  await writeFile(file, 'http_server_config:\n  headers:\n    X-Powered-By: me\n');
  await waitFor('reload failure reported', async () => (await gauge()) === 0, 10_000);
  await copyFile(join(ROOT, 'test', 'fixtures', 'web-config', 'headers.good.yml'), file);
  await waitFor('reload success reported', async () => (await gauge()) === 1, 10_000);
});
