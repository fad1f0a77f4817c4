// daemon.json decoded as the running release decodes it: before 23.0 with json.Decoder (no BOM, an empty
// file is EOF, content after the object is ignored), from 23.0 with json.Unmarshal after BOM handling.
import { type JsonNode, scanJson } from '../../facts/daemonJson.js';
import type { Semver } from '../../facts/dockerd/releases.js';
import type { JsonParseError } from '../../facts/types.js';
import { type ConfigFinding, finding } from './findings.js';
import { atLeast, releaseLabel, V23, V28 } from './releaseRules.js';

export type ObjectNode = Extract<JsonNode, { kind: 'object' }>;

export interface DecodeInput {
  /** The file text; null when the file does not exist. */
  readonly text: string | null;
  /** Used only without text: a non-empty object is validated as it is, otherwise the file is missing. */
  readonly parsed: Readonly<Record<string, unknown>> | null;
  readonly parseError: JsonParseError | null;
  /** The file had a UTF-16 byte order mark and `text` is its decoded content. */
  readonly encoding?: 'utf-16le' | 'utf-16be';
  /** Byte offset of the first invalid UTF-8 sequence of the file, if any. */
  readonly invalidUtf8Offset?: number | null;
}

export interface Decoded {
  /** The top-level object, or null when dockerd would stop at decoding. */
  readonly root: ObjectNode | null;
  readonly findings: readonly ConfigFinding[];
}

const EMPTY: ObjectNode = { kind: 'object', offset: 0, members: [] };

export function nodeOf(value: unknown): JsonNode {
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
const syntax = (message: string, refused: boolean, keys: string[] = []) =>
  finding('syntax', keys, message, refused);

/**
 * @param explicitConfigFile the --config-file value dockerd runs with, if any: a missing file is then an
 * error instead of an empty configuration.
 */
export function decodeForRelease(input: DecodeInput, v: Semver, explicitConfigFile: string | null): Decoded {
  const { text } = input;
  if (text === null) {
    if (input.parseError) {
      const e = input.parseError;
      return { root: null, findings: [syntax(`${e.message} (${at(e)})`, true)] };
    }
    if (input.parsed && Object.keys(input.parsed).length > 0)
      return { root: nodeOf(input.parsed) as ObjectNode, findings: [] };
    if (explicitConfigFile !== null) {
      return {
        root: null,
        findings: [
          finding(
            'invalid_value',
            ['config-file'],
            `dockerd was started with --config-file=${explicitConfigFile}, which does not exist; dockerd refuses to start without it (open ${explicitConfigFile}: no such file or directory)`,
            true,
          ),
        ],
      };
    }
    return { root: EMPTY, findings: [] };
  }

  const modern = atLeast(v, V23);
  if (input.encoding) {
    // 23.0 decodes a file with a UTF-16 byte order mark (unicode.BOMOverride); `text` is that decoded content.
    if (!modern) {
      return {
        root: null,
        findings: [
          syntax(
            `invalid character 'ÿ' looking for beginning of value (line 1, column 1): the file is ${input.encoding.toUpperCase()} with a byte order mark, which dockerd 23.0+ decodes but ${releaseLabel(v)} refuses; save it as UTF-8`,
            true,
          ),
        ],
      };
    }
  } else if (input.invalidUtf8Offset != null && atLeast(v, V28)) {
    // Measured: 26.1.5 lets Go's JSON decoder replace invalid bytes in strings with U+FFFD; 28.5.2 refuses
    // the file before decoding it. 27.x was not measured and is taken to behave like 26.1.
    return {
      root: null,
      findings: [
        syntax(
          `failed to decode configuration JSON at offset ${input.invalidUtf8Offset}: encoding: invalid UTF-8 (${releaseLabel(v)} refuses a file that is not valid UTF-8)`,
          true,
        ),
      ],
    };
  }
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
    return modern
      ? { root: EMPTY, findings: [] }
      : {
          root: null,
          findings: [
            syntax(`EOF: the file is empty, which ${releaseLabel(v)} refuses (23.0+ reads it as {})`, true),
          ],
        };
  }
  if (/^(\uFFFD\uFFFD|[^\0]\0[^\0]\0|\0[^\0]\0[^\0])/.test(body)) {
    // Without a byte order mark every release reads the bytes as UTF-8, and the NUL bytes are not JSON.
    const message = modern
      ? 'the file looks UTF-16 encoded without a byte order mark: dockerd reads it as UTF-8 and refuses it (only UTF-16 with a byte order mark is decoded, from 23.0); save it as UTF-8'
      : `the file looks UTF-16 encoded, which ${releaseLabel(v)} cannot read: save it as UTF-8`;
    return { root: null, findings: [syntax(message, true)] };
  }

  const scanned = scanJson(body);
  if (scanned.error) {
    const e = scanned.error;
    const message = scanned.truncated && !modern ? 'unexpected EOF' : e.message;
    const near = scanned.errorKey === null ? '' : ` (after key "${scanned.errorKey}")`;
    return {
      root: null,
      findings: [
        syntax(`${message} at ${at(e)}${near}`, true, scanned.errorKey === null ? [] : [scanned.errorKey]),
      ],
    };
  }
  const findings: ConfigFinding[] = [];
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
  const root = scanned.root!;
  // A top-level null leaves Go's map empty: dockerd starts with its defaults.
  if (root.kind === 'null') return { root: EMPTY, findings };
  if (root.kind !== 'object') {
    findings.push(
      syntax(`json: cannot unmarshal ${root.kind} into Go value of type map[string]interface {}`, true),
    );
    return { root: null, findings };
  }
  return { root, findings };
}
