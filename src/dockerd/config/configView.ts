// daemon.json as dockerd sees it while validating: the Go map of the top level, the flattened key set the
// unknown-key check walks, the values Config decoding would refuse, and the settings dockerd ends up with
// once file, flags and defaults are merged.
import { type JsonNode, plainValue } from '../../facts/daemonJson.js';
import { type FlagOccurrence, parseFlagBool } from '../../facts/dockerd/flags.js';
import type { DockerdRelease, Semver } from '../../facts/dockerd/releases.js';
import { decodeErrors, goTypeOf } from './configTypes.js';
import type { ObjectNode } from './decodeForRelease.js';
import { goFormat } from './goFormat.js';
import { atLeast, configFieldKeys } from './releaseRules.js';

export interface FlatEntry {
  readonly value: JsonNode;
  /** The top-level key this entry was flattened out of, or null. */
  readonly parent: string | null;
}

export interface Setting {
  readonly value: unknown;
  readonly origin: 'file' | 'flag' | 'default';
}

/** Go's map view of an object: one entry per key, the last occurrence's value, in first-seen order. */
export function lastMembers(node: ObjectNode): Map<string, JsonNode> {
  const out = new Map<string, JsonNode>();
  for (const m of node.members) out.set(m.key, m.value);
  return out;
}

/** configValuesSet: objects one level down replace their parent unless the parent is a flat option. */
function flatten(top: ReadonlyMap<string, JsonNode>, release: DockerdRelease): Map<string, FlatEntry> {
  const out = new Map<string, FlatEntry>();
  for (const [key, value] of top) {
    if (value.kind === 'object' && !release.flatOptions.has(key)) {
      for (const [childKey, childValue] of lastMembers(value))
        out.set(childKey, { value: childValue, parent: key });
    } else out.set(key, { value, parent: null });
  }
  return out;
}

export class ConfigView {
  readonly top: ReadonlyMap<string, JsonNode>;
  readonly flat: ReadonlyMap<string, FlatEntry>;
  /** Top-level keys that are Config fields in this release (decoded into the struct). */
  readonly decodedKeys: ReadonlySet<string>;
  /** Go's unmarshal errors per top-level key, over every occurrence of the key. */
  readonly typeErrors: ReadonlyMap<string, readonly string[]>;

  constructor(
    readonly release: DockerdRelease,
    readonly version: Semver,
    readonly root: ObjectNode,
    /** dockerd's flags by long name; null when the command line is unknown. */
    readonly occurrences: ReadonlyMap<string, readonly FlagOccurrence[]> | null,
  ) {
    this.top = lastMembers(root);
    this.flat = flatten(this.top, release);
    this.decodedKeys = configFieldKeys(release, version);
    // Distinct errors per key, in first-seen order, gathered in place (a key set 100,000 times stays linear).
    const typeErrors = new Map<string, Set<string>>();
    for (const m of root.members) {
      const spec = release.keys.get(m.key);
      const tableType = spec?.type ?? (m.key === 'proxies' ? 'object' : null);
      if (tableType === null || !this.decodedKeys.has(m.key)) continue;
      const errors = decodeErrors(m.value, goTypeOf(m.key, tableType), `Config.${m.key}`);
      if (errors.length === 0) continue;
      const known = typeErrors.get(m.key);
      if (known) for (const e of errors) known.add(e);
      else typeErrors.set(m.key, new Set(errors));
    }
    this.typeErrors = new Map([...typeErrors].map(([key, errors]) => [key, [...errors]]));
  }

  atLeast(min: Semver): boolean {
    return atLeast(this.version, min);
  }

  /** Passes dockerd's unknown-key check: a long flag name, a named option or a skipped key (or cobra's help). */
  isAccepted(key: string): boolean {
    return this.release.keys.has(key) || key === 'help';
  }

  /** The key's value from the file, when Config decoding would take it. */
  fileSetting(key: string): Setting | undefined {
    const node = this.top.get(key);
    if (!node || this.typeErrors.has(key) || node.kind === 'null' || !this.decodedKeys.has(key))
      return undefined;
    return { value: plainValue(node), origin: 'file' };
  }

  /** The key's value from dockerd's command line (pflag: the last occurrence, lists accumulate). */
  flagSetting(key: string): Setting | undefined {
    for (const [flag, occ] of this.occurrences ?? []) {
      const spec = this.release.flags.get(flag);
      if (!spec || spec.key !== key) continue;
      const values = occ.map((o) => o.value);
      const last = values[values.length - 1] ?? '';
      if (spec.isBool) return { value: parseFlagBool(last) ?? true, origin: 'flag' };
      if (spec.type.startsWith('array')) return { value: values, origin: 'flag' };
      if (spec.type === 'integer') return { value: Number(last), origin: 'flag' };
      return { value: last, origin: 'flag' };
    }
    return undefined;
  }

  /** File, else flag, else the default (undefined when none is given). */
  setting(key: string, fallback?: unknown): Setting | undefined {
    return (
      this.fileSetting(key) ??
      this.flagSetting(key) ??
      (fallback === undefined ? undefined : { value: fallback, origin: 'default' })
    );
  }

  /**
   * Booleans follow dockerd's merge: every boolean flag is re-Set from any (even nested) file entry of its
   * name, then a `true` decoded from the file wins over the flag's value.
   */
  boolSetting(key: string, fallback: boolean): Setting {
    const file = this.fileSetting(key);
    if (file?.value === true) return file;
    const entry = this.flat.get(key);
    if (entry && !this.typeErrors.has(key)) {
      const b = parseFlagBool(goFormat(plainValue(entry.value)));
      if (b !== null) return { value: b, origin: 'file' };
    }
    return this.flagSetting(key) ?? { value: fallback, origin: 'default' };
  }

  fileString(key: string): string | undefined {
    const s = this.fileSetting(key);
    return typeof s?.value === 'string' ? s.value : undefined;
  }

  fileInt(key: string): number | undefined {
    const s = this.fileSetting(key);
    return typeof s?.value === 'number' ? s.value : undefined;
  }

  fileStrings(key: string): string[] {
    const s = this.fileSetting(key);
    return Array.isArray(s?.value)
      ? (s.value as unknown[]).filter((x): x is string => typeof x === 'string')
      : [];
  }

  /** The effective key that reads what an ignored alias means (e.g. "authorization-plugins"). */
  namedSibling(key: string): string | undefined {
    const spec = this.release.keys.get(key);
    if (!spec?.flag) return undefined;
    return [...this.release.keys.values()].find((k) => k.flag === spec.flag && k.effective && k.name !== key)
      ?.name;
  }

  /** `"validate": true`: a boolean flag re-Set from the file, which makes dockerd 23+ validate and exit. */
  get validateSwitchOn(): boolean {
    const entry = this.flat.get('validate');
    return (
      entry !== undefined &&
      this.isAccepted('validate') &&
      parseFlagBool(goFormat(plainValue(entry.value))) === true
    );
  }
}

/** "icc=false from daemon.json", for messages about combinations. */
export function describeSetting(key: string, s: Setting): string {
  const from = s.origin === 'file' ? 'daemon.json' : s.origin === 'flag' ? 'the command line' : 'the default';
  return `${key}=${goFormat(s.value)} from ${from}`;
}
