// What config_valid reports: one finding per problem, naming the daemon.json keys involved.

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

export function finding(
  kind: ConfigFindingKind,
  keys: readonly string[],
  message: string,
  refused: boolean,
): ConfigFinding {
  return { kind, keys: [...new Set(keys)], message, refused };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** dockerd's own wording does not always name the key ("invalid size: ..."): then the keys lead the message. */
export function namingItsKeys(f: ConfigFinding): ConfigFinding {
  const named = (key: string) => new RegExp(`(^|[^\\w-])${escapeRegExp(key)}([^\\w-]|$)`).test(f.message);
  if (f.keys.every(named)) return f;
  return { ...f, message: `${f.keys.join(', ')}: ${f.message}` };
}
