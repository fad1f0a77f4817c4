// The YAML side of the web config (webConfig.ts): walks the document node by node into a WebConfig, with the
// toolkit's acceptance and rejection rules. Loaded by loadWebConfig only when there is a file to read.
import { isAbsolute, resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import {
  ALLOWED_HEADERS,
  bcryptHashProblem,
  CIPHER_SUITES,
  CLIENT_AUTH_TYPES,
  type ClientAuthType,
  CURVES,
  type PemSource,
  parseGoDuration,
  type TlsServerConfig,
  type WebConfig,
  WebConfigError,
} from './webConfig.js';

const TLS_VERSIONS: Record<string, SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};
const VERSION_ORDER: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

// YAML walking. We walk nodes instead of using toJS() so that (1) unknown keys carry a line number,
// (2) scalars destined for string fields keep their source text, as yaml.v2 does (`X-XSS-Protection: 1`
// is the string "1", `on` stays "on"), and (3) YAML 1.1 booleans (yes/no/on/off) work for bool fields.

class Reader {
  constructor(
    private readonly doc: ReturnType<typeof parseDocument>,
    private readonly lines: LineCounter,
  ) {}

  resolve(node: unknown): Node | null {
    if (node == null) return null;
    const n = isAlias(node) ? node.resolve(this.doc) : (node as Node);
    if (n == null) return null;
    if (isScalar(n) && n.value == null) return null;
    return n;
  }

  where(node: unknown): string {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (!range) return '';
    const { line } = this.lines.linePos(range[0]);
    return `line ${line}: `;
  }

  fail(node: unknown, field: string, msg: string): never {
    throw new WebConfigError(`${this.where(node)}${field}: ${msg}`);
  }

  /** Entries of a mapping; unknown keys are errors when `known` is given (yaml.UnmarshalStrict). */
  map(node: unknown, field: string, known?: readonly string[]): Array<[string, unknown, unknown]> {
    const n = this.resolve(node);
    if (n == null) return [];
    if (!isMap(n)) this.fail(node, field, `expected a mapping, got ${kindOf(n)}`);
    const out: Array<[string, unknown, unknown]> = [];
    for (const pair of (n as YAMLMap).items) {
      const keyNode = this.resolve(pair.key);
      if (keyNode == null || !isScalar(keyNode))
        this.fail(pair.key ?? n, field, 'mapping keys must be scalars');
      const key = scalarText(keyNode);
      if (known && !known.includes(key)) {
        const path = field === '' ? key : `${field}.${key}`;
        this.fail(pair.key, path, `field ${key} not found (known fields: ${known.join(', ')})`);
      }
      out.push([key, pair.value, pair.key]);
    }
    return out;
  }

  string(node: unknown, field: string): string {
    const n = this.resolve(node);
    if (n == null) return '';
    if (!isScalar(n)) this.fail(node, field, `expected a string, got ${kindOf(n)}`);
    return scalarText(n);
  }

  bool(node: unknown, field: string): boolean {
    const n = this.resolve(node);
    // yaml.v2 sets a bool field to its zero value on an explicit null.
    if (n == null) return false;
    if (!isScalar(n) || typeof n.value !== 'boolean') {
      this.fail(
        node,
        field,
        `expected true or false, got ${isScalar(n) ? JSON.stringify(scalarText(n)) : kindOf(n)}`,
      );
    }
    return n.value as boolean;
  }

  int(node: unknown, field: string): number {
    const n = this.resolve(node);
    if (n == null) return 0;
    if (!isScalar(n) || typeof n.value !== 'number' || !Number.isInteger(n.value)) {
      this.fail(
        node,
        field,
        `expected an integer, got ${isScalar(n) ? JSON.stringify(scalarText(n)) : kindOf(n)}`,
      );
    }
    return n.value as number;
  }

  strings(node: unknown, field: string): string[] {
    const n = this.resolve(node);
    if (n == null) return [];
    if (!isSeq(n)) this.fail(node, field, `expected a list, got ${kindOf(n)}`);
    return n.items.map((item, i) => this.string(item, `${field}[${i}]`));
  }
}

function scalarText(n: { value: unknown; source?: string }): string {
  if (n.value == null) return '';
  if (typeof n.value === 'string') return n.value;
  return n.source ?? String(n.value);
}

function kindOf(n: Node): string {
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  return 'a scalar';
}

