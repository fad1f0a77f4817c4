import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse } from 'yaml';
import { REPO, RULE_FILE, run } from './support/paths.js';

const DOC = join(REPO, 'docs', 'deployment.md');
const text = readFileSync(DOC, 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'dockersec-deploy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The YAML blocks the page marks with `<!-- test: KIND -->` on the line before. */
function blocks(kind: string): string[] {
  const re = new RegExp(`<!-- test: ${kind} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\\n\`\`\``, 'g');
  return [...text.matchAll(re)].map((m) => m[1]!);
}

describe('docs/deployment.md', () => {
  test('every prometheus.yml example passes `promtool check config` with the shipped rules', () => {
    const examples = blocks('prometheus-config');
    assert.ok(examples.length >= 3, 'one host, file_sd and docker_sd examples');
    assert.ok(examples.some((e) => e.includes('file_sd_configs')));
    assert.ok(examples.some((e) => e.includes('docker_sd_configs')));
    for (const [i, example] of examples.entries()) {
      const dir = join(scratch, `example-${i}`);
      mkdirSync(join(dir, 'rules'), { recursive: true });
      copyFileSync(RULE_FILE, join(dir, 'rules', 'dockersec.rules.yml'));
      // Credentials and certificates the example names live in /etc/prometheus; promtool wants them
      // to exist, so stand-ins go in the scratch directory.
      const config = example.replaceAll('/etc/prometheus/', `${dir}/`);
      for (const m of config.matchAll(new RegExp(`${dir}/[\\w.-]+`, 'g'))) writeFileSync(m[0], 'stand-in\n');
      writeFileSync(join(dir, 'prometheus.yml'), config);
      const r = run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]);
      assert.equal(r.status, 0, `example ${i}:\n${config}\n${r.output}`);
      assert.match(r.output, /SUCCESS: 1 rule files found/, r.output);
      assert.match(config, /job_name: dockersec\n/, 'the rules select job="dockersec"');
    }
  });

  test('the file_sd example is a valid target file', () => {
    const [example] = blocks('file-sd');
    const groups = parse(example!) as { targets: unknown; labels?: Record<string, unknown> }[];
    assert.ok(Array.isArray(groups) && groups.length > 0);
    for (const g of groups) {
      assert.ok(
        Array.isArray(g.targets) && g.targets.every((t) => typeof t === 'string' && /^[\w.-]+:\d+$/.test(t)),
      );
      for (const v of Object.values(g.labels ?? {})) assert.equal(typeof v, 'string');
    }
  });

  test('names only files that exist in the repository', () => {
    for (const m of text.matchAll(/`((?:alerts|grafana|examples|docs)\/[\w./-]+\.(?:yml|json|md|ts))`/g)) {
      assert.doesNotThrow(() => readFileSync(join(REPO, m[1]!)), `${m[1]} does not exist`);
    }
  });
});

describe('the waivers entries of the deployment recipes', () => {
  test("each is a valid waivers file for the exporter's own parser, scoped to containers", async () => {
    const { CATALOG } = await import('../../src/controls/catalog.js');
    const { parseWaivers } = await import('../../src/policy/parseWaivers.js');
    const names = [...text.matchAll(/<!-- test: (waivers-[\w-]+) -->/g)].map((m) => m[1]!);
    assert.deepEqual(names.sort(), ['waivers-compose', 'waivers-docker-run', 'waivers-kubernetes']);
    for (const name of names) {
      const m = new RegExp(`<!-- test: ${name} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\\n\`\`\``).exec(text);
      // Read as of the day the examples were written (their expiry is a fixed date), with the default 1 y limit.
      const policy = parseWaivers(m![1]!, {
        file: name,
        controls: CATALOG,
        now: Date.parse('2026-12-01T00:00:00Z'),
        maxDurationMs: 365 * 86_400_000,
      });
      assert.ok(policy.waivers.length > 0, name);
      for (const w of policy.waivers) assert.ok(w.containers, `${name}: scoped to containers`);
    }
  });
});
