// Keys set twice: Go keeps the last value, so an earlier entry silently loses.
import { type JsonNode, plainValue } from '../../../facts/daemonJson.js';
import { type ConfigFinding, finding } from '../findings.js';
import { goFormat } from '../goFormat.js';

interface Duplicate {
  readonly path: string;
  readonly count: number;
  readonly last: JsonNode;
}

/** Linear in the size of the tree: values are grouped per key in place (recursion bounded by MAX_JSON_DEPTH). */
function duplicatePaths(root: JsonNode): Duplicate[] {
  const out: Duplicate[] = [];
  const walk = (node: JsonNode, prefix: string) => {
    if (node.kind !== 'object') return;
    // Most objects have no duplicate: then only nested objects are walked, without grouping.
    const seen = new Set<string>();
    let duplicated = false;
    for (const m of node.members) {
      if (seen.has(m.key)) {
        duplicated = true;
        break;
      }
      seen.add(m.key);
    }
    if (!duplicated) {
      for (const m of node.members)
        if (m.value.kind === 'object') walk(m.value, prefix ? `${prefix}.${m.key}` : m.key);
      return;
    }
    const groups = new Map<string, JsonNode[]>();
    for (const m of node.members) {
      const group = groups.get(m.key);
      if (group) group.push(m.value);
      else groups.set(m.key, [m.value]);
    }
    for (const [key, values] of groups) {
      const nested = values.some((v) => v.kind === 'object');
      if (values.length === 1 && !nested) continue;
      const path = prefix ? `${prefix}.${key}` : key;
      if (values.length > 1) out.push({ path, count: values.length, last: values[values.length - 1]! });
      if (nested) for (const value of values) walk(value, path);
    }
  };
  walk(root, '');
  return out;
}

export function duplicateKeyFindings(root: JsonNode): ConfigFinding[] {
  return duplicatePaths(root).map((d) =>
    finding(
      'duplicate_key',
      [d.path],
      `"${d.path}" is set ${d.count} times; dockerd keeps only the last value (${goFormat(plainValue(d.last))})`,
      false,
    ),
  );
}
