// Parser and validator for the prometheus/exporter-toolkit `--web.config.file` format
// (docs/web-configuration.md in exporter-toolkit). Operators reuse the files they already have for
// node_exporter & co., so acceptance and rejection follow the toolkit field for field; where we are
// stricter than Go (a file that could never serve a request), the error says why.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';

export class WebConfigError extends Error {
  override name = 'WebConfigError';
}

export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

export type PemSource = { kind: 'file'; path: string } | { kind: 'inline'; pem: string };

export interface TlsServerConfig {
  cert: PemSource;
  key: PemSource;
  clientCa?: PemSource;
  clientAuthType: ClientAuthType;
  /** toolkit >= v0.10.0; exact match against the DNS, e-mail, IP or URI SANs of the client certificate. */
  clientAllowedSans?: string[];
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  /** Go names as written in the file (TLS 1.3 names included; those are not configurable, as in Go). */
  cipherSuites: string[];
  preferServerCipherSuites: boolean;
  curvePreferences: string[];
}

export interface WebConfig {
  /** Absent when tls_server_config sets none of the certificate/client-auth fields: plain HTTP, as in the toolkit. */
  tls?: TlsServerConfig;
  http: { http2: boolean; headers: Record<string, string> };
  /** user -> bcrypt hash; empty means no authentication. */
  basicAuthUsers: Map<string, string>;
  /** toolkit >= v0.15.0; absent when disabled (interval 0). */
  rateLimit?: { intervalMs: number; burst: number };
  /** Things that are accepted (the toolkit accepts them too) but deserve a log line. */
  warnings: string[];
}

const TLS_VERSIONS: Record<string, SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};
const VERSION_ORDER: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Go curve names mapped to OpenSSL names. */
export const CURVES: Record<string, string> = {
  CurveP256: 'P-256',
  CurveP384: 'P-384',
  CurveP521: 'P-521',
  X25519: 'X25519',
};

/**
 * Go's tls.CipherSuites() (the only names the toolkit accepts) mapped to OpenSSL names. Go's
 * "insecure" suites (RC4, 3DES, CBC-SHA256) are rejected by the toolkit, so they are absent here too.
 * `null`: a TLS 1.3 suite, accepted but not configurable (Go ignores it the same way).
 */
export const CIPHER_SUITES: Record<string, string | null> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
};

/** The toolkit keeps this list private "to ensure consistency in the Prometheus ecosystem"; so do we. */
export const ALLOWED_HEADERS: Record<string, readonly string[] | null> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

// Go's bcrypt.Cost() accepts any "$2<minor>$NN$" with cost 4..31; bcryptjs verifies the 2, 2a, 2b and 2y
// variants, which are the ones htpasswd and every bcrypt library emit.
const BCRYPT_HASH = /^\$2[aby]?\$(\d\d)\$[./A-Za-z0-9]{53}$/;

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, returning milliseconds. */
export function parseGoDuration(text: string): number {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) throw new Error(`time: invalid duration "${text}"`);
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS_MS[part[2]!]!;
  }
  return m[1] === '-' ? -total : total;
}

/** Validates a bcrypt hash the way the toolkit does at startup (bcrypt.Cost), returning Go's message on failure. */
export function bcryptHashProblem(hash: string): string | undefined {
  if (hash.length < 59) return 'crypto/bcrypt: hashedSecret too short to be a bcrypted password';
  if (!hash.startsWith('$')) {
    return `crypto/bcrypt: bcrypt hashes must start with '$', but hashedSecret started with '${hash[0]}'`;
  }
  const m = BCRYPT_HASH.exec(hash);
  if (!m) return 'not a bcrypt hash ($2a$/$2b$/$2y$, two-digit cost, 53 characters of salt and hash)';
  const cost = Number(m[1]);
  if (cost < 4 || cost > 31) return `crypto/bcrypt: cost ${cost} is outside allowed range (4,31)`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
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

/** Reads and parses a web config file; relative paths in it resolve against its directory. */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new WebConfigError(`reading web config file: ${(err as Error).message}`);
  }
  try {
    return parseWebConfig(text, dirname(resolve(path)));
  } catch (err) {
    if (err instanceof WebConfigError) err.message = `${path}: ${err.message}`;
    throw err;
  }
}

/** Files whose change should trigger a reload: the config itself plus any certificate/key/CA files. */
export function webConfigWatchPaths(configPath: string, config: WebConfig | undefined): string[] {
  const paths = [resolve(configPath)];
  const tls = config?.tls;
  if (tls) {
    for (const src of [tls.cert, tls.key, tls.clientCa]) {
      if (src?.kind === 'file') paths.push(src.path);
    }
  }
  return [...new Set(paths)];
}
