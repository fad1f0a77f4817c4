// The exporter-toolkit port: serving over `--web.listen-address` with a `--web.config.file` (TLS, client
// certificates, headers, basic auth, rate limit, hot reload). Nothing here is about Docker; the only thing
// borrowed from the exporter is its logger. Import from this file, not from the others in src/web.
export {
  AUTH_THROTTLE_REASONS,
  type AuthLimits,
  type AuthThrottleReason,
  BasicAuthVerifier,
  clientKey,
  DEFAULT_AUTH_LIMITS,
  FAKE_BCRYPT_HASH,
} from './basicAuth.js';
export { type ProbeResult, probeHealth, probeHost } from './healthProbe.js';
export {
  CONNECTION_REJECT_REASONS,
  type ConnectionRejectReason,
  LISTEN_DEFAULTS,
  type ListenError,
  type Listening,
  type ListenOptions,
  listen,
} from './listen.js';
export { parseListenAddress } from './listenAddress.js';
export { SystemdSocketError, systemdListenFds } from './systemdSockets.js';
export { TLS_FAILURE_REASONS, type TlsFailureReason, tlsFailureReason } from './tlsFailures.js';
export { checkWebConfig } from './tlsSettings.js';
export {
  CIPHER_SUITES,
  loadWebConfig,
  parseGoDuration,
  type WebConfig,
  WebConfigError,
} from './webConfig.js';
