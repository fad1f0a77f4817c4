// Gathers one facts snapshot from the sources. Each source is refreshed on its own and can fail on its own.
import { resolve as resolvePath } from 'node:path';
import type { ContainerInventory } from '../facts/containers.js';
import type { DockerdProcess, Facts } from '../facts/types.js';
import { type Fact, factError, factOk, guarded } from '../facts/types.js';
import type { ContainerInventoryTracker } from '../sources/containers/inventory.js';
import { type ConfigPath, readDaemonConfig, resolveConfigPath } from '../sources/daemonConfigFile.js';
import type { DockerApiClient, DockerEvent } from '../sources/dockerApi/client.js';
import type { DockerEndpoint } from '../sources/dockerApi/endpoint.js';
import { findDockerd } from '../sources/dockerdProcess.js';
import { ProbeLog } from '../sources/exposure/probeLog.js';
import { collectFileStats } from '../sources/fileStats.js';
import type { HostPaths } from '../sources/hostPaths.js';
import { collectHost, type HostIdentity } from '../sources/hostSecurity.js';
import { ExposureCollector } from './exposureCollector.js';

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
}

/**
 * Which sources to refresh: a daemon.json edit needs no Docker API call, a Docker event no file read, and a
 * container event ('containers') only a new snapshot of the inventory, which the events already updated.
 */
export type Refresh = 'config' | 'api' | 'containers' | 'all';

export class FactCollector {
  private last: Facts | null = null;
  private hostIdentity: Fact<HostIdentity> | null = null;
  /** The config path learned from the running dockerd, kept while the daemon is down or restarting. */
  private learnedPath: ConfigPath | null = null;
  private exposureCollector: ExposureCollector | null = null;

  constructor(private readonly deps: CollectorDeps) {}

  /** The most recent snapshot, for the monitor's metadata poll. */
  get lastFacts(): Facts | null {
    return this.last;
  }

  private get exposure(): ExposureCollector {
    this.exposureCollector ??= new ExposureCollector({
      paths: this.deps.paths,
      probes: this.deps.probes ?? new ProbeLog(),
    });
    return this.exposureCollector;
  }

  /** Docker events feed the config baseline (a daemon `reload` applies part of daemon.json). */
  noteDockerEvent(e: DockerEvent): void {
    this.exposure.noteDockerEvent(e);
  }

  get socketPath(): string | null {
    return this.deps.endpoint.socketPath ? resolvePath(this.deps.endpoint.socketPath) : null;
  }

  async collect(refresh: Refresh): Promise<Facts> {
    const { paths, endpoint, api } = this.deps;
    const prev = this.last;
    if (refresh === 'containers' && prev) {
      const facts: Facts = {
        ...prev,
        collectedAt: Date.now(),
        containers: await this.containersFact(refresh, false, prev.dockerd),
      };
      this.last = facts;
      return facts;
    }
    const full = refresh === 'all' || prev === null;
    const socketPath = this.socketPath;
    const [dockerd, apiFacts, host] = await Promise.all([
      guarded('dockerd', () => findDockerd(paths, { socketPath, tcp: endpoint.tcp })),
      full || refresh === 'api' ? guarded('docker_api', () => api.collect()) : Promise.resolve(prev.api),
      full || !this.hostIdentity
        ? guarded('host', () => collectHost(paths))
        : Promise.resolve(this.hostIdentity),
    ]);
    this.hostIdentity = host;
    let where = resolveConfigPath({
      flag: this.deps.configFile,
      dockerd: dockerd.ok ? dockerd.value : null,
      socketPath,
      homes: host.ok ? host.value.homes : {},
    });
    if (dockerd.ok && where.origin !== 'flag') this.learnedPath = where;
    else if (!dockerd.ok && this.learnedPath && where.origin !== 'flag') where = this.learnedPath;
    const [daemonConfig, files, containers] = await Promise.all([
      guarded('daemon_config', () => readDaemonConfig(paths, where)),
      guarded('file_stats', () => collectFileStats(paths, socketPath, where.path)),
      this.containersFact(refresh, full, dockerd),
    ]);
    const exposure = await this.exposure.collect(refresh, {
      daemonConfig,
      dockerd,
      api: apiFacts,
      homes: host.ok ? host.value.homes : {},
    });
    const facts: Facts = {
      collectedAt: Date.now(),
      exporter: {
        dockerHost: endpoint.host,
        socketPath,
        swarmExpected: this.deps.swarmExpected ?? false,
        tlsExpiryWarningSeconds: this.deps.tlsExpiryWarningSeconds,
        trustedUsers: this.deps.trustedUsers,
      },
      daemonConfig,
      dockerd,
      api: apiFacts,
      files,
      host: host.ok ? factOk(host.value.facts) : factError(host.error),
      containers,
      ...exposure,
    };
    this.last = facts;
    return facts;
  }

  /** The inventory as events left it; re-listed on a full refresh, or when events may have been missed. */
  private async containersFact(
    refresh: Refresh,
    full: boolean,
    dockerd: Fact<DockerdProcess>,
  ): Promise<Fact<ContainerInventory>> {
    const inventory = this.deps.containers;
    if (!inventory) return factError('container inventory not enabled');
    // A daemon.json edit says nothing about containers, and never reaches the Docker API.
    if (refresh === 'config' && !full) return this.last?.containers ?? inventory.snapshot();
    return guarded('containers', () =>
      inventory.collect({ full, dockerdPid: dockerd.ok ? dockerd.value.pid : null }),
    );
  }
}
