// Failed TLS handshakes sorted into a few reasons, so that they can be counted (a metric label) and logged
// without echoing whatever an unauthenticated client made OpenSSL say.
import type { TLSSocket } from 'node:tls';

export const TLS_FAILURE_REASONS = [
  'not_tls',
  'protocol_version',
  'no_shared_cipher',
  'client_certificate',
  'peer_alert',
  'timeout',
  'connection_reset',
  'other',
] as const;
export type TlsFailureReason = (typeof TLS_FAILURE_REASONS)[number];

/** The reason of a `tlsClientError`: Node's ERR_SSL_* codes are OpenSSL's reason strings, upper-cased. */
export function tlsFailureReason(err: Error & { code?: string }, socket?: TLSSocket): TlsFailureReason {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return 'connection_reset';
  if (socket?.authorizationError) return 'client_certificate';
  // The client refused something of ours (our certificate, usually): it sent an alert.
  if (/_ALERT_/.test(code)) return 'peer_alert';
  if (
    /WRONG_VERSION_NUMBER|HTTP_REQUEST|HTTPS_PROXY_REQUEST|UNKNOWN_PROTOCOL|PACKET_LENGTH|LENGTH_TOO_SHORT|RECORD_LENGTH|RECORD_LAYER|BAD_PACKET|UNEXPECTED_MESSAGE|UNEXPECTED_RECORD/.test(
      code,
    )
  )
    return 'not_tls';
  if (
    /UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_(LOW|HIGH)|PROTOCOL_VERSION|INAPPROPRIATE_FALLBACK/.test(
      code,
    )
  )
    return 'protocol_version';
  if (/NO_SHARED_CIPHER|NO_SHARED_GROUP|NO_SUITABLE|NO_CIPHERS/.test(code)) return 'no_shared_cipher';
  if (/CERTIFICATE|CERT_/.test(code)) return 'client_certificate';
  return 'other';
}
