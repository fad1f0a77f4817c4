// The landing page as a person sees it: rendered by a real headless Chromium against a running exporter.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { startTestExporter, type TestExporter } from '../support/exporter.js';

const exec = promisify(execFile);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const skip =
  dockerdUnavailableReason() ?? (CHROMIUM ? false : 'chromium not installed (apt-get install chromium)');

async function chromium(profile: string, args: string[]): Promise<string> {
  const { stdout } = await exec(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

describe('landing page in a real browser', { skip, timeout: 180_000 }, () => {
  let daemon: SandboxDaemon;
  let exporter: TestExporter;
  let work: string;
  // A hostile path: it appears in verdict reasons and must be shown as text, never run as markup.
  const hostile = '/tmp/dockersec-<img src=x onerror=document.title=1>/daemon.json';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'dockersec-browser-'));
    daemon = await startDaemon({ config: {} });
    exporter = await startTestExporter([`--docker.host=${daemon.host}`, `--docker.config-file=${hostile}`]);
  });
  after(async () => {
    await exporter?.close();
    await daemon?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  test('shows name, version, a metrics link and every verdict, with hostile text escaped', async () => {
    const dom = await chromium(join(work, 'profile-dom'), ['--dump-dom', `${exporter.url}/`]);
    assert.match(dom, /<h1>dockersec-exporter<\/h1>/);
    assert.match(dom, /version \d+\.\d+\.\d+/);
    assert.match(dom, /<a href="\/metrics">Metrics<\/a>/);
    for (const id of exporter.exporter.monitor.latest!.results.map((r) => r.id)) {
      assert.ok(dom.includes(`<code>${id}</code>`), `verdict row for ${id}`);
    }
    assert.match(dom, /reachable, version 20\./);
    assert.ok(!dom.includes('<img src="x"'), 'the hostile path did not become an element');
    assert.ok(
      dom.includes('&lt;img src=x onerror=document.title=1&gt;'),
      'the hostile path is shown as text',
    );
  });

  test('renders to a screenshot a person can read', async () => {
    const png = join(work, 'landing.png');
    await chromium(join(work, 'profile-shot'), [
      '--window-size=1280,1600',
      `--screenshot=${png}`,
      `${exporter.url}/`,
    ]);
    const image = await readFile(png);
    assert.equal(image.subarray(1, 4).toString(), 'PNG');
    // A blank page compresses to a few KB; a rendered table of verdicts is far larger.
    assert.ok(image.length > 40_000, `screenshot is ${image.length} bytes`);
    if (process.env.DOCKERSEC_SCREENSHOT_DIR) {
      await exec('cp', [png, join(process.env.DOCKERSEC_SCREENSHOT_DIR, 'landing.png')]);
    }
  });
});
