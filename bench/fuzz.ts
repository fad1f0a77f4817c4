// The full fuzz corpus (scripts/fuzz-daemon-json.ts) through the exporter's path, with the numbers: files,
// slowest file, total time, failures. The unit test runs the first 1,000 of the same corpus.
//   npx tsx bench/fuzz.ts [--count 5000] [--seed N] [--limit-ms 200]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ_SEED, fuzzDaemonJson } from '../scripts/fuzz-daemon-json.js';
import { fuzzRoot, runFuzzCorpus } from '../test/support/fuzzRun.js';
import { runBench } from './support.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main() {
  const count = arg('count', 5000);
  const limitMs = arg('limit-ms', 200);
  const dir = mkdtempSync(join(tmpdir(), 'dockersec-fuzz-'));
  try {
    const s = await runFuzzCorpus(fuzzRoot(dir), fuzzDaemonJson(count, arg('seed', FUZZ_SEED)), limitMs);
    console.log(`files: ${s.files}`);
    console.log(`total: ${(s.totalMs / 1000).toFixed(1)} s`);
    console.log(`slowest: #${s.slowest.index} (${s.slowest.kind}) ${s.slowest.ms.toFixed(1)} ms`);
    console.log(`failures: ${s.failures.length}`);
    console.log(`over ${limitMs} ms: ${s.overLimit.length}`);
    for (const [kind, k] of Object.entries(s.byKind).sort())
      console.log(
        `  ${kind.padEnd(20)} ${String(k.files).padStart(5)} files, slowest ${k.maxMs.toFixed(1)} ms`,
      );
    for (const f of [...s.failures, ...s.overLimit].slice(0, 20)) console.log(`  ${f}`);
    if (s.failures.length > 0 || s.overLimit.length > 0)
      throw new Error(`${s.failures.length} failures, ${s.overLimit.length} files over ${limitMs} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
