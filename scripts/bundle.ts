// The alerting bundle for an operator's own targets (issue 14, the mixin idea): the rules and the
// dashboard generated for a target selector and a runbook base URL, without editing TypeScript.
//
//   npm run bundle:for -- --selector='job="docker-audit", env="prod"' \
//     --runbook-url=https://wiki.example.com/dockersec/runbooks --out=build/dockersec
//
// writes build/dockersec/dockersec.rules.yml and build/dockersec/dockersec-overview.json. Both flags
// are optional (the shipped `job="dockersec"` and GitHub runbooks); the files checked in under alerts/
// and grafana/ are the ones for the defaults (`npm run bundle`), and tests hold them to it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRuleFile } from '../alerts/src/bundle.js';
import { type BundleConfig, defaultConfig } from '../alerts/src/config.js';
import { parseMatchers } from '../alerts/src/promql.js';
import { shippedOptions } from '../grafana/build.js';
import { renderDashboard } from '../grafana/src/dashboard.js';

export const USAGE =
  'usage: npm run bundle:for -- [--selector=MATCHERS] [--runbook-url=URL] --out=DIR\n' +
  '  --selector     label matchers selecting the exporters\' targets, as inside {} (default: job="dockersec")\n' +
  '  --runbook-url  where docs/runbooks/ is published; runbook_url is <URL>/<page>.md (default: the GitHub copy)\n' +
  '  --out          directory to write dockersec.rules.yml and dockersec-overview.json into';

/** Whether a matcher also selects series that lack its label (Prometheus reads absent as ""). */
function matchesEmpty(m: { op: string; value: string }): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test('');
    default:
      return !new RegExp(`^(?:${m.value})$`).test('');
  }
}

export interface BundleArgs {
  readonly config: BundleConfig;
  readonly out: string;
}

/** Reads the flags; throws with a message for the user on anything it cannot use. */
export function parseBundleArgs(args: readonly string[]): BundleArgs {
  const values = new Map<string, string>();
  for (const arg of args) {
    const m = /^--(selector|runbook-url|out)=(.*)$/s.exec(arg);
    if (!m) throw new Error(`unknown argument ${JSON.stringify(arg)}`);
    if (values.has(m[1]!)) throw new Error(`--${m[1]} given twice`);
    values.set(m[1]!, m[2]!);
  }
  const out = values.get('out');
  if (!out) throw new Error('--out is required: the files for the default selector are checked in already');
  const selector = values.get('selector') ?? defaultConfig.selector;
  let parsed: ReturnType<typeof parseMatchers>;
  try {
    parsed = parseMatchers(selector);
  } catch {
    throw new Error(
      `--selector ${JSON.stringify(selector)} is not a list of label matchers like job="dockersec"`,
    );
  }
  if (parsed.length === 0) throw new Error('--selector is empty: select the exporters, e.g. job="dockersec"');
  // Without a matcher that needs a value, the rules would read every exporter-like series of every job.
  if (parsed.every(matchesEmpty)) {
    throw new Error(
      `--selector ${JSON.stringify(selector)} needs a matcher that requires a value, e.g. job="dockersec"`,
    );
  }
  const runbookBaseUrl = values.get('runbook-url') ?? defaultConfig.runbookBaseUrl;
  if (!/^https?:\/\/[^\s]+$/.test(runbookBaseUrl)) {
    throw new Error(`--runbook-url ${JSON.stringify(runbookBaseUrl)} is not an http(s) URL`);
  }
  return { config: { ...defaultConfig, selector, runbookBaseUrl }, out };
}

export const RULES_NAME = 'dockersec.rules.yml';
export const DASHBOARD_NAME = 'dockersec-overview.json';

/** Writes the bundle for `config` into `out`; returns the paths written. */
export function writeBundle({ config, out }: BundleArgs): string[] {
  mkdirSync(out, { recursive: true });
  const rules = join(out, RULES_NAME);
  const dashboard = join(out, DASHBOARD_NAME);
  writeFileSync(rules, renderRuleFile(config));
  writeFileSync(
    dashboard,
    renderDashboard({ ...shippedOptions, selector: config.selector, runbookBaseUrl: config.runbookBaseUrl }),
  );
  return [rules, dashboard];
}

function main(args: readonly string[]): number {
  let parsed: BundleArgs;
  try {
    parsed = parseBundleArgs(args);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  for (const path of writeBundle(parsed)) console.log(`wrote ${path}`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