function joinDir(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'] as const;
const TLS_KEYS = [
  'cert',
  'key',
  'client_ca',
  'cert_file',
  'key_file',
  'client_auth_type',
  'client_ca_file',
  'cipher_suites',
  'curve_preferences',
  'min_version',
  'max_version',
  'prefer_server_cipher_suites',
  'client_allowed_sans',
] as const;
const HTTP_KEYS = ['http2', 'headers'] as const;
const RATE_LIMIT_KEYS = ['burst', 'interval'] as const;

/**
 * Parses and validates a web config. Relative paths resolve against baseDir (the config file's
 * directory, as the toolkit's SetDirectory does). No file is read: see loadTlsSettings for that.
 */
export function parseWebConfig(yamlText: string, baseDir: string): WebConfig {
  const lines = new LineCounter();
  // YAML 1.1 because the toolkit parses with go-yaml v2 (yes/no/on/off booleans).
  const doc = parseDocument(yamlText, { version: '1.1', lineCounter: lines, uniqueKeys: true, merge: false });
  if (doc.errors.length > 0) {
    throw new WebConfigError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  const r = new Reader(doc, lines);
  const warnings: string[] = [];
  const config: WebConfig = {
    http: { http2: true, headers: {} },
    basicAuthUsers: new Map(),
    warnings,
  };

  for (const [key, value] of r.map(doc.contents, '', TOP_KEYS)) {
    switch (key) {
      case 'tls_server_config': {
        const tls = parseTls(r, value, baseDir, warnings);
        if (tls) config.tls = tls;
        break;
      }
      case 'http_server_config':
        for (const [k, v] of r.map(value, key, HTTP_KEYS)) {
          if (k === 'http2') config.http.http2 = r.bool(v, `${key}.http2`);
          else config.http.headers = parseHeaders(r, v);
        }
        break;
      case 'basic_auth_users':
        for (const [user, v, keyNode] of r.map(value, key)) {
          const hash = r.string(v, `${key}.${user}`);
          const problem = bcryptHashProblem(hash);
          if (problem) r.fail(keyNode, `${key}.${user}`, problem);
          config.basicAuthUsers.set(user, hash);
        }
        break;
      case 'rate_limit': {
        let intervalMs = 0;
        let burst = 0;
        for (const [k, v] of r.map(value, key, RATE_LIMIT_KEYS)) {
          if (k === 'burst') {
            burst = r.int(v, `${key}.burst`);
            if (burst < 0) r.fail(v, `${key}.burst`, 'must not be negative');
          } else {
            const n = r.resolve(v);
            const text = n == null ? '0' : r.string(v, `${key}.interval`);
            try {
              intervalMs = parseGoDuration(text);
            } catch (err) {
              r.fail(v, `${key}.interval`, (err as Error).message);
            }
          }
        }
        // golang.org/x/time/rate: a non-positive interval means an infinite rate, i.e. no limit.
        if (intervalMs > 0) {
          if (burst === 0) {
            warnings.push('rate_limit.burst is 0: every request is answered 429, as with the toolkit');
          }
          config.rateLimit = { intervalMs, burst };
        }
        break;
      }
    }
  }
  return config;
}

function parseHeaders(r: Reader, node: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, v, keyNode] of r.map(node, 'http_server_config.headers')) {
    const field = `http_server_config.headers.${name}`;
    if (!Object.hasOwn(ALLOWED_HEADERS, name)) {
      r.fail(
        keyNode,
        field,
        `HTTP header "${name}" can not be configured (allowed: ${Object.keys(ALLOWED_HEADERS).join(', ')})`,
      );
    }
    const value = r.string(v, field);
    const allowed = ALLOWED_HEADERS[name];
    if (allowed && !allowed.includes(value)) {
      r.fail(
        v ?? keyNode,
        field,
        `invalid value for ${name}. Expected one of: ${allowed.map((a) => `"${a}"`).join(' ')}, but got: "${value}"`,
      );
    }
    headers[name] = value;
  }
  return headers;
}

