// Client-certificate policies checked after the TLS handshake: the client_auth_type values OpenSSL cannot
// enforce alone, and client_allowed_sans.
import type { TLSSocket } from 'node:tls';
import type { TlsServerSettings } from './tlsSettings.js';

/** Node formats SANs as `DNS:a, IP Address:1.2.3.4, email:x, URI:y`, quoting values that need it. */
function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  const re = /(DNS|IP Address|email|URI|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of text.matchAll(re)) {
    let value = m[2]!;
    if (value.startsWith('"')) value = JSON.parse(value) as string;
    if (m[1] === 'IP Address') value = canonicalIp(value);
    if (['DNS', 'IP Address', 'email', 'URI'].includes(m[1]!)) out.push(value);
  }
  return out;
}

function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch (_err) {
    /* Ignored on purpose: a value with a colon that is no IPv6 address (a URI SAN, say) is compared as
     * written, which is what this fallback is for. */
    return ip;
  }
}

/** Client-certificate policies that OpenSSL cannot express alone (see loadTlsSettings). */
export function clientCertProblem(socket: TLSSocket, tls: TlsServerSettings): string | undefined {
  const peer = socket.getPeerCertificate();
  const presented = peer != null && Object.keys(peer).length > 0;
  switch (tls.clientAuthType) {
    case 'RequireAnyClientCert':
      if (!presented) return 'client did not present a certificate';
      break;
    case 'VerifyClientCertIfGiven':
      if (presented && !socket.authorized) return `client certificate rejected: ${socket.authorizationError}`;
      break;
    case 'RequireAndVerifyClientCert':
      // Node has already refused these (rejectUnauthorized); checked again so the policy lives in one place.
      if (!presented) return 'client did not present a certificate';
      if (!socket.authorized) return `client certificate rejected: ${socket.authorizationError}`;
      break;
    default:
      break;
  }
  if (tls.clientAllowedSans) {
    if (!presented) return 'client did not present a certificate to match against client_allowed_sans';
    const sans = subjectAltNames(peer.subjectaltname);
    const allowed = tls.clientAllowedSans.map(canonicalIp);
    if (!sans.some((s) => allowed.includes(s))) return 'could not find allowed SANs in client cert';
  }
  return undefined;
}
