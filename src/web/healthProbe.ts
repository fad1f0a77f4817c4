// The container health check: GET /-/healthy on the exporter's own listener, the way the listener is configured
// (--web.listen-address and --web.config.file), so it works with TLS, client certificates, basic auth and any
// address. It holds no credentials (the web config only has bcrypt hashes), so an answer that proves the
// server is serving requests counts: 200, or the 401 of basic auth, or 429 of the rate limit, or a TLS alert
// from (or a completed handshake, then a close by) a listener that requires a client certificate this probe
// cannot present.
import http from 'node:http';
import https from 'node:https';
import { parseListenAddress } from './listenAddress.js';
import type { PemSource, WebConfig } from './webConfig.js';

export interface ProbeResult {
  readonly healthy: boolean;
  readonly detail: string;
}

/** Where to reach a listener from the same host: the wildcard addresses are reached through loopback. */
export function probeHost(listenAddress: string): string {
  const { host } = parseListenAddress(listenAddress);
  if (host === undefined || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

const pem = async (source: PemSource): Promise<string> => {
  if (source.kind === 'inline') return source.pem;
  const { readFile } = await import('node:fs/promises');
  return readFile(source.path, 'utf8');
};

/** TLS alerts a server sends when it refuses the client's certificate (or its absence). */
const CLIENT_CERT_REFUSED =
  /alert (certificate required|bad certificate|unknown ca|handshake failure|certificate unknown)|ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE|CERTIFICATE_UNKNOWN)/i;

/**
 * Probes the listener. Without the web config (`web` undefined: the image's default HEALTHCHECK, run without the
 * exporter's flags), plain HTTP is tried first and TLS when the listener does not speak HTTP, and the 401 of
 * basic auth counts by its `WWW-Authenticate: Basic` header.
 */
export async function probeHealth(
  listenAddress: string,
  web: WebConfig | undefined,
  timeoutMs: number,
): Promise<ProbeResult> {
  if (web) return probeOnce(listenAddress, web, web.tls !== undefined, timeoutMs);
  const plain = await probeOnce(listenAddress, undefined, false, timeoutMs);
  if (plain.healthy || !plain.notHttp) return plain;
  const tls = await probeOnce(listenAddress, undefined, true, timeoutMs);
  return tls.healthy ? tls : plain;
}

async function probeOnce(
  listenAddress: string,
  web: WebConfig | undefined,
  useTls: boolean,
  timeoutMs: number,
): Promise<ProbeResult & { notHttp?: boolean }> {
  const host = probeHost(listenAddress);
  const { port } = parseListenAddress(listenAddress);
  const tls = web?.tls;
  // Without the config, a TLS listener may require a client certificate: a close after the handshake is an answer.
  const wantsClientCert = tls ? tls.clientAuthType !== 'NoClientCert' : useTls;
  const options: https.RequestOptions = {
    host,
    port,
    path: '/-/healthy',
    method: 'GET',
    timeout: timeoutMs,
    headers: { 'User-Agent': 'dockersec-exporter-healthcheck' },
  };
  if (useTls) {
    // The probe talks to its own process over loopback: which certificate the server shows is not in question.
    options.rejectUnauthorized = false;
    // A server certificate signed by the client CA gets this probe through client-certificate checks.
    if (tls && wantsClientCert)
      Object.assign(options, { cert: await pem(tls.cert), key: await pem(tls.key) });
  }
  const url = `${useTls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/-/healthy`;
  return new Promise<ProbeResult & { notHttp?: boolean }>((resolve) => {
    // A listener requiring client certificates completes the handshake, then closes the connection of a
    // client whose certificate it refuses (TLS 1.3 sends the certificate after the server's Finished).
    let handshaken = false;
    const req = (useTls ? https : http).request(options, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status === 200) resolve({ healthy: true, detail: `${url}: 200` });
      else if (
        status === 401 &&
        ((web?.basicAuthUsers.size ?? 0) > 0 ||
          /^Basic\b/i.test(String(res.headers['www-authenticate'] ?? '')))
      )
        resolve({ healthy: true, detail: `${url}: 401, serving behind basic auth` });
      else if (status === 429) resolve({ healthy: true, detail: `${url}: 429, serving (rate limited)` });
      else resolve({ healthy: false, detail: `${url}: HTTP ${status}` });
    });
    req.once('socket', (socket) => socket.once('secureConnect', () => (handshaken = true)));
    let timedOut = false;
    req.once('timeout', () => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    req.once('error', (err: Error & { code?: string }) => {
      // A server that completed the handshake and then said nothing is hung, not refusing a certificate.
      const refused =
        !timedOut && (handshaken || CLIENT_CERT_REFUSED.test(`${err.code ?? ''} ${err.message}`));
      if (wantsClientCert && refused) {
        resolve({ healthy: true, detail: `${url}: serving TLS, refused this probe's client certificate` });
      } else {
        // Refused or silent: nothing listens. Anything else (reset, hang-up, parse error): maybe not HTTP.
        const notHttp = err.code !== 'ECONNREFUSED' && !/no answer within/.test(err.message);
        resolve({ healthy: false, detail: `${url}: ${err.message}`, notHttp });
      }
    });
    req.end();
  });
}