function parseTls(
  r: Reader,
  node: unknown,
  baseDir: string,
  warnings: string[],
): TlsServerConfig | undefined {
  const f = 'tls_server_config';
  const s: Record<string, string> = {};
  let minVersion: SecureVersion = 'TLSv1.2';
  let maxVersion: SecureVersion = 'TLSv1.3';
  let cipherSuites: string[] = [];
  let curves: string[] = [];
  let prefer = true;
  let sans: string[] | undefined;
  let clientAuthNode: unknown;

  for (const [key, value] of r.map(node, f, TLS_KEYS)) {
    const field = `${f}.${key}`;
    switch (key) {
      case 'min_version':
      case 'max_version': {
        if (r.resolve(value) == null) break;
        const text = r.string(value, field);
        const v = TLS_VERSIONS[text];
        if (!v)
          r.fail(
            value,
            field,
            `unknown TLS version: ${text} (expected one of ${Object.keys(TLS_VERSIONS).join(', ')})`,
          );
        if (key === 'min_version') minVersion = v;
        else maxVersion = v;
        break;
      }
      case 'cipher_suites':
        cipherSuites = r.strings(value, field);
        for (const c of cipherSuites) {
          if (!Object.hasOwn(CIPHER_SUITES, c)) r.fail(value, field, `unknown cipher: ${c}`);
        }
        break;
      case 'curve_preferences':
        curves = r.strings(value, field);
        for (const c of curves) {
          if (!Object.hasOwn(CURVES, c)) r.fail(value, field, `unknown curve: ${c}`);
        }
        break;
      case 'prefer_server_cipher_suites':
        prefer = r.bool(value, field);
        break;
      case 'client_allowed_sans':
        sans = r.strings(value, field);
        break;
      default:
        if (key === 'client_auth_type') clientAuthNode = value;
        s[key] = r.string(value, field);
    }
  }

  // The toolkit's IsEnabled(): any certificate or client-auth field switches TLS on.
  const enabled = [
    'cert',
    'key',
    'cert_file',
    'key_file',
    'client_ca',
    'client_ca_file',
    'client_auth_type',
  ].some((k) => (s[k] ?? '') !== '');
  if (!enabled) {
    if (r.resolve(node) != null) warnings.push('tls_server_config sets no certificate: serving plain HTTP');
    return undefined;
  }
  if (!s.cert_file && !s.cert) throw new WebConfigError(`${f}: missing one of cert or cert_file`);
  if (!s.key_file && !s.key) throw new WebConfigError(`${f}: missing one of key or key_file`);

  const rawAuth = s.client_auth_type ?? '';
  let clientAuthType: ClientAuthType;
  if (rawAuth === '') clientAuthType = 'NoClientCert';
  else if (rawAuth === 'RequireClientCert')
    clientAuthType = 'RequireAnyClientCert'; // the toolkit's legacy alias
  else if ((CLIENT_AUTH_TYPES as readonly string[]).includes(rawAuth))
    clientAuthType = rawAuth as ClientAuthType;
  else {
    r.fail(
      clientAuthNode,
      `${f}.client_auth_type`,
      `invalid ClientAuth: ${rawAuth} (expected one of ${CLIENT_AUTH_TYPES.join(', ')})`,
    );
  }
  if ((s.client_ca_file || s.client_ca) && clientAuthType === 'NoClientCert') {
    throw new WebConfigError(`${f}: client CA's have been configured without a Client Auth Policy`);
  }
  if (
    sans !== undefined &&
    clientAuthType !== 'RequireAnyClientCert' &&
    clientAuthType !== 'RequireAndVerifyClientCert'
  ) {
    throw new WebConfigError(
      `${f}: client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or RequireAndVerifyClientCert`,
    );
  }
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
    // Go accepts this file and then fails every handshake; refusing it up front is kinder.
    throw new WebConfigError(`${f}: min_version is greater than max_version, no TLS handshake could succeed`);
  }
  if (VERSION_ORDER.indexOf(minVersion) < VERSION_ORDER.indexOf('TLSv1.2')) {
    warnings.push(`tls_server_config.min_version allows ${minVersion}, which is deprecated`);
  }

  // The toolkit reads the *_file variant when both are given.
  const source = (fileKey: string, inlineKey: string): PemSource | undefined => {
    const file = s[fileKey];
    const inline = s[inlineKey];
    if (file && inline)
      warnings.push(`tls_server_config: both ${fileKey} and ${inlineKey} are set; ${fileKey} wins`);
    if (file) return { kind: 'file', path: joinDir(baseDir, file) };
    if (inline) return { kind: 'inline', pem: inline };
    return undefined;
  };

  const tls: TlsServerConfig = {
    cert: source('cert_file', 'cert')!,
    key: source('key_file', 'key')!,
    clientAuthType,
    minVersion,
    maxVersion,
    cipherSuites,
    preferServerCipherSuites: prefer,
    curvePreferences: curves,
  };
  const ca = source('client_ca_file', 'client_ca');
  if (ca) tls.clientCa = ca;
  if (sans !== undefined) tls.clientAllowedSans = sans;
  return tls;
}
