// Keys dockerd accepts but never reads: they pass the unknown-key check (a flag of that name exists, or
// the key sits in a flattened object) while no Config field decodes them, so the setting silently does
// nothing. One finding listing them, each with what dockerd reads instead.
import type { ConfigView } from '../configView.js';
import { lastMembers } from '../configView.js';
import { type ConfigFinding, finding } from '../findings.js';
import {
  FICTION_HINTS,
  own,
  PROXY_KEYS,
  releaseLabel,
  SWITCH_HINTS,
  V23,
  V24,
  V28_1,
} from '../releaseRules.js';

export function ignoredKeyFindings(view: ConfigView): ConfigFinding[] {
  const ignored: { key: string; why: string }[] = [];
  for (const [key, entry] of view.flat) {
    if (!view.isAccepted(key)) continue;
    // Inside "proxies" the proxy keys are read (23+); "validate": true is reported as the switch it is.
    if (entry.parent === 'proxies' && view.atLeast(V23)) continue;
    if (key === 'validate' && view.validateSwitchOn) continue;
    const spec = view.release.keys.get(key);
    const inside = entry.parent ? ` (inside "${entry.parent}")` : '';
    if (key === 'help' || (spec && !spec.effective)) {
      const named = view.namedSibling(key);
      const why = own(SWITCH_HINTS, key) ?? (named ? `dockerd reads "${named}"` : 'dockerd never reads it');
      ignored.push({ key, why: `${key}${inside}: ${why}` });
    } else if (entry.parent === null && PROXY_KEYS.includes(key)) {
      ignored.push({ key, why: `${key}: dockerd reads it only inside "proxies": {...}` });
    } else if (key === 'deprecated-key-path' && view.atLeast(V24)) {
      ignored.push({ key, why: `${key}: accepted for compatibility but unused since 24.0` });
    } else if (key === 'allow-nondistributable-artifacts' && view.atLeast(V28_1)) {
      ignored.push({ key, why: `${key}: accepted for compatibility but a no-op since 28.1` });
    }
  }

  // Objects that were flattened: unless they are a Config struct ("proxies"), the object itself is dropped.
  for (const [key, node] of view.top) {
    if (node.kind !== 'object' || view.release.flatOptions.has(key) || view.decodedKeys.has(key)) continue;
    const spec = view.release.keys.get(key);
    if (spec && !spec.effective) {
      const named = view.namedSibling(key);
      ignored.push({
        key,
        why: `${key}: an object under this name is never read${named ? `; dockerd reads "${named}"` : ''}`,
      });
    } else if (key === 'proxies') {
      ignored.push({
        key,
        why: `proxies: read from dockerd 23.0 on; ${releaseLabel(view.version)} ignores the object and checks its children as top-level keys`,
      });
    } else {
      const children = [...lastMembers(node).keys()];
      const bools = children.filter((c) => view.isAccepted(c) && view.release.keys.get(c)?.type === 'bool');
      const listed = children.length ? ` (${children.join(', ')})` : '';
      const meant = own(FICTION_HINTS, key);
      const flips = bools.length
        ? `, except that boolean children (${bools.join(', ')}) still change the flag of that name`
        : '';
      ignored.push({
        key,
        why: `${key}: not a configuration option; dockerd only checks its children${listed} against its options and ignores the object${flips}${meant ? `; ${meant}` : ''}`,
      });
    }
  }
  if (ignored.length === 0) return [];
  const keys = [...new Set(ignored.map((i) => i.key))];
  return [
    finding(
      'ignored_key',
      keys,
      `dockerd accepts but ignores ${keys.length === 1 ? 'this key' : 'these keys'}: ${ignored.map((i) => i.why).join('; ')}`,
      false,
    ),
  ];
}
