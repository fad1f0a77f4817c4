// Turns a parsed tls_server_config into what node:https needs by reading its certificate, key and client
// CA, and checkWebConfig, the toolkit's web.Validate, which is the parse followed by that load.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import {
  CIPHER_SUITES,
  type ClientAuthType,
  CURVES,
  loadWebConfig,
  type PemSource,
  type TlsServerConfig,
  type WebConfig,
  WebConfigError,
} from './webConfig.js';

/** What node:https needs, built from a TlsServerConfig by reading its files. */
export interface TlsServerSettings {
  secureContext: SecureContextOptions;
  requestCert: boolean;
  rejectUnauthorized: boolean;
  clientAuthType: ClientAuthType;
  clientAllowedSans?: string[];
}

async function readPem(src: PemSource, what: string): Promise<string> {
  if (src.kind === 'inline') return src.pem;
  try {
    return await readFile(src.path, 'utf8');
  } catch (err) {
    throw new WebConfigError(`failed to read ${what} (${src.path}): ${(err as Error).message}`);
  }
}

function pemCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch (_err) {
      /* Ignored on purpose: Go's AppendCertsFromPEM skips blocks it cannot parse, so do we; a file where no
       * block parses is refused by the caller ("holds no PEM certificate"). */
    }
  }
  return certs;
}

/** Reads the certificate, key and client CA and checks they form a usable TLS server context. */
export async function loadTlsSettings(tls: TlsServerConfig): Promise<TlsServerSettings> {
  const cert = await readPem(tls.cert, 'cert_file');
  const key = await readPem(tls.key, 'key_file');
  const secureContext: SecureContextOptions = {
    cert,
    key,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    honorCipherOrder: tls.preferServerCipherSuites,
  };
  const openssl = tls.cipherSuites
    .map((c) => CIPHER_SUITES[c])
    .filter((c): c is string => typeof c === 'string');
  // Only TLS 1.2 names go into `ciphers`: Node then keeps its default TLS 1.3 suites, which is what Go does.
  if (openssl.length > 0) secureContext.ciphers = openssl.join(':');
  else if (tls.cipherSuites.length > 0) {
    // Go then has no TLS <= 1.2 suite left, so only TLS 1.3 handshakes succeed; reproduce that.
    if (tls.maxVersion !== 'TLSv1.3') {
      throw new WebConfigError(
        'tls_server_config.cipher_suites lists only TLS 1.3 suites but max_version is below TLS13',
      );
    }
    secureContext.minVersion = 'TLSv1.3';
  }
  if (tls.curvePreferences.length > 0)
    secureContext.ecdhCurve = tls.curvePreferences.map((c) => CURVES[c]).join(':');
  if (tls.clientCa) {
    const what = tls.clientCa.kind === 'file' ? 'client_ca_file' : 'client_ca';
    const pem = await readPem(tls.clientCa, what);
    if (pemCertificates(pem).length === 0) {
      // Go would build an empty pool and then refuse every client; say so now instead.
      throw new WebConfigError(
        `${what}${tls.clientCa.kind === 'file' ? ` (${tls.clientCa.path})` : ''} holds no PEM certificate`,
      );
    }
    secureContext.ca = pem;
  }
  try {
    createSecureContext(secureContext);
  } catch (err) {
    throw new WebConfigError(`failed to load X509KeyPair: ${(err as Error).message}`);
  }
  const settings: TlsServerSettings = {
    secureContext,
    requestCert: tls.clientAuthType !== 'NoClientCert',
    // Only this policy can be left to OpenSSL; the others are enforced after the handshake (clientCert.ts).
    rejectUnauthorized: tls.clientAuthType === 'RequireAndVerifyClientCert',
    clientAuthType: tls.clientAuthType,
  };
  if (tls.clientAllowedSans) settings.clientAllowedSans = tls.clientAllowedSans;
  return settings;
}

/** The toolkit's web.Validate: the file, the users and the TLS material. For `--web.config.check`. */
export async function checkWebConfig(path: string): Promise<WebConfig> {
  const config = await loadWebConfig(path);
  if (config.tls) {
    try {
      await loadTlsSettings(config.tls);
    } catch (err) {
      if (err instanceof WebConfigError) err.message = `${path}: ${err.message}`;
      throw err;
    }
  }
  return config;
}
