// Every source of facts, each declared in the one Source shape: what it reads, when it reads again, and what
// it needs. The I/O itself lives in the modules named here; the collector decides the order and the inputs.
// Adding a source: its I/O module, its name in SourceName (src/facts/types.ts), one entry here, and where the
// collector passes its input.

import type { ConfigBaseline } from '../facts/baselineTypes.js';
import type { ContainerInventory } from '../facts/containers.js';
import type { ExposureFacts } from '../facts/exposureTypes.js';
import type { HostFileFacts, SystemdFacts, TlsFileFacts } from '../facts/hostFileTypes.js';
import type { ExposureInput, HostFilesInput, TlsFileRef } from '../facts/locations.js';
import type { DaemonConfigFile, DockerApiFacts, DockerdProcess, Fact, FileFacts } from '../facts/types.js';
import { factError } from '../facts/types.js';
import { type BaselineInput, ConfigBaselineRecorder } from './configBaseline.js';
import type { ContainerInventoryTracker } from './containers/inventory.js';
import { type ConfigPath, readDaemonConfig } from './daemonConfigFile.js';
import type { DockerApiClient } from './dockerApi/client.js';
import { type DockerHostTarget, findDockerd } from './dockerdProcess.js';
import { collectExposure } from './exposure/collectExposure.js';
import type { ProbeLog } from './exposure/probeLog.js';
import { collectFileStats } from './fileStats.js';
import { collectHostFiles } from './hostFiles/collectHostFiles.js';
import type { HostPaths } from './hostPaths.js';
import { collectHost, type HostIdentity } from './hostSecurity.js';
import type { Source } from './source.js';
import { collectSystemd } from './systemd/units.js';
import { collectTlsFiles } from './tlsFiles.js';

export interface FactSourceDeps {
  readonly paths: HostPaths;
  readonly api: DockerApiClient;
  /** The event-driven container inventory; without it the containers source reports itself unavailable. */
  readonly containers?: ContainerInventoryTracker;
  /** Counts the unauthenticated-access probes (never through the Docker API client). */
  readonly probes: ProbeLog;
}

/** Everything but a container event reads these again. */
const ON_CHANGE = ['config', 'api', 'all'] as const;
/** Files located from dockerd's configuration: read again when it may have changed. */
const ON_CONFIG = ['config', 'all'] as const;

export function factSources(deps: FactSourceDeps) {
  const { paths, api, containers, probes } = deps;
  const baseline = new ConfigBaselineRecorder();
  return {
    /** Docker events feed the config baseline (a daemon `reload` applies part of daemon.json). */
    baselineRecorder: baseline,

    // Round one: what the exporter can find out by itself.
    dockerd: {
      name: 'dockerd_cmdline',
      refreshOn: ON_CHANGE,
      collect: (target) => findDockerd(paths, target),
    } satisfies Source<DockerHostTarget, DockerdProcess>,
    api: {
      name: 'docker_api',
      refreshOn: ['api', 'all'],
      collect: () => api.collect(),
    } satisfies Source<void, DockerApiFacts>,
    host: {
      name: 'host',
      refreshOn: ['all'],
      collect: () => collectHost(paths),
    } satisfies Source<void, HostIdentity>,
    daemonConfig: {
      name: 'daemon_config',
      refreshOn: ON_CHANGE,
      collect: (where) => readDaemonConfig(paths, where),
    } satisfies Source<ConfigPath, DaemonConfigFile>,
    files: {
      name: 'file_stats',
      refreshOn: ON_CHANGE,
      collect: ({ socketPath, daemonJson }) => collectFileStats(paths, socketPath, daemonJson),
    } satisfies Source<{ socketPath: string | null; daemonJson: string }, FileFacts>,
    containers: {
      name: 'containers',
      // A daemon.json edit says nothing about containers, and never reaches the Docker API.
      refreshOn: ['api', 'containers', 'all'],
      collect: async (opts): Promise<Fact<ContainerInventory>> =>
        containers ? containers.collect(opts) : factError('container inventory not enabled'),
    } satisfies Source<{ full: boolean; dockerdPid: number | null }, ContainerInventory>,

    // Round two: located by the dockerd model from round one.
    systemd: {
      name: 'systemd',
      refreshOn: ON_CONFIG,
      collect: (dockerd) => collectSystemd(paths, dockerd),
    } satisfies Source<DockerdProcess | null, SystemdFacts>,
    configBaseline: {
      name: 'config_baseline',
      refreshOn: ON_CHANGE,
      collect: (input) => baseline.observe(paths, input),
    } satisfies Source<BaselineInput, ConfigBaseline>,
    tlsFiles: {
      name: 'tls_files',
      refreshOn: ON_CONFIG,
      collect: (refs) => collectTlsFiles(paths, refs),
    } satisfies Source<readonly TlsFileRef[], TlsFileFacts>,
    hostFiles: {
      name: 'host_files',
      refreshOn: ON_CONFIG,
      collect: (where) => collectHostFiles(paths, where),
    } satisfies Source<HostFilesInput, HostFileFacts>,
    exposure: {
      name: 'exposure',
      refreshOn: ON_CHANGE,
      collect: (input) => collectExposure(paths, input, probes),
    } satisfies Source<ExposureInput, ExposureFacts>,
  };
}
