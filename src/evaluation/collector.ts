// Gathers one facts snapshot from every source, in two rounds: what the exporter finds by itself (dockerd's
// process, the API, daemon.json, the host), then what the dockerd model of those facts locates (systemd units,
// TLS files, CIS host files, the listeners to probe, the config baseline). The container inventory, the slowest
// read on a big host and needed by neither round, runs beside both. Every source is read through the
// same readSource: guarded, timed, and kept from the last collection when this refresh does not concern it.
import { resolve as resolvePath } from 'node:path';
import {
  declaredListeners,
  type FirstRound,
  hostFileLocations,
  readSettings,
  tlsFileRefs,
} from '../dockerd/index.js';
import {
  type DockerdProcess,
  type Fact,
  type Facts,
  factError,
  factOk,
  type SourceName,
} from '../facts/types.js';
import type { ContainerInventoryTracker } from '../sources/containers/inventory.js';
import { type ConfigPath, resolveConfigPath } from '../sources/daemonConfigFile.js';
import type { DockerApiClient, DockerEvent } from '../sources/dockerApi/client.js';
import type { DockerEndpoint } from '../sources/dockerApi/endpoint.js';
import { ProbeLog } from '../sources/exposure/probeLog.js';
import { factSources } from '../sources/factSources.js';
import type { HostPaths } from '../sources/hostPaths.js';
import { type Refresh, readSource, type Source } from '../sources/source.js';

export type { Refresh };

export interface CollectorDeps {
  readonly paths: HostPaths;
  readonly endpoint: DockerEndpoint;
  readonly api: DockerApiClient;
  /** --docker.config-file, when given. */
  readonly configFile?: string;
  /** The event-driven container inventory; without it the containers source reports itself unavailable. */
  readonly containers?: ContainerInventoryTracker;
  /** --swarm.expected. */
  readonly swarmExpected?: boolean;
  /** Counts the unauthenticated-access probes (never through the Docker API client). */
  readonly probes?: ProbeLog;
  /** --tls.expiry-warning in seconds. */
  readonly tlsExpiryWarningSeconds?: number;
  /** --host.trusted-users. */
  readonly trustedUsers?: readonly string[];
  /** --cis.version. */
  readonly cisVersion?: string;
  /** check --docker.release. */
  readonly dockerRelease?: string;
  /** --host.docker-socket: the daemon's socket as the host sees it, when --docker.host is a proxy. */
  readonly hostDockerSocket?: string;
}

export class FactCollector {
  private last: Facts | null = null;
  private readonly sources: ReturnType<typeof factSources>;
  /** The last fact and read time of every source, kept across refreshes that do not concern it. */
  private readonly readings = new Map<SourceName, { fact: Fact<unknown>; durationSeconds: number }>();
  /** The config path learned from the running dockerd, kept while the daemon is down or restarting. */
  private learnedPath: ConfigPath | null = null;
  /** Facts objects kept while their content is the same, so the incremental evaluation sees them unchanged. */
  private exporterFacts: Facts['exporter'] | null = null;
  private hostFacts: { from: unknown; fact: Facts['host'] } | null = null;

  constructor(private readonly deps: CollectorDeps) {
    this.sources = factSources({
      paths: deps.paths,
      api: deps.api,
      containers: deps.containers,
      probes: deps.probes ?? new ProbeLog(),
    });
  }

  /** The most recent snapshot, for the monitor's metadata poll. */
  get lastFacts(): Facts | null {
    return this.last;
  }

  /** Docker events feed the config baseline (a daemon `reload` applies part of daemon.json). */
  noteDockerEvent(e: DockerEvent): void {
    this.sources.baselineRecorder.noteEvent(e);
  }

  /** The daemon's socket as a host path: --host.docker-socket, else the one the exporter connects to. */
  get socketPath(): string | null {
    if (this.deps.hostDockerSocket) return this.deps.hostDockerSocket;
    return this.deps.endpoint.socketPath ? resolvePath(this.deps.endpoint.socketPath) : null;
  }

  /** The source's fact: read now when this refresh concerns it (or it was never read), else the last one. */
  private async read<In, T>(source: Source<In, T>, refresh: Refresh, input: () => In): Promise<Fact<T>> {
    const kept = this.readings.get(source.name);
    if (kept && !source.refreshOn.includes(refresh)) return kept.fact as Fact<T>;
    // A source read for the first time is read whole, whatever the refresh.
    const reading = await readSource(source, input, kept ? refresh : 'all');
    this.readings.set(source.name, reading);
    return reading.fact;
  }

