// Reads a V8 .cpuprofile (`node --cpu-prof`) into the frames that took the most time, for the benchmark notes
// (issue 12 asks for the profile's top frames beside the numbers). Self time: the samples whose top frame this
// was; by where: the same time grouped by what the code is (our dist/ modules, a package, Node itself, V8).
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface Frame {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
}

const sourceMaps = new Map<string, SourceMap | null>();

/** The source map beside a built file (`npm run build` writes `X.js.map`), or null. */
function sourceMapOf(file: string): SourceMap | null {
  if (!sourceMaps.has(file)) {
    const map = `${file}.map`;
    sourceMaps.set(file, existsSync(map) ? new SourceMap(JSON.parse(readFileSync(map, 'utf8'))) : null);
  }
  return sourceMaps.get(file)!;
}

/**
 * Where a script lives, short: `src/sources/...:12` (a frame in the bundle, through its source map),
 * `node_modules/express`, `node:internal/...`.
 */
function place(url: string, line: number, column: number): string {
  if (url === '') return '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `node_modules/${pkg[1]}`;
  if (/\/dist\/.*\.js$/.test(url) && url.startsWith('file://')) {
    const entry = sourceMapOf(fileURLToPath(url))?.findEntry(line, column);
    if (entry && 'originalSource' in entry) {
      const src = /\/src\/(.*)$/.exec(entry.originalSource)?.[1];
      if (src) return `src/${src}:${entry.originalLine + 1}`;
    }
  }
  const ours = /\/(dist|src)\/(.*)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}:${line + 1}`;
  return url.replace(/^file:\/\//, '');
}

/** What kind of code a frame is: ours, a package, Node's own JavaScript, or V8/native. */
function kind(url: string, name: string): string {
  if (/node_modules\//.test(url)) return 'packages';
  if (/\/(dist|src)\//.test(url)) return 'exporter (dist/)';
  if (url.startsWith('node:')) return 'Node.js internals';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)') return 'idle (waiting on I/O)';
  if (name === '(program)') return 'V8/native (program)';
  return 'V8/native';
}

export function summarize(path: string, top = 12): { totalMs: number; frames: Frame[]; kinds: Frame[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // As Chrome's DevTools does: the time until the next sample is the sampled frame's.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const frames = new Map<string, { name: string; where: string; us: number }>();
  const kinds = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const name = f.functionName || '(anonymous)';
    const where = place(f.url, f.lineNumber, f.columnNumber);
    const key = `${name} ${where}`;
    const entry = frames.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    frames.set(key, entry);
    const k = kind(f.url, name);
    kinds.set(k, (kinds.get(k) ?? 0) + us);
  }
  return {
    totalMs: (profile.endTime - profile.startTime) / 1000,
    frames: [...frames.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000 })),
    kinds: [...kinds]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, where: '', selfMs: us / 1000 })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npx tsx bench/cpuProfile.ts FILE.cpuprofile [TOP]');
  const s = summarize(file, Number(process.argv[3] ?? 12));
  console.log(`${file}: ${s.totalMs.toFixed(0)} ms profiled`);
  for (const k of s.kinds) console.log(`  ${k.name}: ${k.selfMs.toFixed(0)} ms`);
  for (const f of s.frames) console.log(`  ${f.selfMs.toFixed(0).padStart(5)} ms  ${f.name}  ${f.where}`);
}
