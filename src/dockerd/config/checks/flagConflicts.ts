// Directives given both as a dockerd flag and in the file (findConfigurationConflicts): for each flag set on
// the command line, in name order as pflag visits them, its long name, its shorthand, or for a named
// option its plural name. `runtimes` merges instead.
import { plainValue } from '../../../facts/daemonJson.js';
import { parseFlagBool } from '../../../facts/dockerd/flags.js';
import { SHORTHANDS } from '../../../facts/dockerd/releases.js';
import type { ConfigView } from '../configView.js';
import { type ConfigFinding, finding } from '../findings.js';
import { goFormat, maskCredentials } from '../goFormat.js';
import { V23, V28 } from '../releaseRules.js';

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The value pflag prints for a flag given these occurrences (Value.String()). */
function flagString(type: string, isBool: boolean, values: readonly string[]): string {
  const last = values[values.length - 1] ?? '';
  if (isBool) {
    const b = parseFlagBool(last);
    return b === null ? last : String(b);
  }
  if (type.startsWith('array') || type.startsWith('object: name -> {Name')) return `[${values.join(' ')}]`;
  if (type.startsWith('object')) {
    const m: Record<string, string> = {};
    for (const val of values) {
      const eq = val.indexOf('=');
      if (eq > 0) m[val.slice(0, eq)] = val.slice(eq + 1);
    }
    return goFormat(m);
  }
  return last;
}

export function flagConflictFindings(view: ConfigView): ConfigFinding[] {
  if (!view.occurrences) return [];
  const conflicts: { key: string; text: string }[] = [];
  const describe = (name: string, flagText: string, fileValue: unknown) => {
    let fileText = goFormat(fileValue);
    if ((name === 'http-proxy' || name === 'https-proxy') && view.atLeast(V23)) {
      flagText = maskCredentials(flagText);
      fileText = maskCredentials(fileText);
    }
    return `${name}: (from flag: ${flagText}, from file: ${fileText})`;
  };
  for (const flag of [...view.occurrences.keys()].sort(byName)) {
    const spec = view.release.flags.get(flag);
    if (!spec) continue;
    const values = view.occurrences.get(flag)!.map((o) => o.value);
    const candidates =
      spec.key !== flag
        ? [spec.key]
        : [flag, ...Object.keys(SHORTHANDS).filter((s) => SHORTHANDS[s] === flag)];
    const name = candidates.find((n) => view.flat.has(n) && n !== 'runtimes');
    if (name === undefined) continue;
    const text = describe(
      name,
      flagString(spec.type, spec.isBool, values),
      plainValue(view.flat.get(name)!.value),
    );
    conflicts.push({ key: name, text });
  }
  // 28.0 migrated host-gateway-ip to host-gateway-ips; the old file key conflicts with the flag as well.
  const legacy = view.flat.get('host-gateway-ip');
  const legacyFlag = view.occurrences.get('host-gateway-ip');
  if (view.atLeast(V28) && legacy && legacyFlag && !conflicts.some((c) => c.key === 'host-gateway-ip')) {
    const values = legacyFlag.map((o) => o.value);
    conflicts.push({
      key: 'host-gateway-ip',
      text: describe('host-gateway-ip', `[${values.join(' ')}]`, plainValue(legacy.value)),
    });
  }
  if (conflicts.length === 0) return [];
  return [
    finding(
      'flag_conflict',
      conflicts.map((c) => c.key),
      `the following directives are specified both as a flag and in the configuration file: ${conflicts.map((c) => c.text).join(', ')}`,
      true,
    ),
  ];
}
