// Parser and validator for the prometheus/exporter-toolkit `--web.config.file` format
// (docs/web-configuration.md in exporter-toolkit). Operators reuse the files they already have for
// node_exporter & co., so acceptance and rejection follow the toolkit field for field; where we are
// stricter than Go (a file that could never serve a request), the error says why. The YAML parser itself
// (webConfigParser.ts, with the yaml package) loads only when a file is read: most exporters run without one,
// and the package cost ~45 ms of CPU at every start (issue 12).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';

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

/** Reads and parses a web config file; relative paths in it resolve against its directory. */
export async function loadWebConfig(path: string): Promise<WebConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new WebConfigError(`reading web config file: ${(err as Error).message}`);
  }
  const { parseWebConfig } = await import('./webConfigParser.js');
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
