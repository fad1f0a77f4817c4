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

/** Findings whose message is built by listing every one of their keys ("k1, k2" or "k1: ...; k2: ..."). */
const LISTS_EVERY_KEY = new Set<ConfigFindingKind>(['unknown_key', 'ignored_key']);

const isWordChar = (c: string | undefined) => c !== undefined && /[\w-]/.test(c);

/** Whether `key` occurs in `message` with no word character or hyphen on either side. */
function namesKey(message: string, key: string): boolean {
  if (key === '') return /(^|[^\w-])([^\w-]|$)/.test(message);
  for (let at = message.indexOf(key); at !== -1; at = message.indexOf(key, at + 1)) {
    if (!isWordChar(message[at - 1]) && !isWordChar(message[at + key.length])) return true;
  }
  return false;
}

/** dockerd's own wording does not always name the key ("invalid size: ..."): then the keys lead the message. */
export function namingItsKeys(f: ConfigFinding): ConfigFinding {
  // Those can hold tens of thousands of keys: checking each against the message was quadratic.
  if (LISTS_EVERY_KEY.has(f.kind)) return f;
  // A key of word characters and hyphens is named when it is one of the message's maximal runs of them.
  let words: Set<string> | null = null;
  const named = (key: string) => {
    if (/^[\w-]+$/.test(key)) {
      words ??= new Set(f.message.split(/[^\w-]+/));
      return words.has(key);
    }
    return namesKey(f.message, key);
  };
  if (f.keys.every(named)) return f;
  return { ...f, message: `${f.keys.join(', ')}: ${f.message}` };
}
