// The files whose metadata the monitor polls: every file a source stat'ed (socket, daemon.json, TLS files,
// systemd units, CIS files), found in the snapshot itself so new sources are covered without a list to keep.
// The snapshot's FileStat is also the baseline: a poll compares the file now with what the evaluation saw.
import type { Facts, FileStat } from '../facts/types.js';

const MAX_FILES = 256;

function isFileStat(v: Record<string, unknown>): v is Record<string, unknown> & FileStat {
  return (
    typeof v.path === 'string' && typeof v.mode === 'number' && typeof v.uid === 'number' && 'exists' in v
  );
}

/** One FileStat per path, as the snapshot recorded it. */
export function polledFiles(facts: Facts): FileStat[] {
  const out = new Map<string, FileStat>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number) => {
    if (out.size >= MAX_FILES || depth > 8 || v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (isFileStat(o) && !out.has(o.path)) out.set(o.path, o);
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  for (const [key, fact] of Object.entries(facts)) {
    // Container mounts are not host files the controls judge by metadata; inventories can be large.
    if (key === 'containers') continue;
    walk(fact, 0);
  }
  return [...out.values()];
}

/** Whether a file's metadata still is what a snapshot recorded (both from statPath). */
export const sameMetadata = (a: FileStat, b: FileStat): boolean =>
  a.exists === b.exists &&
  a.kind === b.kind &&
  a.mode === b.mode &&
  a.uid === b.uid &&
  a.gid === b.gid &&
  a.mtimeSeconds === b.mtimeSeconds;
