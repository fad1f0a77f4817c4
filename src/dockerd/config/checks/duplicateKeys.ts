// Keys set twice: Go keeps the last value, so an earlier entry silently loses.
import { type JsonNode, plainValue } from '../../../facts/daemonJson.js';
import { type ConfigFinding, finding } from '../findings.js';
import { goFormat } from '../goFormat.js';

function duplicatePaths(node: JsonNode, prefix = ''): { path: string; count: number; last: JsonNode }[] {
  const out: { path: string; count: number; last: JsonNode }[] = [];
  if (node.kind !== 'object') return out;
  const groups = new Map<string, JsonNode[]>();
  for (const m of node.members) groups.set(m.key, [...(groups.get(m.key) ?? []), m.value]);
  for (const [key, values] of groups) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (values.length > 1) out.push({ path, count: values.length, last: values[values.length - 1]! });
    for (const value of values) out.push(...duplicatePaths(value, path));
  }
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
