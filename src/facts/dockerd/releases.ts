// What each dockerd release accepts in daemon.json and on its command line, from the generated table
// (scripts/gen-dockerd-keys.ts). Validation and flag parsing follow the release that is running.
import table from './releases.generated.json' with { type: 'json' };

export interface KeySpec {
  readonly name: string;
  /** The value type as the flag declares it, e.g. "bool", "string", "array of strings". */
  readonly type: string;
  /** The long flag behind the key, or null for file-only keys. */
  readonly flag: string | null;
  /** False for keys dockerd accepts but never decodes (e.g. singular `authorization-plugin`). */
  readonly effective: boolean;
  readonly deprecated: boolean;
}

export interface FlagSpec {
  readonly name: string;
  readonly type: string;
  readonly isBool: boolean;
  /** The daemon.json key this flag sets (the named option's plural name where there is one). */
  readonly key: string;
}

export interface DockerdRelease {
  readonly tag: string;
  readonly keys: ReadonlyMap<string, KeySpec>;
  readonly flags: ReadonlyMap<string, FlagSpec>;
  readonly skipValidation: ReadonlySet<string>;
  readonly rejectedAlthoughTagged: ReadonlySet<string>;
  /** Object-valued keys dockerd does not flatten before the unknown-key check. */
  readonly flatOptions: ReadonlySet<string>;
}

type RawKey = [string, string | null, number, number];
interface RawRelease {
  keys: Record<string, RawKey>;
  skipValidation: string[];
  rejectedAlthoughTagged: string[];
}

/** Shorthand flags of dockerd (pflag), stable across the supported releases. */
export const SHORTHANDS: Readonly<Record<string, string>> = {
  H: 'host',
  D: 'debug',
  l: 'log-level',
  b: 'bridge',
  G: 'group',
  p: 'pidfile',
  s: 'storage-driver',
  g: 'graph',
  v: 'version',
  h: 'help',
};

export type Semver = readonly [number, number, number];

export function parseVersion(version: string): Semver | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function compareVersions(a: Semver, b: Semver): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function flatOptionsFor(v: Semver): Set<string> {
  const s = new Set(['cluster-store-opts', 'log-opts', 'runtimes', 'default-ulimits', 'features', 'builder']);
  if (compareVersions(v, [24, 0, 0]) >= 0) s.add('default-network-opts');
  if (compareVersions(v, [29, 2, 0]) >= 0) s.add('nri-opts');
  return s;
}

function buildRelease(tag: string, raw: RawRelease): DockerdRelease {
  const keys = new Map<string, KeySpec>();
  for (const [name, [type, flag, effective, deprecated]] of Object.entries(raw.keys)) {
    keys.set(name, { name, type, flag, effective: effective === 1, deprecated: deprecated === 1 });
  }
  const byFlag = new Map<string, KeySpec[]>();
  for (const spec of keys.values()) {
    if (spec.flag) byFlag.set(spec.flag, [...(byFlag.get(spec.flag) ?? []), spec]);
  }
  const flags = new Map<string, FlagSpec>();
  for (const [flag, specs] of byFlag) {
    // A flag sets its named option (`hosts` for --host) when one is decoded; the singular key is an ignored alias.
    const named = specs.find((k) => k.effective && k.name !== flag);
    const key = named ?? specs.find((k) => k.name === flag) ?? specs[0]!;
    flags.set(flag, { name: flag, type: key.type, isBool: key.type === 'bool', key: key.name });
  }
  const version = parseVersion(tag) ?? [0, 0, 0];
  return {
    tag,
    keys,
    flags,
    skipValidation: new Set(raw.skipValidation),
    rejectedAlthoughTagged: new Set(raw.rejectedAlthoughTagged),
    flatOptions: flatOptionsFor(version),
  };
}

const releases: DockerdRelease[] = Object.entries(
  (table as unknown as { releases: Record<string, RawRelease> }).releases,
)
  .map(([tag, raw]) => buildRelease(tag, raw))
  .sort((a, b) => compareVersions(parseVersion(a.tag)!, parseVersion(b.tag)!));

export const KNOWN_RELEASES: readonly string[] = releases.map((r) => r.tag);

export interface ReleaseChoice {
  readonly release: DockerdRelease;
  /** Why this table was chosen, for reports. */
  readonly note: string;
}

/**
 * Picks the key table for a running dockerd version. Patch releases within a series did not change the
 * keys, so the same series wins; otherwise the newest release not newer than the daemon.
 */
export function releaseFor(serverVersion: string | null | undefined): ReleaseChoice {
  const newest = releases[releases.length - 1]!;
  const v = serverVersion ? parseVersion(serverVersion) : null;
  if (!v) {
    return { release: newest, note: `dockerd version unknown; validated against ${newest.tag}` };
  }
  const series = releases.filter((r) => {
    const rv = parseVersion(r.tag)!;
    return rv[0] === v[0] && rv[1] === v[1];
  });
  if (series.length > 0) {
    const notNewer = series.filter((r) => compareVersions(parseVersion(r.tag)!, v) <= 0);
    const pick = notNewer[notNewer.length - 1] ?? series[0]!;
    return { release: pick, note: `validated against dockerd ${pick.tag} rules (running ${serverVersion})` };
  }
  const older = releases.filter((r) => compareVersions(parseVersion(r.tag)!, v) <= 0);
  const pick = older[older.length - 1] ?? releases[0]!;
  return { release: pick, note: `no key table for ${serverVersion}; validated against ${pick.tag}` };
}
