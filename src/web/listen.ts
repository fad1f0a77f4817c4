// Serves a request handler the way exporter-toolkit's web.ListenAndServe serves a Go handler: plain HTTP
// without a web config; otherwise TLS, client certificates, security headers, basic auth and rate
// limiting from the `--web.config.file`, hot-reloaded when the file or its certificates change.
// Whatever the config, no client can hold the server: connections are capped (overall and per client),
// slow or idle ones are closed, and a flood of wrong passwords cannot starve a known-good scrape.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type FSWatcher, watch } from 'chokidar';
import { createLogger, type Logger } from '../log.js';
import {
  type AuthLimits,
  type AuthThrottleReason,
  BasicAuthVerifier,
  clientKey,
  parseBasicAuth,
} from './basicAuth.js';
import { clientCertProblem } from './clientCert.js';
import { parseListenAddress } from './listenAddress.js';
import { TokenBucket } from './rateLimit.js';
import { ThrottledLog } from './throttledLog.js';
import { type TlsFailureReason, tlsFailureReason } from './tlsFailures.js';
import { loadTlsSettings, type TlsServerSettings } from './tlsSettings.js';
import { loadWebConfig, type WebConfig, WebConfigError, webConfigWatchPaths } from './webConfig.js';

export interface ListenOptions {
  /** Exporter style: `:9612` (all interfaces), `127.0.0.1:0`, `[::1]:9612`, `localhost:9612`. */
  listenAddress?: string;
  /** Several addresses (a repeated --web.listen-address): one listener each, one configuration for all. */
  listenAddresses?: readonly string[];
  /** Listening sockets inherited from systemd (--web.systemd-socket), served before the addresses. */
  systemdFds?: readonly number[];
  webConfigFile?: string;
  logger?: Logger;
  /** Called after every reload attempt, e.g. to set a `..._web_config_last_reload_successful` gauge. */
  onReload?: (success: boolean) => void;
  /** Called for every failed TLS handshake, and every client refused by the client certificate policy. */
  onTlsHandshakeFailure?: (reason: TlsFailureReason) => void;
  /** Called for every connection closed at once because of maxConnections or maxConnectionsPerClient. */
  onConnectionRejected?: (reason: ConnectionRejectReason) => void;
  /** Called for every basic-auth check refused (429) without a bcrypt run. */
  onAuthThrottled?: (reason: AuthThrottleReason) => void;
  /** Open connections at most; more are closed at once. Default 256. */
  maxConnections?: number;
  /** Open connections from one client address (IPv6: one /64) at most. Default a quarter of maxConnections. */
  maxConnectionsPerClient?: number;
  /** Time to finish the TLS handshake, and then to send the request headers. Default 10 s. */
  headersTimeoutMs?: number;
  /** Time to send a whole request. Default 30 s (at least headersTimeoutMs). */
  requestTimeoutMs?: number;
  /** A connection with no traffic this long (between requests, or stalled mid-request) is closed. Default 60 s. */
  idleTimeoutMs?: number;
  /** Log lines caused by unauthenticated clients (TLS failures, refusals) at most once per this. Default 10 s; 0: all. */
  logIntervalMs?: number;
  /** Per-client basic-auth limits (tests lower them). */
  authLimits?: Partial<AuthLimits>;
}

export type ConnectionRejectReason = 'max_connections' | 'max_connections_per_client';
export const CONNECTION_REJECT_REASONS: readonly ConnectionRejectReason[] = [
  'max_connections',
  'max_connections_per_client',
];

export const LISTEN_DEFAULTS = {
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  logIntervalMs: 10_000,
} as const;

export interface Listening {
  /** The first listener (the only one unless several addresses or sockets were given). */
  server: Server;
  address: { host: string; port: number };
  /** Every listener, in the order given: systemd sockets first, then the addresses. */
  listeners: readonly { server: Server; address: { host: string; port: number } }[];
  /** Whether it serves HTTPS (fixed until a restart). */
  tls: boolean;
  /** Reloads the web config now (as a file change would); resolves to whether it was applied. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

const RELOAD_DEBOUNCE_MS = 100;

interface ListenTarget {
  readonly address?: string;
  readonly host?: string | undefined;
  readonly port?: number;
  readonly fd?: number;
}

/** A bind error, with the listen address (or systemd socket) it happened on. */
export type ListenError = NodeJS.ErrnoException & { target?: string };

function listenAddresses(opts: ListenOptions): readonly string[] {
  if (opts.listenAddresses) return opts.listenAddresses;
  return opts.listenAddress !== undefined ? [opts.listenAddress] : [];
}
const CLOSE_GRACE_MS = 2000;

function plainError(res: http.ServerResponse, status: number): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(`${http.STATUS_CODES[status]}\n`);
}

