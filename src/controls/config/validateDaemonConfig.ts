// dockerd's own daemon.json validation, replayed for the release that is running: decoding, the one-level
// flattening, the unknown-directive and flag/file checks (daemon/config getConflictFreeConfiguration),
// decoding into Config, Validate(), deprecated-option checks, and the start-up checks of
// verifyDaemonSettings. Pure: the same input always gives the same findings.
import { type JsonNode, plainValue, scanJson } from '../../facts/daemonJson.js';
import { type FlagOccurrence, parseDockerdArgs, parseFlagBool } from '../../facts/dockerd/flags.js';
import {
  compareVersions,
  type DockerdRelease,
  KNOWN_RELEASES,
  parseVersion,
  releaseFor,
  type Semver,
  SHORTHANDS,
} from '../../facts/dockerd/releases.js';
import type { JsonParseError } from '../../facts/types.js';
import { decodeErrors, goTypeOf } from './configTypes.js';
import {
  cgroupDriverError,
  cgroupDriverOf,
  daemonHostError,
  defaultCgroupnsModeError,
  defaultIpcModeError,
  dnsSearchError,
  execOptError,
  genericResourceError,
  ipAddressError,
  labelConflictError,
  labelError,
  mirrorError,
  parseCidr,
} from './dockerdValues.js';
import { goFormat, maskCredentials } from './goFormat.js';

export type ConfigFindingKind =
  | 'syntax'
  | 'unknown_key'
  | 'ignored_key'
  | 'wrong_type'
  | 'flag_conflict'
  | 'startup_conflict'
  | 'invalid_value'
  | 'deprecated'
  | 'removed'
  | 'duplicate_key';

export interface ConfigFinding {
  readonly kind: ConfigFindingKind;
  /** The daemon.json keys (or flags) the finding is about. */
  readonly keys: readonly string[];
  readonly message: string;
  /** dockerd would not start (or reload) with this file. */
  readonly refused: boolean;
}

export interface ValidateDaemonConfigInput {
  /** The file text; null when the file does not exist. */
  readonly text: string | null;
  /** Used only when there is no text: a non-empty object is validated as it is, otherwise the file is missing. */
  readonly parsed: Readonly<Record<string, unknown>> | null;
  readonly parseError: JsonParseError | null;
  /** dockerd's argv without argv[0]; null when unknown (the flag/file check is then skipped). */
  readonly args: readonly string[] | null;
  /** The running dockerd's version; null picks the newest known release. */
  readonly serverVersion: string | null;
}

export interface ValidateDaemonConfigResult {
  readonly findings: readonly ConfigFinding[];
  /** Which release's rules were applied, and why. */
  readonly releaseNote: string;
}

// ---------------------------------------------------------------------------------------------------------
// Release facts the key table does not hold

const V23: Semver = [23, 0, 0];
const V24: Semver = [24, 0, 0];
const V25: Semver = [25, 0, 0];
const V27: Semver = [27, 0, 0];
const V28: Semver = [28, 0, 0];
const V28_1: Semver = [28, 1, 0];
const V29: Semver = [29, 0, 0];

/** Keys that are plain command-line switches: accepted in the file (they are flags) but meaningless there. */
const SWITCH_HINTS: Readonly<Record<string, string>> = {
  'config-file': 'it is a command-line flag only; daemon.json cannot name another configuration file',
  version: 'it is a command-line switch (print the version and exit); it has no effect in daemon.json',
  help: 'it is a command-line switch; it has no effect in daemon.json',
  restart: 'the --restart flag was removed long ago; containers use restart policies',
  validate: 'it is a command-line switch (validate the configuration and exit)',
  'containerd-plugins-namespace':
    'the file key for it would be "containerd-plugin-namespace", which dockerd rejects; set it with the --containerd-plugins-namespace flag',
};

/** Popular keys that never were dockerd options, with what the writer meant. */
const FICTION_HINTS: Readonly<Record<string, string>> = {
  'apparmor-enabled': 'AppArmor is detected automatically; per container use --security-opt apparmor=PROFILE',
  apparmor: 'AppArmor is detected automatically; per container use --security-opt apparmor=PROFILE',
  selinux: 'the option is "selinux-enabled"',
  'content-trust': 'content trust is the client setting DOCKER_CONTENT_TRUST=1, not a daemon option',
  'default-memory': 'dockerd has no daemon-wide memory default; set limits per container',
  'default-memory-swap': 'dockerd has no daemon-wide swap default; set limits per container',
  'default-cpu-shares': 'dockerd has no daemon-wide CPU default; set limits per container',
  'default-pids-limit': 'dockerd has no daemon-wide pids default; use --pids-limit per container',
  'disable-legacy-registry': 'removed in 17.12; v1 registries are no longer supported at all',
  userns: 'the option is "userns-remap"',
  'user-namespaces': 'the option is "userns-remap"',
  seccomp: 'the option is "seccomp-profile" (a path, or "builtin"/"unconfined" from 23.0)',
  'tls-verify': 'the option is "tlsverify"',
  tls_verify: 'the option is "tlsverify"',
  live_restore: 'the option is "live-restore"',
  'containerd-plugin-namespace':
    'dockerd rejects this file key; the namespace can only be set with --containerd-plugins-namespace',
  'swarm-raft-heartbeat-tick': 'dockerd rejects this key although its Config has it',
  'swarm-raft-election-tick': 'dockerd rejects this key although its Config has it',
  'default-init': 'dockerd rejects this key; use "init-path"',
  'resolv-conf': 'dockerd rejects this key although its Config has it',
  'network-host': 'belongs inside "builder": {"entitlements": {...}}',
  'security-insecure': 'belongs inside "builder": {"entitlements": {...}}',
  'api-cors-header': 'removed in 29.0; put a reverse proxy in front of the API if CORS headers are needed',
  graph: 'removed in 24.0; use "data-root"',
  'oom-score-adjust':
    'removed in 26.0; set the OOM score of the dockerd service (e.g. OOMScoreAdjust= in systemd)',
};

