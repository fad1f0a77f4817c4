// The unknown-directive check: every key of the flattened file must be a long flag name, a named option or
// a skipped key. One finding in dockerd's own sentence, with a hint per key.
import {
  compareVersions,
  KNOWN_RELEASES,
  parseVersion,
  releaseFor,
  SHORTHANDS,
} from '../../../facts/dockerd/releases.js';
import type { ConfigView } from '../configView.js';
import { type ConfigFinding, finding } from '../findings.js';
import { FICTION_HINTS, own } from '../releaseRules.js';

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function seriesOf(tag: string): string {
  const v = parseVersion(tag);
  return v ? `${v[0]}.${v[1]}` : tag;
}

function parentHint(view: ConfigView, parent: string): string {
  const spec = view.release.keys.get(parent);
  if (spec && !spec.effective) {
    const named = view.namedSibling(parent);
    return `inside "${parent}": dockerd flattens objects under names it does not read and checks their children${named ? `; did you mean "${named}"?` : ''}`;
  }
  if (spec || parent === 'proxies') return `inside "${parent}"`;
  const meant = own(FICTION_HINTS, parent);
  return `inside "${parent}", which is not an option, so dockerd checks its children instead${meant ? `; as for "${parent}", ${meant}` : ''}`;
}

/** Per key, the known releases that accept it, built once: a file with 50,000 unknown keys asks for each. */
let releasesByKey: ReadonlyMap<string, readonly string[]> | null = null;
const releasesWithKey = (key: string): readonly string[] => {
  if (!releasesByKey) {
    const index = new Map<string, string[]>();
    for (const tag of KNOWN_RELEASES) {
      for (const k of releaseFor(tag).release.keys.keys()) {
        const tags = index.get(k);
        if (tags) tags.push(tag);
        else index.set(k, [tag]);
      }
    }
    releasesByKey = index;
  }
  return releasesByKey.get(key) ?? [];
};

function keyHints(view: ConfigView, key: string): string[] {
  const fiction = own(FICTION_HINTS, key);
  if (fiction) return [fiction];
  if (key === 'proxies')
    return ['"proxies" must be an object such as {"http-proxy": "...", "no-proxy": "..."}'];
  const hints: string[] = [];
  if (view.release.rejectedAlthoughTagged.has(key)) {
    hints.push("dockerd's Config has this field, but its unknown-key check rejects it");
  }
  const elsewhere = releasesWithKey(key);
  if (elsewhere.length > 0) {
    const first = elsewhere[0]!;
    hints.push(
      compareVersions(parseVersion(first)!, view.version) > 0
        ? `accepted from dockerd ${seriesOf(first)} on`
        : `accepted only up to dockerd ${seriesOf(elsewhere[elsewhere.length - 1]!)}`,
    );
  }
  const lower = key.toLowerCase().replace(/_/g, '-');
  if (lower !== key && view.release.keys.has(lower)) {
    hints.push(`did you mean "${lower}"? keys are case-sensitive and use hyphens`);
  }
  const long = own(SHORTHANDS, key);
  if (long) hints.push(`"${key}" is the shorthand of --${long}; the file needs the long name`);
  return hints;
}

export function unknownKeyFindings(view: ConfigView): ConfigFinding[] {
  const unknown = [...view.flat.keys()].filter((k) => !view.isAccepted(k)).sort(byName);
  if (unknown.length === 0) return [];
  const hints = unknown.flatMap((key) => {
    const parent = view.flat.get(key)!.parent;
    const all = [...(parent === null ? [] : [parentHint(view, parent)]), ...keyHints(view, key)];
    return all.length === 0 ? [] : [`${key}: ${all.join('; ')}`];
  });
  return [
    finding(
      'unknown_key',
      unknown,
      `the following directives don't match any configuration option: ${unknown.join(', ')}${hints.length ? ` (${hints.join('; ')})` : ''}`,
      true,
    ),
  ];
}