interface ActiveConfig {
  web: WebConfig;
  tls?: TlsServerSettings;
  limiter?: TokenBucket;
}

async function loadActive(path: string, previous?: ActiveConfig): Promise<ActiveConfig> {
  const web = await loadWebConfig(path);
  const active: ActiveConfig = { web };
  if (web.tls) {
    try {
      active.tls = await loadTlsSettings(web.tls);
    } catch (err) {
      if (err instanceof WebConfigError) err.message = `${path}: ${err.message}`;
      throw err;
    }
  }
  const rl = web.rateLimit;
  if (rl) {
    const old = previous?.limiter;
    // Keep the bucket (and its spent tokens) across reloads that leave rate_limit alone.
    active.limiter =
      old && old.intervalMs === rl.intervalMs && old.burst === rl.burst
        ? old
        : new TokenBucket(rl.intervalMs, rl.burst);
  }
  return active;
}

export async function listen(app: http.RequestListener, opts: ListenOptions): Promise<Listening> {
  const logger = opts.logger ?? createLogger();
  const configPath = opts.webConfigFile || undefined;

  let active: ActiveConfig | undefined;
  if (configPath) {
    active = await loadActive(configPath);
    for (const w of active.web.warnings) logger.warn(w, { file: configPath });
  }
  const verifier = new BasicAuthVerifier(opts.authLimits);
  const logEvery = opts.logIntervalMs ?? LISTEN_DEFAULTS.logIntervalMs;
  const tlsLog = new ThrottledLog(logger, 'warn', 'TLS handshake failed', logEvery);
  const rejectedLog = new ThrottledLog(logger, 'warn', 'Connection refused: too many open', logEvery);
  const throttledLog = new ThrottledLog(logger, 'warn', 'Basic auth throttled', logEvery);
  const tlsFailed = (reason: TlsFailureReason, fields: Record<string, unknown>): void => {
    opts.onTlsHandshakeFailure?.(reason);
    tlsLog.note(reason, fields);
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const current = active;
    if (!current) {
      app(req, res);
      return;
    }
    if (current.limiter && !current.limiter.allow()) {
      plainError(res, 429);
      return;
    }
    for (const [name, value] of Object.entries(current.web.http.headers)) {
      if (value !== '') res.setHeader(name, value);
    }
    const users = current.web.basicAuthUsers;
    if (users.size === 0) {
      app(req, res);
      return;
    }
    const creds = parseBasicAuth(req.headers.authorization);
    const deny = () => {
      res.setHeader('WWW-Authenticate', 'Basic');
      plainError(res, 401);
    };
    if (!creds) {
      deny();
      return;
    }
    const client = clientKey(req.socket.remoteAddress);
    const waiting = () => !res.destroyed && !req.socket.destroyed;
    verifier.verify(users, creds.user, creds.password, client, waiting).then(
      (outcome) => {
        if (outcome === 'ok') app(req, res);
        else if (outcome === 'denied') deny();
        else {
          opts.onAuthThrottled?.(outcome);
          throttledLog.note(outcome, { client });
          res.setHeader('Retry-After', '1');
          plainError(res, 429);
        }
      },
      (err: unknown) => {
        logger.error('basic auth check failed', { err: String(err) });
        plainError(res, 500);
      },
    );
  };

  const headersTimeout = opts.headersTimeoutMs ?? LISTEN_DEFAULTS.headersTimeoutMs;
  const idleTimeout = opts.idleTimeoutMs ?? LISTEN_DEFAULTS.idleTimeoutMs;
  const httpOptions: http.ServerOptions = {
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, opts.requestTimeoutMs ?? LISTEN_DEFAULTS.requestTimeoutMs),
    keepAliveTimeout: idleTimeout,
    // How often Node looks for requests past headersTimeout/requestTimeout (its default is 30 s).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
  };
  const maxConnections = opts.maxConnections ?? LISTEN_DEFAULTS.maxConnections;
  const perClient = opts.maxConnectionsPerClient ?? Math.max(1, Math.ceil(maxConnections / 4));
  const perClientOpen = new Map<string, number>();
  /** Raw sockets closed for the per-client cap: their TLS handshake then fails, which is not news. */
  const refused = new WeakSet<object>();
  const rejectConnection = (reason: ConnectionRejectReason, remote: string | undefined): void => {
    opts.onConnectionRejected?.(reason);
    rejectedLog.note(reason, { remote, max_connections: maxConnections, max_per_client: perClient });
  };
  /** Open connections over every listener: --web.max-connections holds for all of them together. */
  let openTotal = 0;

  const makeServer = (): http.Server | https.Server => {
    let server: http.Server | https.Server;
    if (active?.tls) {
      const tls = active.tls;
      server = https.createServer(
        {
          ...tls.secureContext,
          requestCert: tls.requestCert,
          rejectUnauthorized: tls.rejectUnauthorized,
          handshakeTimeout: headersTimeout,
          ...httpOptions,
        },
        handler,
      );
      // Runs after https.Server's own listener in the same tick, before any request bytes are parsed.
      server.on('secureConnection', (socket: TLSSocket) => {
        const current = active?.tls;
        if (!current) return;
        const problem = clientCertProblem(socket, current);
        if (problem) {
          tlsFailed('client_certificate', {
            err: problem,
            remote: socket.remoteAddress,
            after_handshake: true,
          });
          socket.destroy();
        }
      });
      server.on('tlsClientError', (err: Error & { code?: string }, socket) => {
        // A connection refused by the per-client cap (below) ends its handshake too; it is counted there.
        if (refused.has((socket as TLSSocket & { _parent?: object })._parent ?? socket)) return;
        // Node destroys sockets whose client certificate fails verification; the reason is only here.
        const detail = socket.authorizationError
          ? `client certificate rejected: ${socket.authorizationError}`
          : err.message.trim();
        tlsFailed(tlsFailureReason(err, socket), { err: detail, remote: socket.remoteAddress });
      });
    } else {
      server = http.createServer(httpOptions, handler);
    }
    // Stalled mid-request or mid-response this long: destroyed (keepAliveTimeout covers the time between requests).
    server.setTimeout(idleTimeout);

    // Beyond maxConnections, Node closes new connections before any byte is read ('drop').
    server.maxConnections = maxConnections;
    server.on('drop', (data) => rejectConnection('max_connections', data?.remoteAddress));
    // Before TLS or HTTP sees the socket: a client over its share is closed before its first byte is read.
    server.prependListener('connection', (socket: Socket) => {
      if (openTotal >= maxConnections) {
        refused.add(socket);
        socket.destroy();
        rejectConnection('max_connections', socket.remoteAddress);
        return;
      }
      const key = clientKey(socket.remoteAddress);
      const open = perClientOpen.get(key) ?? 0;
      if (open >= perClient) {
        refused.add(socket);
        socket.destroy();
        rejectConnection('max_connections_per_client', socket.remoteAddress);
        return;
      }
      perClientOpen.set(key, open + 1);
      openTotal++;
      socket.once('close', () => {
        openTotal--;
        const left = (perClientOpen.get(key) ?? 1) - 1;
        if (left > 0) perClientOpen.set(key, left);
        else perClientOpen.delete(key);
      });
    });
    return server;
  };

  const targets: ListenTarget[] = [
    ...(opts.systemdFds ?? []).map((fd): ListenTarget => ({ fd })),
    ...listenAddresses(opts).map((a): ListenTarget => ({ address: a, ...parseListenAddress(a) })),
  ];
  if (targets.length === 0) throw new Error('nothing to listen on');
  const servers: { server: http.Server | https.Server; address: { host: string; port: number } }[] = [];
  try {
    for (const target of targets) {
      const server = makeServer();
      await new Promise<void>((resolvePromise, reject) => {
        server.once('error', (err: NodeJS.ErrnoException) => {
          (err as ListenError).target = target.address ?? `systemd socket (fd ${target.fd})`;
          reject(err);
        });
        const spec = target.fd !== undefined ? { fd: target.fd } : { host: target.host, port: target.port };
        server.listen(spec, () => {
          server.removeAllListeners('error');
          resolvePromise();
        });
      });
      const info = server.address() as AddressInfo | string | null;
      const address =
        info && typeof info === 'object'
          ? { host: info.address, port: info.port }
          : { host: String(info ?? `fd ${target.fd}`), port: 0 };
      servers.push({ server, address });
      logger.debug('Listening on', {
        address:
          info && typeof info === 'object'
            ? `${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}`
            : address.host,
      });
    }
  } catch (err) {
    // One listener that cannot bind stops the start; the ones already bound are closed, not left behind.
    await Promise.all(servers.map((s) => new Promise((r) => s.server.close(r))));
    throw err;
  }
  const server = servers[0]!.server;
  const address = servers[0]!.address;
  if (active?.tls) {
    logger.debug('TLS is enabled.', { http2: false });
    if (active.web.http.http2) {
      logger.warn('http_server_config.http2 is accepted but HTTP/2 is not provided; serving HTTP/1.1');
    }
  } else {
    logger.debug('TLS is disabled.', { http2: false });
  }

  let watcher: FSWatcher | undefined;
  let watched = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<boolean> = Promise.resolve(true);
  let closed = false;

  const reloadNow = async (): Promise<boolean> => {
    if (!configPath || closed) return false;
    let ok = false;
    try {
      const next = await loadActive(configPath, active);
      if (Boolean(next.tls) !== Boolean(active?.tls)) {
        throw new WebConfigError('enabling or disabling TLS requires a restart');
      }
      // An emptied or truncated file must not open the exporter to everyone: that also needs a restart.
      if ((active?.web.basicAuthUsers.size ?? 0) > 0 && next.web.basicAuthUsers.size === 0) {
        throw new WebConfigError(
          'removing every basic_auth_users entry (turning authentication off) requires a restart',
        );
      }
      if (next.tls) {
        for (const { server: one } of servers) {
          const s = one as https.Server;
          s.setSecureContext(next.tls.secureContext);
          // tls.Server reads these per connection; they are not part of the secure context.
          Object.assign(s, {
            requestCert: next.tls.requestCert,
            rejectUnauthorized: next.tls.rejectUnauthorized,
          });
        }
      }
      active = next;
      for (const w of next.web.warnings) logger.warn(w, { file: configPath });
      logger.info('Completed loading of web configuration file', { file: configPath });
      ok = true;
    } catch (err) {
      logger.error('Error reloading web configuration file; keeping the last good one', {
        file: configPath,
        err: (err as Error).message,
      });
    }
    await syncWatched();
    opts.onReload?.(ok);
    return ok;
  };

  const reload = (): Promise<boolean> => {
    reloading = reloading.then(reloadNow, reloadNow);
    return reloading;
  };

  const syncWatched = async (): Promise<void> => {
    if (!watcher || !configPath) return;
    // Keep watching the old certificate paths too: after a failed reload they are still the ones in use.
    const wanted = new Set(webConfigWatchPaths(configPath, active?.web));
    const added = [...wanted].filter((p) => !watched.has(p));
    const removed = [...watched].filter((p) => !wanted.has(p));
    if (added.length > 0) watcher.add(added);
    if (removed.length > 0) watcher.unwatch(removed);
    watched = wanted;
  };

  if (configPath) {
    watched = new Set(webConfigWatchPaths(configPath, active?.web));
    // A rotation usually rewrites cert and key (and maybe the config) in a burst: reload once after it.
    const schedule = () => {
      if (closed) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), RELOAD_DEBOUNCE_MS);
    };
    const w = watch([...watched], { ignoreInitial: true, atomic: true });
    watcher = w;
    w.on('add', schedule).on('change', schedule).on('unlink', schedule);
    w.on('error', (err) => logger.error('watching web configuration files failed', { err: String(err) }));
    await new Promise<void>((r) => w.once('ready', () => r()));
  }

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    for (const log of [tlsLog, rejectedLog, throttledLog]) log.close();
    await watcher?.close();
    // Only waits for a reload in flight to settle; how it ended was already handed to whoever started it.
    await reloading.catch(() => undefined);
    await Promise.all(
      servers.map(
        ({ server: one }) =>
          new Promise<void>((resolvePromise) => {
            const force = setTimeout(() => one.closeAllConnections(), CLOSE_GRACE_MS);
            force.unref();
            one.close(() => {
              clearTimeout(force);
              resolvePromise();
            });
            one.closeIdleConnections();
          }),
      ),
    );
    // After the server: a request still waiting for its bcrypt check gets its answer.
    await verifier.close();
  };

  return {
    server,
    address,
    listeners: servers.map((s) => ({ server: s.server, address: s.address })),
    tls: Boolean(active?.tls),
    reload,
    close,
  };
}