const REMOVED_CLUSTER_KEYS = ['cluster-store', 'cluster-advertise', 'cluster-store-opts'];

const atLeast = (v: Semver, min: Semver) => compareVersions(v, min) >= 0;

// ---------------------------------------------------------------------------------------------------------
// Decoding

interface Decoded {
  readonly root: Extract<JsonNode, { kind: 'object' }> | null;
  readonly findings: ConfigFinding[];
}

const emptyObject: Extract<JsonNode, { kind: 'object' }> = { kind: 'object', offset: 0, members: [] };

function nodeOf(value: unknown): JsonNode {
  if (value === null || value === undefined) return { kind: 'null', offset: 0 };
  if (typeof value === 'boolean') return { kind: 'bool', offset: 0, value };
  if (typeof value === 'number') return { kind: 'number', offset: 0, value, raw: JSON.stringify(value) };
  if (typeof value === 'string') return { kind: 'string', offset: 0, value, raw: JSON.stringify(value) };
  if (Array.isArray(value)) return { kind: 'array', offset: 0, items: value.map(nodeOf) };
  return {
    kind: 'object',
    offset: 0,
    members: Object.entries(value as Record<string, unknown>).map(([key, v]) => ({
      key,
      offset: 0,
      value: nodeOf(v),
    })),
  };
}

const at = (e: { line: number; column: number }) => `line ${e.line}, column ${e.column}`;

function decode(input: ValidateDaemonConfigInput, v: Semver, explicitConfigFile: string | null): Decoded {
  const { text } = input;
  if (text === null) {
    if (input.parseError) {
      const e = input.parseError;
      return { root: null, findings: [syntax(`${e.message} (${at(e)})`, true)] };
    }
    // A decoded object without its text (callers that only have that) is validated as it is.
    if (input.parsed && Object.keys(input.parsed).length > 0) {
      return { root: nodeOf(input.parsed) as Decoded['root'], findings: [] };
    }
    // No file: dockerd uses its defaults, unless --config-file named the missing file explicitly.
    if (explicitConfigFile !== null) {
      return {
        root: null,
        findings: [
          {
            kind: 'invalid_value',
            keys: ['config-file'],
            message: `dockerd was started with --config-file=${explicitConfigFile}, which does not exist; dockerd refuses to start without it (open ${explicitConfigFile}: no such file or directory)`,
            refused: true,
          },
        ],
      };
    }
    return { root: emptyObject, findings: [] };
  }
  const modern = atLeast(v, V23);
  const findings: ConfigFinding[] = [];
  let body = text;
  if (body.startsWith('\uFEFF')) {
    if (!modern) {
      return {
        root: null,
        findings: [
          syntax(
            `invalid character 'ï' looking for beginning of value (line 1, column 1): the file starts with a UTF-8 byte order mark, which dockerd 23.0+ skips but ${releaseLabel(v)} refuses`,
            true,
          ),
        ],
      };
    }
    body = body.slice(1);
  }
  if (body.trim() === '') {
    // 20.10 decodes with json.Decoder, which reports io.EOF for an empty stream; 23.0+ treats it as {}.
    return modern
      ? { root: emptyObject, findings: [] }
      : {
          root: null,
          findings: [
            syntax(`EOF: the file is empty, which ${releaseLabel(v)} refuses (23.0+ reads it as {})`, true),
          ],
        };
  }
  if (/^(\uFFFD\uFFFD|[^\0]\0[^\0]\0|\0[^\0]\0[^\0])/.test(body)) {
    return {
      root: null,
      findings: [
        syntax(
          modern
            ? 'the file looks UTF-16 encoded; dockerd 23.0+ decodes UTF-16 with a byte order mark, but it could not be checked here: save it as UTF-8'
            : `the file looks UTF-16 encoded, which ${releaseLabel(v)} cannot read: save it as UTF-8`,
          !modern,
        ),
      ],
    };
  }
  const scanned = scanJson(body);
  if (scanned.error) {
    const e = scanned.error;
    // json.Decoder (before 23.0) says "unexpected EOF" where json.Unmarshal says "unexpected end of JSON input".
    const message = scanned.truncated && !modern ? 'unexpected EOF' : e.message;
    const near = scanned.errorKey === null ? '' : ` (after key "${scanned.errorKey}")`;
    return {
      root: null,
      findings: [
        {
          kind: 'syntax',
          keys: scanned.errorKey === null ? [] : [scanned.errorKey],
          message: `${message} at ${at(e)}${near}`,
          refused: true,
        },
      ],
    };
  }
  const root = scanned.root!;
  if (scanned.trailing) {
    const t = scanned.trailing;
    if (modern) return { root: null, findings: [syntax(`${t.message} at ${at(t)}`, true)] };
    findings.push(
      syntax(
        `content after the top-level object at ${at(t)} is ignored by ${releaseLabel(v)}, and refused from 23.0 on (${t.message})`,
        false,
      ),
    );
  }
  // A top-level null leaves Go's map empty: dockerd starts with its defaults.
  if (root.kind === 'null') return { root: emptyObject, findings };
  if (root.kind !== 'object') {
    findings.push(
      syntax(`json: cannot unmarshal ${root.kind} into Go value of type map[string]interface {}`, true),
    );
    return { root: null, findings };
  }
  return { root, findings };
}

