// The files whose metadata the monitor polls: every path a source stat'ed (socket, daemon.json, TLS files,
// systemd units, CIS files), found in the snapshot itself so new sources are covered without a list to keep.
import type { Facts } from '../facts/types.js';

const MAX_PATHS = 256;

function isFileStat(v: Record<string, unknown>): boolean {
  return (
    typeof v.path === 'string' && typeof v.mode === 'number' && typeof v.uid === 'number' && 'exists' in v
  );
}

export function polledPaths(facts: Facts): string[] {
  const out = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number) => {
    if (out.size >= MAX_PATHS || depth > 8 || v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (isFileStat(o)) out.add(o.path as string);
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  for (const [key, fact] of Object.entries(facts)) {
    // Container mounts are not host files the controls judge by metadata; inventories can be large.
    if (key === 'containers') continue;
    walk(fact, 0);
  }
  return [...out];
}
