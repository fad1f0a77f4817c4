// Runs one fuzzed daemon.json through the exporter's own path: the file is written under a host root, read by
// the daemon_config source (readDaemonConfig, bounded), put into a complete facts snapshot and evaluated with
// the whole catalog. Shared by test/unit/fuzzDaemonJson.test.ts and bench/fuzz.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FuzzCase } from '../../scripts/fuzz-daemon-json.js';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import type { Evaluation } from '../../src/evaluation/types.js';
import type { Facts } from '../../src/facts/types.js';
import { readDaemonConfig } from '../../src/sources/daemonConfigFile.js';
import { HostPaths } from '../../src/sources/hostPaths.js';
import { makeFacts } from './facts.js';

/** dockerd releases the files are judged against, in turn: before 23.0, the first modern one, the newest. */
export const FUZZ_VERSIONS = ['20.10.24', '23.0.0', '28.1.0', '29.7.2'] as const;

export interface FuzzOutcome {
  /** Time of the read and the evaluation (the test's own facts building excluded). */
  readonly ms: number;
  /** What is wrong: an uncaught error, an internal error, a stack overflow, an unjudged config_valid. */
  readonly problems: readonly string[];
  readonly configValid: string;
}

/** A host root with /etc/docker in it; the case is written to /etc/docker/daemon.json there. */
export function fuzzRoot(dir: string): HostPaths {
  mkdirSync(join(dir, 'etc', 'docker'), { recursive: true });
  return new HostPaths(dir);
}

export async function runFuzzCase(paths: HostPaths, c: FuzzCase): Promise<FuzzOutcome> {
  const version = FUZZ_VERSIONS[c.index % FUZZ_VERSIONS.length]!;
  writeFileSync(paths.resolve('/etc/docker/daemon.json'), c.bytes);
  const problems: string[] = [];
  let evaluation: Evaluation | null = null;
  let ms = 0;
  try {
    const readStarted = performance.now();
    const fact = await readDaemonConfig(paths, { path: '/etc/docker/daemon.json', origin: 'default' });
    ms += performance.now() - readStarted;
    const base = makeFacts({
      version,
      ...(fact.ok && fact.value.text !== null ? { config: fact.value.text } : {}),
    });
    const facts: Facts = { ...base, daemonConfig: fact };
    const started = performance.now();
    evaluation = evaluate(facts, CATALOG);
    ms += performance.now() - started;
    // A thrown error (a stack overflow included) ends in a reason: an internal error, or a source's error.
    for (const r of evaluation.results) {
      if (r.reason.includes('internal error') || r.reason.includes('Maximum call stack'))
        problems.push(`${r.id}: ${r.reason.slice(0, 300)}`);
    }
    if (!fact.ok && fact.error.includes('Maximum call stack')) problems.push(`daemon_config: ${fact.error}`);
    const valid = evaluation.results.find((r) => r.id === 'config_valid');
    if (fact.ok && (valid?.status === 'error' || valid === undefined))
      problems.push(`config_valid not judged: ${valid?.reason.slice(0, 300)}`);
  } catch (e) {
    problems.push(`uncaught: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  const valid = evaluation?.results.find((r) => r.id === 'config_valid');
  return { ms, problems, configValid: valid ? `${valid.status}: ${valid.reason.slice(0, 200)}` : 'none' };
}

export interface FuzzSummary {
  readonly files: number;
  readonly totalMs: number;
  readonly slowest: { readonly index: number; readonly kind: string; readonly ms: number };
  readonly failures: readonly string[];
  readonly overLimit: readonly string[];
  readonly byKind: Readonly<Record<string, { files: number; maxMs: number }>>;
}

/**
 * Runs every case; `limitMs` is the per-file bound (over it is a finding, as a failure is). A file over it is
 * run up to four more times and keeps its best time: the machine is shared, and a garbage collection, the first
 * compilation of a code path or another process can stall one run, while a superlinear check is slow every time.
 */
export async function runFuzzCorpus(
  paths: HostPaths,
  cases: Iterable<FuzzCase>,
  limitMs: number,
): Promise<FuzzSummary> {
  const started = performance.now();
  const failures: string[] = [];
  const overLimit: string[] = [];
  const byKind: Record<string, { files: number; maxMs: number }> = {};
  let slowest = { index: -1, kind: '', ms: 0 };
  let files = 0;
  for (const c of cases) {
    files++;
    let o = await runFuzzCase(paths, c);
    for (let retry = 0; retry < 4 && o.ms > limitMs && o.problems.length === 0; retry++) {
      const again = await runFuzzCase(paths, c);
      if (again.ms < o.ms) o = again;
    }
    byKind[c.kind] ??= { files: 0, maxMs: 0 };
    const k = byKind[c.kind]!;
    k.files++;
    k.maxMs = Math.max(k.maxMs, o.ms);
    if (o.ms > slowest.ms) slowest = { index: c.index, kind: c.kind, ms: o.ms };
    for (const p of o.problems) failures.push(`#${c.index} (${c.kind}): ${p}`);
    if (o.ms > limitMs)
      overLimit.push(`#${c.index} (${c.kind}, ${c.bytes.length} bytes): ${o.ms.toFixed(1)} ms`);
  }
  return { files, totalMs: performance.now() - started, slowest, failures, overLimit, byKind };
}
