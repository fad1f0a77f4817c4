// config_valid against `dockerd --validate --config-file F` of a real release (issue 13): the same seeded
// corpus as the fuzz test (scripts/fuzz-daemon-json.ts), each file judged by the exporter's own read path
// (readDaemonConfig, bounded) and validator, and by the release's dockerd, with bounded parallelism.
//
// `--validate` runs dockerd's configuration loader (decode, unknown directives, flag/file conflicts, types,
// Validate()) and stops there: what dockerd refuses only while starting (verifyDaemonSettings, the network
// controller) is not part of it, except the TLS key pair check. Our findings of kind `startup_conflict` are
// therefore left out of the comparison, but for TLS; every other disagreement is a bug or an exception listed in VALIDATE_EXCEPTIONS.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzCase } from '../../scripts/fuzz-daemon-json.js';
import { validateDaemonConfig } from '../../src/dockerd/config/validateDaemonConfig.js';
import { readDaemonConfig } from '../../src/sources/daemonConfigFile.js';
import { HostPaths } from '../../src/sources/hostPaths.js';

export interface DockerdVerdict {
  readonly refused: boolean;
  readonly message: string;
}

export interface Disagreement {
  readonly index: number;
  readonly kind: string;
  readonly release: string;
  readonly dockerd: DockerdVerdict;
  readonly ours: { readonly refused: boolean; readonly messages: readonly string[] };
  readonly excerpt: string;
}

export interface DiffSummary {
  readonly release: string;
  readonly files: number;
  readonly compared: number;
  /** Files the exporter does not judge by design (over its read cap): counted, not compared. */
  readonly notJudged: number;
  readonly refusedByDockerd: number;
  readonly agreed: number;
  readonly excepted: Readonly<Record<string, number>>;
  readonly disagreements: readonly Disagreement[];
  readonly ms: number;
}

/** Run `dockerd --validate` with a clean environment; exit status is the verdict. */
export function dockerdValidate(dockerd: string, file: string, timeoutMs = 30_000): Promise<DockerdVerdict> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
    const child = spawn(dockerd, ['--validate', '--config-file', file], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const take = (d: Buffer) => {
      if (out.length < 4096) out += d.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal)
        reject(new Error(`dockerd --validate killed by ${signal} after ${timeoutMs} ms on ${file}`));
      else resolve({ refused: code !== 0, message: out.trim().slice(0, 600) });
    });
  });
}

/**
 * Differences between `dockerd --validate` and config_valid that are intended, each with the reason. A
 * predicate gets dockerd's message and our messages; the first that matches names the exception.
 */
export const VALIDATE_EXCEPTIONS: readonly {
  readonly id: string;
  readonly why: string;
  readonly applies: (d: DockerdVerdict, ours: readonly string[], text: string | null) => boolean;
}[] = [
  {
    id: 'nesting_limit',
    why: 'config_valid refuses nesting deeper than 200 levels (the input bound of issue 16, so a hostile file cannot exhaust the stack); dockerd (Go encoding/json) accepts up to 10,000',
    applies: (d, ours) => !d.refused && ours.some((m) => m.includes('nesting deeper than 200 levels')),
  },
  {
    id: 'checked_at_start',
    why: 'config_valid judges whether dockerd will start; `--validate` stops before the start-up checks that refuse an unknown default-runtime or a registry mirror that is not http(s)',
    applies: (d, ours) =>
      !d.refused &&
      ours.length > 0 &&
      ours.every((m) => /specified default runtime [\s\S]* does not exist|invalid mirror:/.test(m)),
  },
  {
    id: 'userns_remap_user',
    why: '`--validate` looks the userns-remap user up on the machine it runs on (getent); config_valid does not judge the users of the host it audits',
    applies: (d, ours) => d.refused && /Error during uid lookup for/.test(d.message) && ours.length === 0,
  },
];

async function pool<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function diffAgainstDockerd(opts: {
  readonly dir: string;
  readonly release: string;
  /** Full version the exporter's rules are picked with, e.g. 28.5.2. */
  readonly version: string;
  readonly dockerd: string;
  readonly cases: readonly FuzzCase[];
  readonly parallel: number;
}): Promise<DiffSummary> {
  const started = performance.now();
  const root = join(opts.dir, opts.release);
  mkdirSync(join(root, 'etc', 'docker'), { recursive: true });
  const paths = new HostPaths(root);
  const excepted: Record<string, number> = {};
  const disagreements: Disagreement[] = [];
  let compared = 0;
  let notJudged = 0;
  let refusedByDockerd = 0;
  let agreed = 0;
  await pool(opts.cases, opts.parallel, async (c) => {
    const rel = `/etc/docker/case-${c.index}.json`;
    const file = paths.resolve(rel);
    writeFileSync(file, c.bytes);
    const theirs = await dockerdValidate(opts.dockerd, file);
    if (theirs.refused) refusedByDockerd++;
    const fact = await readDaemonConfig(paths, { path: rel, origin: 'flag' });
    if (!fact.ok) {
      notJudged++;
      return;
    }
    const f = fact.value;
    const result = validateDaemonConfig({
      text: f.text,
      parsed: f.parsed,
      parseError: f.parseError,
      ...(f.encoding ? { encoding: f.encoding } : {}),
      invalidUtf8Offset: f.invalidUtf8Offset ?? null,
      args: ['--validate', '--config-file', rel],
      serverVersion: opts.version,
    });
    // Of the start-up checks, --validate runs only the TLS setup (measured on 26.1.5 and 28.5.2).
    const loader = result.findings.filter(
      (x) => x.refused && (x.kind !== 'startup_conflict' || x.message.includes('X509 key pair')),
    );
    const oursRefused = loader.length > 0;
    const messages = loader.map((x) => `${x.kind}: ${x.message}`.slice(0, 300));
    compared++;
    if (oursRefused === theirs.refused) {
      agreed++;
      return;
    }
    const exception = VALIDATE_EXCEPTIONS.find((e) => e.applies(theirs, messages, f.text));
    if (exception) {
      excepted[exception.id] = (excepted[exception.id] ?? 0) + 1;
      return;
    }
    disagreements.push({
      index: c.index,
      kind: c.kind,
      release: opts.release,
      dockerd: theirs,
      ours: {
        refused: oursRefused,
        messages:
          messages.length > 0
            ? messages
            : result.findings.map((x) =>
                `${x.kind}${x.refused ? '' : ' (not refused)'}: ${x.message}`.slice(0, 200),
              ),
      },
      excerpt: c.bytes.subarray(0, 300).toString('utf8'),
    });
  });
  disagreements.sort((a, b) => a.index - b.index);
  return {
    release: opts.release,
    files: opts.cases.length,
    compared,
    notJudged,
    refusedByDockerd,
    agreed,
    excepted,
    disagreements,
    ms: performance.now() - started,
  };
}