  async collect(refresh: Refresh): Promise<Facts> {
    const { endpoint } = this.deps;
    const s = this.sources;
    const first = this.last === null;
    const socketPath = this.socketPath;

    // Behind a proxy, the daemon is the one serving the host's socket, seen under --host.root.
    const finding = this.read(s.dockerd, refresh, () =>
      this.deps.hostDockerSocket
        ? { socketPath: this.deps.paths.resolve(this.deps.hostDockerSocket), tcp: null }
        : { socketPath, tcp: endpoint.tcp },
    );
    // The container inventory (a list and an inspect per container: most of a full read on a big host) starts
    // at once and goes on through both rounds: nothing else depends on it, and only its daemon sockets wait for
    // dockerd's process to be found (issue 12).
    const reading = this.read(s.containers, refresh, () => ({
      full: refresh === 'all' || first,
      dockerdPid: finding.then((d) => (d.ok ? d.value.pid : null)),
    }));
    const [dockerd, api, host] = await Promise.all([
      finding,
      this.read(s.api, refresh, () => undefined),
      this.read(s.host, refresh, () => undefined),
    ]);
    const homes = host.ok ? host.value.homes : {};
    const where = this.configPath(dockerd, homes, socketPath);
    const [daemonConfig, files] = await Promise.all([
      this.read(s.daemonConfig, refresh, () => where),
      this.read(s.files, refresh, () => ({ socketPath, daemonJson: where.path })),
    ]);

    const round: FirstRound = { daemonConfig, dockerd, api, homes };
    const settings = readSettings(round, this.deps.dockerRelease);
    const process = dockerd.ok ? dockerd.value : null;
    const systemd = await this.read(s.systemd, refresh, () => process);
    const configBaseline = await this.read(s.configBaseline, refresh, () => ({
      dockerd: process,
      config: daemonConfig.ok ? daemonConfig.value : null,
    }));
    const [tlsFiles, hostFiles, exposure] = await Promise.all([
      this.read(s.tlsFiles, refresh, () => tlsFileRefs(settings, round)),
      this.read(s.hostFiles, refresh, () => hostFileLocations(settings, round, systemd, socketPath ?? null)),
      this.read(s.exposure, refresh, () => declaredListeners(settings, round, systemd, configBaseline)),
    ]);
    const containers = await reading;

    if (this.exporterFacts?.socketPath !== socketPath) {
      this.exporterFacts = {
        dockerHost: endpoint.host,
        socketPath,
        swarmExpected: this.deps.swarmExpected ?? false,
        tlsExpiryWarningSeconds: this.deps.tlsExpiryWarningSeconds,
        trustedUsers: this.deps.trustedUsers,
        ...(this.deps.cisVersion ? { cisVersion: this.deps.cisVersion } : {}),
        ...(this.deps.dockerRelease ? { dockerRelease: this.deps.dockerRelease } : {}),
      };
    }
    if (this.hostFacts?.from !== host) {
      this.hostFacts = { from: host, fact: host.ok ? factOk(host.value.facts) : factError(host.error) };
    }
    const facts: Facts = {
      collectedAt: Date.now(),
      exporter: this.exporterFacts,
      daemonConfig,
      dockerd,
      api,
      files,
      host: this.hostFacts.fact,
      containers,
      systemd,
      tlsFiles,
      hostFiles,
      exposure,
      configBaseline,
      sourceDurations: Object.fromEntries(
        [...this.readings].map(([name, r]) => [name, r.durationSeconds]),
      ) as Facts['sourceDurations'],
    };
    this.last = facts;
    return facts;
  }

  /** daemon.json: --docker.config-file, else the running dockerd's, else the last one it was seen using. */
  private configPath(
    dockerd: Fact<DockerdProcess>,
    homes: Record<number, string>,
    socketPath: string | null,
  ): ConfigPath {
    const where = resolveConfigPath({
      flag: this.deps.configFile,
      dockerd: dockerd.ok ? dockerd.value : null,
      socketPath,
      homes,
    });
    if (where.origin === 'flag') return where;
    if (dockerd.ok) this.learnedPath = where;
    else if (this.learnedPath) return this.learnedPath;
    return where;
  }
}
