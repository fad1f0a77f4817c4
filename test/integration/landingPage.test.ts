// The landing page as a person sees it: rendered by a real headless Chromium against a running exporter, at a
// phone's 420 px and a desktop's 1280 px; the screenshots are kept in test-artifacts/ (or $DOCKERSEC_SCREENSHOT_DIR).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { dockerdUnavailableReason, type SandboxDaemon, startDaemon } from '../support/dockerd.js';
import { ROOT, startTestExporter, type TestExporter } from '../support/exporter.js';

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

  test('shows name, real version and revision, relative links and every verdict, with hostile text escaped', async () => {
    const dom = await chromium(join(work, 'profile-dom'), ['--dump-dom', `${exporter.url}/`]);
    assert.match(dom, /<h1>dockersec-exporter<\/h1>/);
    assert.match(dom, /version \d+\.\d+\.\d+ \(revision [0-9a-f]{12}\)/, 'the revision of this checkout');
    // Relative, so the page works behind a path prefix: the metrics link too.
    assert.match(dom, /<a href="\.\/metrics">Metrics<\/a>/);
    assert.doesNotMatch(dom, /href="\//, 'no absolute link');
    // No external assets: no images, scripts, style sheets or frames; the only absolute URLs are runbook links.
    assert.doesNotMatch(dom, /<(img|script|link|iframe)\b/);
    for (const m of dom.matchAll(/(?:href|src)="(https?:[^"]*)"/g))
      assert.match(m[1]!, /\/docs\/runbooks\/\w+\.md$/);
    for (const id of exporter.exporter.monitor.latest!.results.map((r) => r.id)) {
      assert.ok(dom.includes(`<code>${id}</code>`), `verdict for ${id}`);
    }
    assert.match(dom, /reachable, version 20\./);
    assert.ok(!dom.includes('<img src="x"'), 'the hostile path did not become an element');
    assert.ok(
      dom.includes('&lt;img src=x onerror=document.title=1&gt;'),
      'the hostile path is shown as text',
    );
  });

  test('failing first with reason, fix and runbook; waived and passing collapsed below; counts by severity', async () => {
    const dom = await chromium(join(work, 'profile-order'), ['--dump-dom', `${exporter.url}/`]);
    const latest = exporter.exporter.monitor.latest!;
    const failing = latest.results.filter((r) => r.status === 'fail');
    assert.ok(failing.length > 0);
    assert.match(dom, new RegExp(`<h2>Failing \\(${failing.length}\\)</h2>`));
    const firstDetails = dom.indexOf('<details>');
    assert.ok(firstDetails > dom.indexOf('<h2>Failing'));
    for (const r of failing) {
      const at = dom.indexOf(
        `<article class="finding"><h3><span class="badge sev-${r.severity}">${r.severity}</span> <code>${r.id}</code>`,
      );
      assert.ok(at > 0 && at < firstDetails, `${r.id} is a finding above the collapsed lists`);
    }
    // Most severe first.
    const order = failing.map((r) => dom.indexOf(`<code>${r.id}</code>`));
    const severities = ['critical', 'high', 'medium', 'low', 'info'];
    const sorted = [...failing].sort((a, b) => order[failing.indexOf(a)]! - order[failing.indexOf(b)]!);
    for (let i = 1; i < sorted.length; i++)
      assert.ok(severities.indexOf(sorted[i - 1]!.severity) <= severities.indexOf(sorted[i]!.severity));
    assert.match(dom, /<b>Fix:<\/b> [^<]+ <a href="https:\/\/[^"]+\/docs\/runbooks\/\w+\.md">runbook<\/a>/);
    assert.match(dom, /<details><summary>Passing \(\d+\)<\/summary>/);
    assert.match(dom, /<table class="bysev"><thead><tr><th>severity<\/th><th>failing<\/th>/);
  });

  for (const [width, height] of [
    [420, 2400],
    [1280, 1600],
  ] as const) {
    test(`at ${width} px nothing runs off the side; the screenshot is kept`, async () => {
      // The page itself runs no script (its CSP forbids it): a copy with one measures the layout, every
      // collapsed list opened.
      const html = (await (await fetch(`${exporter.url}/`)).text())
        .replaceAll('<details>', '<details open>')
        .replace(
          '</body>',
          '<script>addEventListener("load",()=>{document.body.dataset.overflow=String(document.documentElement.scrollWidth>innerWidth)+" "+document.documentElement.scrollWidth})</script></body>',
        );
      const copy = join(work, `measure-${width}.html`);
      await writeFile(copy, html);
      const measured = await chromium(join(work, `profile-measure-${width}`), [
        `--window-size=${width},${height}`,
        '--dump-dom',
        `file://${copy}`,
      ]);
      assert.match(measured, /data-overflow="false \d+"/, `the page is wider than ${width} px`);

      const png = join(work, `landing-${width}.png`);
      await chromium(join(work, `profile-shot-${width}`), [
        `--window-size=${width},${height}`,
        `--screenshot=${png}`,
        `${exporter.url}/`,
      ]);
      const image = await readFile(png);
      assert.equal(image.subarray(1, 4).toString(), 'PNG');
      // A blank page compresses to a few KB; rendered verdicts are far larger.
      assert.ok(image.length > 30_000, `screenshot is ${image.length} bytes`);
      const keep = process.env.DOCKERSEC_SCREENSHOT_DIR ?? join(ROOT, 'test-artifacts');
      await mkdir(keep, { recursive: true });
      await copyFile(png, join(keep, `landing-${width}.png`));
    });
  }
});
