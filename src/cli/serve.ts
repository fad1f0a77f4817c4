// `serve` (the default): keep evaluating and serve the results over HTTP.

import type { ControlDefinition } from '../controls/types.js';
import { evaluationDeadlineMs, Monitor } from '../evaluation/monitor.js';
import type { Evaluation } from '../evaluation/types.js';
import type { WaiverPolicySource } from '../evaluation/waiverPolicy.js';
import { heldLogger, type Logger } from '../log.js';
import type { BuildInfo } from '../outputs/buildInfo.js';
import { VerdictLog } from '../outputs/logs/verdictLog.js';
import type { ListenError, Listening, ListenOptions } from '../web/index.js';
import { type ServeOptions, UsageError } from './flags.js';
import { wire } from './wiring.js';

export interface RunningExporter {
  readonly monitor: Monitor;
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Everything the HTTP side needs (prom-client, the metrics modules, the routes, the web server), imported together.
 * `serve` loads it while the first evaluation waits on the daemon instead of before it (issue 12: start-up cost).
 */
async function loadHttpSide() {
  const [app, containerMetrics, evaluationMetrics, exporterMetrics, webMetrics, web] = await Promise.all([
    import('../outputs/http/app.js'),
    import('../outputs/metrics/containerMetrics.js'),
    import('../outputs/metrics/evaluationMetrics.js'),
    import('../outputs/metrics/exporterMetrics.js'),
    import('../outputs/metrics/webMetrics.js'),
    import('../web/index.js'),
  ]);
  return { ...app, ...containerMetrics, ...evaluationMetrics, ...exporterMetrics, ...webMetrics, ...web };
}
type HttpSide = Awaited<ReturnType<typeof loadHttpSide>>;

export async function startExporter(
  opts: ServeOptions,
  build: BuildInfo,
  logger: Logger,
): Promise<RunningExporter> {
  // The catalog loads while the first facts are read (issue 12: start-up cost); a waivers file needs it first,
  // since one that cannot be applied stops the exporter before anything is served.
  const catalog = import('../controls/catalog.js').then((m) => m.CATALOG);
  catalog.catch(() => {});
  const waivers = opts.waiversFile ? await loadWaivers(opts, await catalog, logger) : undefined;
  const { paths, requests, api, collector, containers, probes } = wire(opts);
  // What the first evaluation logs waits until the exporter listens (it runs while the HTTP side loads).
  const startup = heldLogger(logger);
  const monitor = new Monitor({
    waivers,
    collector,
    api,
    catalog,
    paths,
    logger: startup,
    resyncIntervalMs: opts.resyncIntervalMs,
    statPollIntervalMs: opts.statPollIntervalMs,
    evaluationTimeoutMs: evaluationDeadlineMs(opts.dockerTimeoutMs),
  });
  // Container events update the inventory, which then asks for an evaluation that reads no other source.
  monitor.on('dockerEvent', (e) => containers.handleEvent(e));
  monitor.on('dockerEventsConnection', (up) =>
    containers.markStale(up ? 'docker events stream reconnected' : 'docker events stream ended'),
  );
  containers.onChange(() => monitor.trigger('container_event'));
  // A daemon `reload` event tells the config baseline which daemon.json the daemon now applies.
  monitor.on('dockerEvent', (e) => collector.noteDockerEvent(e));
  const loading = loadHttpSide();
  // Not an unhandled rejection while the first evaluation runs: the failure is met where `loading` is awaited.
  loading.catch(() => {});
  let budget: InstanceType<HttpSide['ContainerSeriesBudget']> | null = null;
  const containerSeries = (m: HttpSide) => (budget ??= new m.ContainerSeriesBudget(opts.containersMaxSeries));
  let current: { evaluation: Evaluation; metricsText: string } | null = null;
  let started = false;
  let rendering: Promise<void> = Promise.resolve();
  let sequence = 0;
  const verdicts = new VerdictLog(startup).start();
  monitor.on('evaluation', (evaluation, trigger) => {
    const mine = ++sequence;
    verdicts.record(evaluation, trigger);
    rendering = loading
      .then((m) => m.renderEvaluation(evaluation, build, containerSeries(m)))
      .then(
        (metricsText) => {
          // Renders finish in order in practice; never let an older one replace a newer one.
          if (mine === sequence) current = { evaluation, metricsText };
        },
        (e: Error) => startup.error('rendering metrics failed', { err: e.message }),
      );
  });
  // The first evaluation starts now, while the HTTP side loads and binds; a failure to serve stops it.
  const starting = monitor.start();
  starting.catch(() => {});
  let server: Listening;
  try {
    const m = await loading;
    const webConfig = opts.webConfigFile ? new m.WebConfigReloads() : undefined;
    const registry = m.exporterRegistry({
      monitor,
      requests,
      processMetrics: opts.processMetrics,
      webConfig,
      probes,
      waivers,
    });
    const web = new m.WebTraffic();
    web.connectionsRejected.expect(m.CONNECTION_REJECT_REASONS);
    if (opts.webConfigFile) web.authThrottled.expect(m.AUTH_THROTTLE_REASONS);
    m.registerWebMetrics(registry, web);
    const app = m.createApp({
      telemetryPath: opts.telemetryPath,
      build,
      // Ready (and serving verdicts) only once the watchers are in place: an edit seen as ready is never missed.
      current: () => (started ? current : null),
      exporterRegistry: registry,
      onError: (err, path) =>
        logger.error('HTTP handler failed', { path, err: err instanceof Error ? err.message : String(err) }),
    });
    server = await listenOrExplain(m, app, {
      ...(opts.systemdSocket ? { systemdFds: systemdFds(m) } : { listenAddresses: opts.listenAddresses }),
      webConfigFile: opts.webConfigFile,
      logger,
      onReload: (ok) => webConfig?.record(ok),
      maxConnections: opts.webMaxConnections,
      onTlsHandshakeFailure: (reason) => web.tlsHandshakeFailures.inc(reason),
      onConnectionRejected: (reason) => web.connectionsRejected.inc(reason),
      onAuthThrottled: (reason) => web.authThrottled.inc(reason),
    });
    if (server.tls) web.tlsHandshakeFailures.expect(m.TLS_FAILURE_REASONS);
  } catch (e) {
    // Not serving: the usage error is the one line, not the evaluation that ran meanwhile.
    startup.discard();
    verdicts.close();
    containers.close();
    await monitor.stop();
    api.close();
    throw e;
  }
  startup.release();
  const first = await starting;
  await waivers?.watch((why) => monitor.trigger(why));
  // The evaluation listener above renders it; serve nothing half-made until it has.
  await rendering;
  if (!current) throw new Error('rendering the first evaluation failed');
  started = true;
  logger.info('started', startLine(build, server, first));
  return {
    monitor,
    address: server.address,
    async close() {
      verdicts.close();
      await waivers?.close();
      containers.close();
      await monitor.stop();
      api.close();
      await server.close();
    },
  };
}

/** The one line `serve` logs at start: what runs, where it listens, which sources it found. */
export function startLine(
  build: BuildInfo,
  server: Pick<Listening, 'listeners' | 'tls'>,
  first: Evaluation,
): Record<string, unknown> {
  const sources = Object.entries(first.sources);
  const servers = server.listeners;
  return {
    version: build.version,
    revision: build.revision,
    listen: servers
      .map(
        (s) => `${s.address.host.includes(':') ? `[${s.address.host}]` : s.address.host}:${s.address.port}`,
      )
      .join(','),
    tls: server.tls,
    docker_host: first.docker.host,
    docker: first.docker.reachable ? (first.docker.version ?? 'reachable') : 'unreachable',
    daemon_json: first.daemonConfigPath ?? 'unknown',
    sources_up: sources
      .filter(([, s]) => s.up)
      .map(([n]) => n)
      .join(','),
    sources_down: sources
      .filter(([, s]) => !s.up)
      .map(([n]) => n)
      .join(','),
    failing: first.summary.fail,
    undecided: first.summary.error,
  };
}

/** Binding errors and web config errors become one line naming the flag (and the file), not a stack trace. */
async function listenOrExplain(
  m: HttpSide,
  app: Parameters<HttpSide['listen']>[0],
  opts: ListenOptions,
): Promise<Listening> {
  try {
    return await m.listen(app, opts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof m.WebConfigError) {
      const file = opts.webConfigFile ?? '';
      throw new UsageError(
        `--web.config.file ${file}: ${err.message.startsWith(file) ? err.message.slice(file.length).replace(/^:\s*/, '') : err.message}`,
      );
    }
    if (err.syscall === 'listen' || err.syscall === 'bind' || err.syscall === 'getaddrinfo') {
      const target = (err as ListenError).target ?? '';
      const flag = target.startsWith('systemd') ? '--web.systemd-socket' : '--web.listen-address';
      throw new UsageError(`${flag} ${target}: ${bindProblem(err)}`);
    }
    throw e;
  }
}

function bindProblem(err: NodeJS.ErrnoException): string {
  const known: Record<string, string> = {
    EADDRINUSE: 'address already in use',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'no such address on this host',
    ENOTFOUND: 'host name not found',
  };
  return `${known[err.code ?? ''] ?? err.message} (${err.code})`;
}

function systemdFds(m: HttpSide): number[] {
  try {
    return m.systemdListenFds();
  } catch (e) {
    if (e instanceof m.SystemdSocketError) throw new UsageError(`--web.systemd-socket: ${e.message}`);
    throw e;
  }
}

async function loadWaivers(
  opts: ServeOptions,
  catalog: readonly ControlDefinition[],
  logger: Logger,
): Promise<WaiverPolicySource> {
  const { WaiverFileError, WaiverPolicySource } = await import('../evaluation/waiverPolicy.js');
  try {
    return await WaiverPolicySource.load(
      {
        file: opts.waiversFile!,
        catalog,
        maxDurationMs: opts.waiversMaxDurationMs,
        expiryWarningMs: opts.waiversExpiryWarningMs,
      },
      logger,
    );
  } catch (e) {
    // The entry point reports a usage error as one line and exits 2.
    if (e instanceof WaiverFileError) throw new UsageError(e.message);
    throw e;
  }
}
