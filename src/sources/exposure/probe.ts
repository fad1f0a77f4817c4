// The unauthenticated-access probe: one GET /_ping without a client certificate, in plain HTTP and in TLS.
// Raw sockets rather than an HTTP client, so nothing else is ever sent (no redirects, no retries, no
// keep-alive), and the TLS listener's certificate is read even when it then refuses the request.

// The unauthenticated-access probe: one GET /_ping without a client certificate, in plain HTTP and in TLS.
// Raw sockets rather than an HTTP client, so nothing else is ever sent (no redirects, no retries, no
// keep-alive), and the TLS listener's certificate is read even when it then refuses the request.
import net, { isIP } from 'node:net';
import tls from 'node:tls';
import type {
  CertificateInfo,
  ListenerProbe,
  ProbeAttempt,
  ProbeOutcome,
  TcpListener,
} from '../../facts/exposureTypes.js';
import { certificateInfo } from '../certificates.js';
import type { ProbeLog } from './probeLog.js';

export const DEFAULT_PROBE_TIMEOUT_MS = 2_000;
const MAX_RESPONSE_BYTES = 16 * 1024;

interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export function parseHttpReply(raw: string): HttpReply | null {
  const m = /^HTTP\/\d\.\d (\d{3})[^\r\n]*\r?\n/.exec(raw);
  if (!m) return null;
  const end = raw.indexOf('\r\n\r\n');
  const head = end >= 0 ? raw.slice(0, end) : raw;
  const headers: Record<string, string> = {};
  for (const line of head.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(m[1]), headers, body: end >= 0 ? raw.slice(end + 4) : '' };
}

/** Judges a reply to GET /_ping: the Docker API, a TLS listener complaining, or something else. */
export function classifyReply(
  scheme: 'http' | 'https',
  reply: HttpReply,
): Omit<ProbeAttempt, 'scheme' | 'detail'> & { detail: string } {
  const apiVersion = reply.headers['api-version'] ?? null;
  const server = reply.headers.server ?? null;
  const base = { status: reply.status, apiVersion, server };
  if (scheme === 'http' && reply.status === 400 && /HTTP request to an HTTPS server/i.test(reply.body)) {
    return { ...base, outcome: 'tls_required', detail: 'the listener requires TLS' };
  }
  const docker =
    apiVersion !== null ||
    (server !== null && /^Docker\//.test(server)) ||
    (reply.status === 200 && reply.body.trim() === 'OK');
  if (docker) {
    return {
      ...base,
      outcome: 'answered',
      detail: `Docker API answered HTTP ${reply.status}${apiVersion ? ` (API ${apiVersion})` : ''}`,
    };
  }
  return { ...base, outcome: 'not_docker', detail: `HTTP ${reply.status} without Docker API headers` };
}

const REFUSED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const CLIENT_CERT_ALERT =
  /alert (bad certificate|certificate required|handshake failure|certificate unknown)/i;
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request/i;

function requestText(host: string, port: number): string {
  const authority = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  return `GET /_ping HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: dockersec-exporter-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
}

interface RawResult {
  readonly data: string;
  readonly error: NodeJS.ErrnoException | null;
  readonly timedOut: boolean;
  readonly secured: boolean;
  readonly certificate: CertificateInfo | null;
}

function exchange(
  scheme: 'http' | 'https',
  host: string,
  port: number,
  timeoutMs: number,
): Promise<RawResult> {
  return new Promise((resolve) => {
    let data = '';
    let error: NodeJS.ErrnoException | null = null;
    let timedOut = false;
    let secured = false;
    let certificate: CertificateInfo | null = null;
    const socket =
      scheme === 'https'
        ? tls.connect({
            host,
            port,
            // Only names go into SNI; no client certificate and no verification: the probe asks what
            // anyone on the network could ask.
            ...(isIP(host) ? {} : { servername: host }),
            rejectUnauthorized: false,
          })
        : net.connect({ host, port });
    const request = requestText(host, port);
    const send = () => socket.write(request);
    if (scheme === 'https') {
      socket.once('secureConnect', () => {
        secured = true;
        try {
          const peer = (socket as tls.TLSSocket).getPeerX509Certificate();
          certificate = peer ? certificateInfo(peer) : null;
        } catch (err) {
          // A certificate node:crypto cannot read is reported as none; the probe's verdict does not need it.
          if (!(err instanceof Error)) throw err;
          certificate = null;
        }
        send();
      });
    } else socket.once('connect', send);
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (data.length > MAX_RESPONSE_BYTES) socket.destroy();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e;
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ data, error, timedOut, secured, certificate });
    });
  });
}

function classifyRaw(scheme: 'http' | 'https', r: RawResult): ProbeAttempt {
  const attempt = (outcome: ProbeOutcome, detail: string): ProbeAttempt => ({
    scheme,
    outcome,
    status: null,
    apiVersion: null,
    server: null,
    detail,
  });
  const reply = parseHttpReply(r.data);
  if (reply) return { scheme, ...classifyReply(scheme, reply) };
  const code = r.error?.code ?? '';
  const message = r.error?.message ?? '';
  if (REFUSED.has(code)) return attempt('refused', `connection refused (${code})`);
  if (scheme === 'https') {
    if (CLIENT_CERT_ALERT.test(message) || CLIENT_CERT_ALERT.test(code.replace(/_/g, ' '))) {
      return attempt('client_cert_required', `TLS refused the client without a certificate (${code})`);
    }
    if (!r.secured && (NOT_TLS.test(message) || code === 'ERR_SSL_WRONG_VERSION_NUMBER')) {
      return attempt('not_tls', 'the listener does not speak TLS');
    }
  }
  if (r.timedOut) return attempt('timeout', 'no answer before the timeout');
  if (r.data.length > 0) return attempt('not_docker', 'answered something that is not HTTP');
  if (scheme === 'https' && r.secured) {
    return attempt('error', `TLS session closed without an answer${code ? ` (${code})` : ''}`);
  }
  return attempt('error', message || 'connection closed without an answer');
}

export async function probeListener(
  listener: TcpListener,
  log: ProbeLog,
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<ListenerProbe> {
  const run = async (scheme: 'http' | 'https') => {
    const raw = await exchange(scheme, listener.probeHost, listener.port, timeoutMs);
    const attempt = classifyRaw(scheme, raw);
    log.record(scheme, attempt.outcome);
    return { attempt, certificate: raw.certificate };
  };
  const [http, https] = await Promise.all([run('http'), run('https')]);
  return { listener, http: http.attempt, https: https.attempt, certificate: https.certificate };
}

/** A listener that must not be probed from here, with the reason on both attempts. */
export function skippedProbe(listener: TcpListener, reason: string): ListenerProbe {
  const skipped = (scheme: 'http' | 'https'): ProbeAttempt => ({
    scheme,
    outcome: 'skipped',
    status: null,
    apiVersion: null,
    server: null,
    detail: reason,
  });
  return { listener, http: skipped('http'), https: skipped('https'), certificate: null };
}