function syntax(message: string, refused: boolean): ConfigFinding {
  return { kind: 'syntax', keys: [], message, refused };
}

const releaseLabel = (v: Semver) => `dockerd ${v[0]}.${v[1]}`;

// ---------------------------------------------------------------------------------------------------------
// The validation proper

interface FlatEntry {
  readonly value: JsonNode;
  /** The top-level key this entry was flattened out of, or null. */
  readonly parent: string | null;
}

/** configValuesSet: objects one level down replace their parent unless the parent is a flat option. */
function flatten(
  root: Extract<JsonNode, { kind: 'object' }>,
  release: DockerdRelease,
): Map<string, FlatEntry> {
  const out = new Map<string, FlatEntry>();
  const last = lastMembers(root);
  for (const [key, value] of last) {
    if (value.kind === 'object' && !release.flatOptions.has(key)) {
      for (const [childKey, childValue] of lastMembers(value))
        out.set(childKey, { value: childValue, parent: key });
      continue;
    }
    out.set(key, { value, parent: null });
  }
  return out;
}

/** Go's map view of an object: one entry per key, the last occurrence's value, in first-seen order. */
function lastMembers(node: Extract<JsonNode, { kind: 'object' }>): Map<string, JsonNode> {
  const out = new Map<string, JsonNode>();
  for (const m of node.members) out.set(m.key, m.value);
  return out;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Keys accepted by another release, for "valid only from X" hints. */
function otherReleasesAccepting(key: string): string[] {
  return KNOWN_RELEASES.filter((tag) => releaseFor(tag).release.keys.has(key));
}

function seriesOf(tag: string): string {
  const v = parseVersion(tag);
  return v ? `${v[0]}.${v[1]}` : tag;
}

/** A record lookup that ignores inherited names such as "constructor" or "__proto__". */
const own = (record: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

function unknownHint(key: string, parent: string | null, release: DockerdRelease, v: Semver): string | null {
  const hints: string[] = [];
  if (parent !== null) {
    const parentSpec = release.keys.get(parent);
    const named = parentSpec?.flag
      ? [...release.keys.values()].find((k) => k.flag === parentSpec.flag && k.effective && k.name !== parent)
      : undefined;
    if (parentSpec && !parentSpec.effective) {
      hints.push(
        `inside "${parent}": dockerd flattens objects under names it does not read and checks their children${named ? `; did you mean "${named.name}"?` : ''}`,
      );
    } else if (parentSpec || parent === 'proxies') hints.push(`inside "${parent}"`);
    else hints.push(`inside "${parent}", which is not an option, so dockerd checks its children instead`);
  }
  const fiction = own(FICTION_HINTS, key);
  if (fiction) hints.push(fiction);
  else if (key === 'proxies')
    hints.push('"proxies" must be an object such as {"http-proxy": "...", "no-proxy": "..."}');
  else {
    if (release.rejectedAlthoughTagged.has(key))
      hints.push("dockerd's Config has this field, but its unknown-key check rejects it");
    const elsewhere = otherReleasesAccepting(key);
    if (elsewhere.length > 0) {
      const first = elsewhere[0]!;
      const lastTag = elsewhere[elsewhere.length - 1]!;
      const firstV = parseVersion(first)!;
      hints.push(
        compareVersions(firstV, v) > 0
          ? `accepted from dockerd ${seriesOf(first)} on`
          : `accepted only up to dockerd ${seriesOf(lastTag)}`,
      );
    }
    const lower = key.toLowerCase().replace(/_/g, '-');
    const near = [...release.keys.keys()].find((k) => k !== key && k === lower);
    if (near) hints.push(`did you mean "${near}"? keys are case-sensitive and use hyphens`);
    const long = own(SHORTHANDS, key);
    if (long) hints.push(`"${key}" is the shorthand of --${long}; the file needs the long name`);
  }
  return hints.length === 0 ? null : `${key}: ${hints.join('; ')}`;
}

/** The value pflag would print for a flag given these occurrences (Value.String()). */
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

interface Setting {
  readonly value: unknown;
  readonly origin: 'file' | 'flag' | 'default';
}

export function validateDaemonConfig(input: ValidateDaemonConfigInput): ValidateDaemonConfigResult {
  const { release, note } = releaseFor(input.serverVersion);
  const v: Semver =
    (input.serverVersion ? parseVersion(input.serverVersion) : null) ?? parseVersion(release.tag)!;
  const findings: ConfigFinding[] = [];
  const add = (kind: ConfigFindingKind, keys: readonly string[], message: string, refused: boolean) =>
    findings.push({ kind, keys: [...new Set(keys)], message, refused });

  const parsedArgs = input.args ? parseDockerdArgs(input.args, release) : null;
  const occurrences = new Map<string, FlagOccurrence[]>();
  for (const o of parsedArgs?.occurrences ?? [])
    occurrences.set(o.flag, [...(occurrences.get(o.flag) ?? []), o]);
  const explicitConfigFile = occurrences.get('config-file')?.at(-1)?.value ?? null;

  const decoded = decode(input, v, explicitConfigFile);
  findings.push(...decoded.findings);
  const root = decoded.root;
  if (!root) return { findings, releaseNote: note };

  // Duplicate keys: Go keeps the last value, so an earlier entry silently loses.
  for (const dup of duplicatePaths(root)) {
    add(
      'duplicate_key',
      [dup.path],
      `"${dup.path}" is set ${dup.count} times; dockerd keeps only the last value (${goFormat(plainValue(dup.last))})`,
      false,
    );
  }

  const top = lastMembers(root);
  const flat = flatten(root, release);

  // 1. Unknown directives.
  const isAccepted = (key: string) => release.keys.has(key) || key === 'help';
  const unknown = [...flat.keys()].filter((k) => !isAccepted(k)).sort(byName);
  if (unknown.length > 0) {
    const hints = unknown
      .map((k) => unknownHint(k, flat.get(k)!.parent, release, v))
      .filter((h) => h !== null);
    add(
      'unknown_key',
      unknown,
      `the following directives don't match any configuration option: ${unknown.join(', ')}${hints.length ? ` (${hints.join('; ')})` : ''}`,
      true,
    );
  }

  // 2. Directives given both as a flag and in the file (flags.Visit goes in name order).
  if (parsedArgs) {
    const conflicts: { key: string; text: string }[] = [];
    for (const flag of [...occurrences.keys()].sort(byName)) {
      const spec = release.flags.get(flag)!;
      const values = occurrences.get(flag)!.map((o) => o.value);
      const named = spec.key !== flag;
      const candidates = named
        ? [spec.key]
        : [flag, ...Object.keys(SHORTHANDS).filter((s) => SHORTHANDS[s] === flag)];
      for (const name of candidates) {
        const entry = flat.get(name);
        if (!entry || name === 'runtimes') continue;
        let flagText = flagString(spec.type, spec.isBool, values);
        let fileText = goFormat(plainValue(entry.value));
        if ((name === 'http-proxy' || name === 'https-proxy') && atLeast(v, V23)) {
          flagText = maskCredentials(flagText);
          fileText = maskCredentials(fileText);
        }
        conflicts.push({ key: name, text: `${name}: (from flag: ${flagText}, from file: ${fileText})` });
        break;
      }
    }
    // 28.0 migrated host-gateway-ip to host-gateway-ips; the old file key also conflicts with the flag.
    if (
      atLeast(v, V28) &&
      flat.has('host-gateway-ip') &&
      occurrences.has('host-gateway-ip') &&
      !conflicts.some((c) => c.key === 'host-gateway-ip')
    ) {
      const values = occurrences.get('host-gateway-ip')!.map((o) => o.value);
      conflicts.push({
        key: 'host-gateway-ip',
        text: `host-gateway-ip: (from flag: [${values.join(' ')}], from file: ${goFormat(plainValue(flat.get('host-gateway-ip')!.value))})`,
      });
    }
    if (conflicts.length > 0) {
      add(
        'flag_conflict',
        conflicts.map((c) => c.key),
        `the following directives are specified both as a flag and in the configuration file: ${conflicts.map((c) => c.text).join(', ')}`,
        true,
      );
    }
  }

  // 3. Decoding into Config: every occurrence of every top-level key the struct has.
  const badType = new Set<string>();
  const decodedKeys = configFieldKeys(release, v);
  for (const m of root.members) {
    const spec = release.keys.get(m.key);
    const tableType = spec?.type ?? (m.key === 'proxies' ? 'object' : null);
    if (tableType === null || !decodedKeys.has(m.key)) continue;
    const errors = decodeErrors(m.value, goTypeOf(m.key, tableType), `Config.${m.key}`);
    if (errors.length > 0) {
      badType.add(m.key);
      add('wrong_type', [m.key], [...new Set(errors)].join('; '), true);
    }
  }

  // Settings as dockerd ends up with them: file (well-typed), else flag, else default.
  const flagSetting = (key: string): Setting | undefined => {
    for (const [flag, occ] of occurrences) {
      const spec = release.flags.get(flag)!;
      if (spec.key !== key) continue;
      const values = occ.map((o) => o.value);
      if (spec.isBool) return { value: parseFlagBool(values[values.length - 1]!) ?? true, origin: 'flag' };
      if (spec.type.startsWith('array')) return { value: values, origin: 'flag' };
      if (spec.type === 'integer') return { value: Number(values[values.length - 1]), origin: 'flag' };
      return { value: values[values.length - 1], origin: 'flag' };
    }
    return undefined;
  };
  const fileSetting = (key: string): Setting | undefined => {
    const node = top.get(key);
    if (!node || badType.has(key) || node.kind === 'null' || !decodedKeys.has(key)) return undefined;
    return { value: plainValue(node), origin: 'file' };
  };
  const setting = (key: string, fallback?: unknown): Setting | undefined =>
    fileSetting(key) ??
    flagSetting(key) ??
    (fallback === undefined ? undefined : { value: fallback, origin: 'default' });
  /**
   * Booleans follow dockerd's merge: every boolean flag is re-Set from any (even nested) file entry of its
   * name, then a `true` in the file wins over the flag value.
   */
  const boolSetting = (key: string, fallback: boolean): Setting => {
    const file = fileSetting(key);
    if (file?.value === true) return file;
    const entry = flat.get(key);
    if (entry && !badType.has(key)) {
      const b = parseFlagBool(goFormat(plainValue(entry.value)));
      if (b !== null) return { value: b, origin: 'file' };
    }
    const flag = flagSetting(key);
    if (flag) return flag;
    return { value: fallback, origin: 'default' };
  };
  const fileString = (key: string): string | undefined => {
    const s = fileSetting(key);
    return typeof s?.value === 'string' ? s.value : undefined;
  };
  const fileInt = (key: string): number | undefined => {
    const s = fileSetting(key);
    return typeof s?.value === 'number' ? s.value : undefined;
  };
  const fileStrings = (key: string): string[] => {
    const s = fileSetting(key);
    return Array.isArray(s?.value)
      ? (s.value as unknown[]).filter((x): x is string => typeof x === 'string')
      : [];
  };
  const invalid = (keys: string[], message: string) => add('invalid_value', keys, message, true);

  // 4. Removed and deprecated options (checkDeprecatedOptions and friends).
  if (top.has('graph') && isAccepted('graph') && !badType.has('graph')) {
    if (atLeast(v, V23))
      add(
        'removed',
        ['graph'],
        'the "graph" config file option is deprecated; use "data-root" instead',
        true,
      );
    else if (top.has('data-root'))
      add(
        'invalid_value',
        ['graph', 'data-root'],
        'cannot specify both "graph" and "data-root" config file options',
        true,
      );
    else
      add(
        'deprecated',
        ['graph'],
        'The "graph" config file option is deprecated. Please use "data-root" instead.',
        false,
      );
  }
  const cluster = REMOVED_CLUSTER_KEYS.filter((k) => flat.has(k) && isAccepted(k));
  if (cluster.length > 0) {
    if (atLeast(v, V23)) {
      add(
        'removed',
        cluster,
        "Host-discovery and overlay networks with external k/v stores are deprecated. The 'cluster-advertise', 'cluster-store', and 'cluster-store-opt' options have been removed",
        true,
      );
    } else {
      add(
        'deprecated',
        cluster,
        `${cluster.join(', ')}: host-discovery and overlay networks with external k/v stores are deprecated (removed in 23.0; some builds, e.g. Debian's, already refuse the store backend at start)`,
        false,
      );
    }
  }
  if (flat.has('oom-score-adjust') && isAccepted('oom-score-adjust') && !badType.has('oom-score-adjust')) {
    const value = fileInt('oom-score-adjust') ?? 0;
    if (atLeast(v, V25) && value !== 0) {
      add(
        'removed',
        ['oom-score-adjust'],
        'DEPRECATED: The "oom-score-adjust" config parameter and the dockerd "--oom-score-adjust" options have been removed.',
        true,
      );
    } else if (atLeast(v, V24)) {
      add(
        'deprecated',
        ['oom-score-adjust'],
        'oom-score-adjust is deprecated (refused when non-zero from 25.0, unknown from 26.0)',
        false,
      );
    }
  }
  if (flat.has('api-cors-header') && isAccepted('api-cors-header') && atLeast(v, V27)) {
    add(
      'deprecated',
      ['api-cors-header'],
      'api-cors-header is deprecated and removed in 29.0; use a reverse proxy if CORS headers are needed',
      false,
    );
  }
  if (flat.has('allow-nondistributable-artifacts') && atLeast(v, V28) && !atLeast(v, V28_1)) {
    add(
      'deprecated',
      ['allow-nondistributable-artifacts'],
      'allow-nondistributable-artifacts is deprecated and has no effect from 28.1',
      false,
    );
  }
  for (const [key, entry] of flat) {
    const spec = release.keys.get(key);
    if (
      spec?.deprecated &&
      spec.effective &&
      !REMOVED_CLUSTER_KEYS.includes(key) &&
      !['graph', 'allow-nondistributable-artifacts', 'oom-score-adjust', 'api-cors-header'].includes(key)
    ) {
      add(
        'deprecated',
        [key],
        `${key} is deprecated in dockerd ${release.tag}${entry.parent ? ` (inside "${entry.parent}")` : ''}`,
        false,
      );
    }
  }

  // 5. Config.Validate() and the platform checks, on values the file sets.
  const logLevel = fileString('log-level');
  if (logLevel !== undefined && logLevel !== '') {
    const levels = ['panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'];
    if (!atLeast(v, V25)) levels.push('warning');
    if (!levels.includes(logLevel.toLowerCase())) {
      invalid(
        ['log-level'],
        atLeast(v, V23) ? `invalid logging level: ${logLevel}` : `unable to parse logging level: ${logLevel}`,
      );
    }
  }
  const logFormat = fileString('log-format');
  if (logFormat !== undefined && logFormat !== '' && logFormat !== 'text' && logFormat !== 'json') {
    invalid(['log-format'], `invalid log format: ${logFormat}`);
  }
  if (!badType.has('dns')) {
    for (const d of fileStrings('dns')) {
      const err = ipAddressError(d);
      if (err) invalid(['dns'], err);
    }
  }
  for (const d of fileStrings('dns-search')) {
    const err = dnsSearchError(d);
    if (err) invalid(['dns-search'], err);
  }
  for (const l of fileStrings('labels')) {
    const err = labelError(l);
    if (err) invalid(['labels'], err);
  }
  const labelsSetting = setting('labels');
  if (Array.isArray(labelsSetting?.value) && labelsSetting.origin === 'file') {
    const err = labelConflictError(labelsSetting.value as string[]);
    if (err) invalid(['labels'], err);
  }
  const negative: [string, string][] = [
    ['max-concurrent-downloads', 'invalid max concurrent downloads'],
    ['max-concurrent-uploads', 'invalid max concurrent uploads'],
    ['max-download-attempts', 'invalid max download attempts'],
  ];
  if (atLeast(v, V23)) negative.push(['mtu', 'invalid default MTU']);
  for (const [key, text] of negative) {
    const n = fileInt(key);
    if (n !== undefined && n < 0) invalid([key], `${text}: ${n}`);
  }
  const diagPort = fileInt('network-diagnostic-port');
  if (atLeast(v, V29) && diagPort !== undefined && (diagPort < 0 || diagPort > 65535)) {
    invalid(
      ['network-diagnostic-port'],
      `invalid network-diagnostic-port (${diagPort}): value must be between 0 and 65535`,
    );
  }
  const stopTimeout = fileInt('default-stop-timeout');
  if (stopTimeout !== undefined && stopTimeout < 0)
    invalid(['default-stop-timeout'], `invalid default stop timeout: ${stopTimeout}`);
  for (const g of fileStrings('node-generic-resources')) {
    const err = genericResourceError(g);
    if (err) invalid(['node-generic-resources'], err);
  }
  for (const h of fileStrings('hosts')) {
    const err = daemonHostError(h);
    if (err) invalid(['hosts'], atLeast(v, V23) ? err : `error parsing -H ${h}: ${err}`);
  }
  for (const m of fileStrings('registry-mirrors')) {
    const err = mirrorError(m);
    if (err) invalid(['registry-mirrors'], err);
  }
  const ipc = fileString('default-ipc-mode');
  if (ipc !== undefined) {
    const err = defaultIpcModeError(ipc);
    if (err) invalid(['default-ipc-mode'], err);
  }
  const cgroupns = fileString('default-cgroupns-mode');
  if (cgroupns !== undefined) {
    const err = defaultCgroupnsModeError(cgroupns, atLeast(v, V25));
    if (err) invalid(['default-cgroupns-mode'], err);
  }
  const fixedV6 = fileString('fixed-cidr-v6');
  if (atLeast(v, V25) && fixedV6 !== undefined && fixedV6 !== '' && !parseCidr(fixedV6)?.v6) {
    invalid(['fixed-cidr-v6'], `invalid fixed-cidr-v6: ${fixedV6} is not an IPv6 subnet`);
  }
  const firewall = fileString('firewall-backend');
  if (firewall !== undefined && !['', 'iptables', 'nftables'].includes(firewall)) {
    invalid(['firewall-backend'], 'invalid firewall-backend: allowed values are "iptables" and "nftables"');
  }
  const fwmark = fileString('bridge-accept-fwmark');
  if (fwmark !== undefined && fwmark !== '') {
    const [mark = '', mask] = fwmark.split('/', 2);
    const ok = (s: string) => /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(s) && Number(s) <= 0xffffffff;
    if (!ok(mark) || (mask !== undefined && !ok(mask)))
      invalid(['bridge-accept-fwmark'], `invalid bridge-accept-fwmark: invalid firewall mark "${fwmark}"`);
  }
  const userlandProxy = boolSetting('userland-proxy', true);
  const proxyPath = fileString('userland-proxy-path');
  if (
    atLeast(v, V25) &&
    userlandProxy.value === true &&
    proxyPath !== undefined &&
    proxyPath !== '' &&
    !proxyPath.startsWith('/')
  ) {
    invalid(['userland-proxy-path'], `invalid userland-proxy-path: must be an absolute path: ${proxyPath}`);
  }
  const seccomp = fileString('seccomp-profile');
  if (seccomp !== undefined && !atLeast(v, V23) && (seccomp === 'builtin' || seccomp === 'unconfined')) {
    invalid(
      ['seccomp-profile'],
      `opening seccomp profile (${seccomp}) failed: open ${seccomp}: no such file or directory (${releaseLabel(v)} reads seccomp-profile as a file path; "builtin" and "unconfined" are special values from 23.0)`,
    );
  }
  const execOpts = setting('exec-opts');
  const execList = Array.isArray(execOpts?.value) ? (execOpts.value as string[]) : [];
  if (execOpts?.origin === 'file') {
    if (atLeast(v, V29)) {
      for (const o of execList) {
        const err = execOptError(o);
        if (err) invalid(['exec-opts'], err);
      }
    }
    const driver = cgroupDriverOf(execList);
    const err = driver === null ? null : cgroupDriverError(driver);
    if (err) invalid(['exec-opts'], err);
  }
  // Runtimes: the reserved name, and a default runtime that must exist.
  const runtimes = fileSetting('runtimes');
  const runtimeNames =
    runtimes && typeof runtimes.value === 'object' && runtimes.value !== null
      ? Object.keys(runtimes.value)
      : [];
  if (runtimeNames.includes('runc')) invalid(['runtimes'], "runtime name 'runc' is reserved");
  const defaultRuntime = setting('default-runtime');
  if (
    typeof defaultRuntime?.value === 'string' &&
    defaultRuntime.value !== '' &&
    (defaultRuntime.origin === 'file' || runtimes)
  ) {
    const name = defaultRuntime.value;
    const builtin =
      name === 'runc' ||
      name === 'io.containerd.runc.v2' ||
      (atLeast(v, V25) && /^io\.containerd\.[^.]+\.v\d+$/.test(name));
    if (!builtin && !runtimeNames.includes(name)) {
      invalid(
        ['default-runtime', ...(runtimes ? ['runtimes'] : [])],
        `specified default runtime '${name}' does not exist`,
      );
    }
  }
  if (!badType.has('default-address-pools')) {
    const pools = fileSetting('default-address-pools')?.value;
    for (const p of Array.isArray(pools) ? pools : []) {
      const base = (p as Record<string, unknown> | null)?.base;
      if (typeof base === 'string' && !parseCidr(base)) {
        invalid(
          ['default-address-pools'],
          `Error initializing network controller: invalid base pool "${base}": invalid CIDR address: ${base}`,
        );
      }
    }
  }
  if (atLeast(v, V28) && top.has('host-gateway-ip') && top.has('host-gateway-ips')) {
    invalid(
      ['host-gateway-ip', 'host-gateway-ips'],
      'host-gateway-ip and host-gateway-ips must not both be specified in the config file',
    );
  }
  // "validate" is a boolean flag, so dockerd re-Sets it from the file: 23.0+ then validates and exits.
  const validate = flat.get('validate');
  if (validate && isAccepted('validate') && parseFlagBool(goFormat(plainValue(validate.value))) === true) {
    add(
      'invalid_value',
      ['validate'],
      '"validate": true turns on dockerd\'s --validate switch (boolean flags are re-set from the file), so dockerd prints "configuration OK" and exits instead of starting (code reading)',
      true,
    );
  }

  // 6. Start-up checks (verifyDaemonSettings, API server setup); reported when the file takes part.
  const fromFile = (...s: Setting[]) => s.some((x) => x.origin === 'file');
  const where = (key: string, s: Setting) =>
    `${key}=${goFormat(s.value)} from ${s.origin === 'file' ? 'daemon.json' : s.origin === 'flag' ? 'the command line' : 'the default'}`;
  const icc = boolSetting('icc', true);
  const iptables = boolSetting('iptables', true);
  const ipv6 = boolSetting('ipv6', false);
  const ip6tables = boolSetting('ip6tables', atLeast(v, V27));
  const experimental = boolSetting('experimental', false);
  const startup = (keys: string[], message: string, settings: Setting[]) => {
    if (fromFile(...settings)) add('startup_conflict', keys, message, true);
  };
  const containerdNs = setting('containerd-namespace', 'moby')!;
  const pluginsNs = flagSetting('containerd-plugins-namespace') ?? {
    value: 'plugins.moby',
    origin: 'default' as const,
  };
  if (containerdNs.value === pluginsNs.value) {
    startup(
      ['containerd-namespace', 'containerd-plugins-namespace'],
      `containers namespace and plugins namespace cannot be the same (${where('containerd-namespace', containerdNs)}, ${where('containerd-plugins-namespace', pluginsNs)})`,
      [containerdNs, pluginsNs],
    );
  }
  const bridge = setting('bridge');
  const bip = setting('bip');
  if (
    typeof bridge?.value === 'string' &&
    bridge.value !== '' &&
    typeof bip?.value === 'string' &&
    bip.value !== ''
  ) {
    startup(
      ['bridge', 'bip'],
      `You specified -b & --bip, mutually exclusive options. Please specify only one (${where('bridge', bridge)}, ${where('bip', bip)})`,
      [bridge, bip],
    );
  }
  const bip6 = atLeast(v, V28) ? setting('bip6') : undefined;
  if (
    typeof bridge?.value === 'string' &&
    bridge.value !== '' &&
    typeof bip6?.value === 'string' &&
    bip6.value !== ''
  ) {
    startup(
      ['bridge', 'bip6'],
      `You specified -b & --bip6, mutually exclusive options. Please specify only one (${where('bridge', bridge)}, ${where('bip6', bip6)})`,
      [bridge, bip6],
    );
  }
  if (icc.value === false && iptables.value === false) {
    startup(
      ['icc', 'iptables'],
      `You specified --iptables=false with --icc=false. ICC=false uses iptables to function. Please set --icc or --iptables to true (${where('icc', icc)}, ${where('iptables', iptables)})`,
      [icc, iptables],
    );
  }
  if (atLeast(v, V28) && icc.value === false && ipv6.value === true && ip6tables.value === false) {
    startup(
      ['icc', 'ipv6', 'ip6tables'],
      `You specified --ip6tables=false with --icc=false. ICC=false uses ip6tables to function. Please set --icc or --ip6tables to true (${where('icc', icc)}, ${where('ip6tables', ip6tables)})`,
      [icc, ipv6, ip6tables],
    );
  }
  if (!atLeast(v, V27) && ip6tables.value === true && experimental.value !== true) {
    startup(
      ['ip6tables', 'experimental'],
      `ip6tables rules are only available if experimental features are enabled (${where('ip6tables', ip6tables)}, ${where('experimental', experimental)})`,
      [ip6tables, experimental],
    );
  } else if (!atLeast(v, V27) && ip6tables.value === true && iptables.value === false) {
    // Before 27.0 libnetwork builds the ip6tables chains through the iptables switch.
    startup(
      ['ip6tables', 'iptables'],
      `Error initializing network controller: error obtaining controller instance: cannot create new chains, EnableIPTable is disabled (${where('ip6tables', ip6tables)}, ${where('iptables', iptables)})`,
      [ip6tables, iptables],
    );
  }
  const cgroupParent = setting('cgroup-parent');
  const driverSetting = execOpts && cgroupDriverOf(execList) !== null ? execOpts : undefined;
  if (
    typeof cgroupParent?.value === 'string' &&
    cgroupParent.value !== '' &&
    driverSetting &&
    cgroupDriverOf(execList) === 'systemd'
  ) {
    const p = cgroupParent.value;
    if (p.length <= 6 || !p.endsWith('.slice')) {
      startup(
        ['cgroup-parent', 'exec-opts'],
        `cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice" (${where('cgroup-parent', cgroupParent)}, native.cgroupdriver=systemd from ${driverSetting.origin === 'file' ? 'daemon.json' : 'the command line'})`,
        [cgroupParent, driverSetting],
      );
    }
  }
  // TLS: tlsverify set anywhere turns TLS on; TLS then needs a key pair (dockerd falls back to
  // ~/.docker/{cert,key}.pem or $DOCKER_CERT_PATH and refuses to start when those are missing too).
  const tlsverifySet = fileSetting('tlsverify') ?? flagSetting('tlsverify');
  const tlsSetting = tlsverifySet ? { value: true, origin: tlsverifySet.origin } : boolSetting('tls', false);
  if (tlsSetting.value === true) {
    // An empty path is Go's zero value: the merge then keeps the flag default (~/.docker/...).
    const isSet = (s: Setting | undefined) =>
      typeof s?.value === 'string' && s.value !== '' ? s : undefined;
    const cert = isSet(fileSetting('tlscert')) ?? isSet(flagSetting('tlscert'));
    const key = isSet(fileSetting('tlskey')) ?? isSet(flagSetting('tlskey'));
    if (!cert || !key) {
      const missing = [!cert ? 'tlscert' : null, !key ? 'tlskey' : null].filter(
        (k): k is string => k !== null,
      );
      startup(
        [tlsverifySet ? 'tlsverify' : 'tls', ...missing],
        `TLS is on (${tlsverifySet ? where('tlsverify', tlsverifySet) + ', which turns TLS on' : where('tls', tlsSetting)}) but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: dockerd falls back to ~/.docker/cert.pem and key.pem and refuses to start without them ("Could not load X509 key pair")`,
        [tlsSetting, ...(tlsverifySet ? [tlsverifySet] : [])],
      );
    }
  }

  // 7. Keys dockerd accepts but never reads.
  const ignored: { key: string; why: string }[] = [];
  for (const [key, entry] of flat) {
    if (!isAccepted(key)) continue;
    const spec = release.keys.get(key);
    if (entry.parent === 'proxies' && atLeast(v, V23)) continue;
    if (key === 'validate' && findings.some((f) => f.keys.includes('validate'))) continue;
    const where = entry.parent ? ` (inside "${entry.parent}")` : '';
    if (key === 'help' || (spec && !spec.effective)) {
      const named = spec?.flag
        ? [...release.keys.values()].find((k) => k.flag === spec.flag && k.effective && k.name !== key)
        : undefined;
      const why =
        own(SWITCH_HINTS, key) ?? (named ? `dockerd reads "${named.name}"` : 'dockerd never reads it');
      ignored.push({ key, why: `${key}${where}: ${why}` });
    } else if (entry.parent === null && ['http-proxy', 'https-proxy', 'no-proxy'].includes(key)) {
      ignored.push({ key, why: `${key}: dockerd reads it only inside "proxies": {...}` });
    } else if (key === 'deprecated-key-path' && atLeast(v, V24)) {
      ignored.push({ key, why: `${key}: accepted for compatibility but unused since 24.0` });
    } else if (key === 'allow-nondistributable-artifacts' && atLeast(v, V28_1)) {
      ignored.push({ key, why: `${key}: accepted for compatibility but a no-op since 28.1` });
    }
  }
  for (const [key, node] of top) {
    if (node.kind !== 'object' || release.flatOptions.has(key) || decodedKeys.has(key)) continue;
    if (release.keys.has(key) && !release.keys.get(key)!.effective) {
      // e.g. "log-opt": {...}: its children were judged above; say where the object belongs.
      const named = [...release.keys.values()].find(
        (k) => k.flag === release.keys.get(key)!.flag && k.effective && k.name !== key,
      );
      ignored.push({
        key,
        why: `${key}: an object under this name is never read${named ? `; dockerd reads "${named.name}"` : ''}`,
      });
      continue;
    }
    if (key === 'proxies') {
      ignored.push({
        key,
        why: `proxies: read from dockerd 23.0 on; ${releaseLabel(v)} ignores the object and checks its children as top-level keys`,
      });
      continue;
    }
    const children = [...lastMembers(node).keys()];
    const live = children.filter((c) => isAccepted(c));
    const bools = live.filter((c) => release.keys.get(c)?.type === 'bool');
    ignored.push({
      key,
      why: `${key}: not a configuration option; dockerd only checks its children${children.length ? ` (${children.join(', ')})` : ''} against its options and ignores the object${bools.length ? `, except that boolean children (${bools.join(', ')}) still change the flag of that name` : ''}`,
    });
  }
  if (ignored.length > 0) {
    const keys = [...new Set(ignored.map((i) => i.key))];
    add(
      'ignored_key',
      keys,
      `dockerd accepts but ignores ${keys.length === 1 ? 'this key' : 'these keys'}: ${ignored.map((i) => i.why).join('; ')}`,
      false,
    );
  }

  return { findings, releaseNote: note };
}

/** Top-level keys decoded into Config (json tags) for this release; effective keys of the table plus proxies. */
function configFieldKeys(release: DockerdRelease, v: Semver): Set<string> {
  const out = new Set<string>();
  for (const spec of release.keys.values()) if (spec.effective) out.add(spec.name);
  for (const k of ['http-proxy', 'https-proxy', 'no-proxy']) out.delete(k);
  if (atLeast(v, V23)) out.add('proxies');
  if (atLeast(v, V24)) out.delete('deprecated-key-path');
  if (atLeast(v, V28_1)) out.delete('allow-nondistributable-artifacts');
  return out;
}

function duplicatePaths(root: JsonNode, prefix = ''): { path: string; count: number; last: JsonNode }[] {
  const out: { path: string; count: number; last: JsonNode }[] = [];
  if (root.kind === 'object') {
    const groups = new Map<string, JsonNode[]>();
    for (const m of root.members) groups.set(m.key, [...(groups.get(m.key) ?? []), m.value]);
    for (const [key, values] of groups) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (values.length > 1) out.push({ path, count: values.length, last: values[values.length - 1]! });
      for (const value of values) out.push(...duplicatePaths(value, path));
    }
  }
  return out;
}
