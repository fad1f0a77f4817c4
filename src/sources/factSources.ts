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
import { type ListeningSocket, listeningTcpSockets } from './exposure/listeningSockets.js';
import type { ProbeLog } from './exposure/probeLog.js';
import { collectFileStats } from './fileStats.js';
import { AuditHostState } from './hostFiles/auditRules.js';
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

export interface SourceInfo extends Pick<Source<unknown, unknown>, 'name' | 'refreshOn'> {
  /** What the source reads, for people. */
  readonly reads: string;
}

/** What each source reads and when it reads again: the declarations below and the README's sources table. */
export const SOURCES = {
  dockerd: {
    name: 'dockerd_cmdline',
    refreshOn: ON_CHANGE,
    reads:
      'the dockerd process serving the Docker host: command line, environment, working directory, start time (/proc)',
  },
  api: {
    name: 'docker_api',
    refreshOn: ['api', 'all'],
    reads: '/_ping, /version, /info and the default bridge network of the Docker Engine API',
  },
  host: {
    name: 'host',
    refreshOn: ['all'],
    reads: 'AppArmor and SELinux support, users and groups of the host',
  },
  daemonConfig: {
    name: 'daemon_config',
    refreshOn: ON_CHANGE,
    reads: "daemon.json, from --docker.config-file, dockerd's --config-file or the default for its user",
  },
  files: {
    name: 'file_stats',
    refreshOn: ON_CHANGE,
    reads: 'mode, owner and type of the Docker socket and daemon.json',
  },
  containers: {
    name: 'containers',
    // A daemon.json edit says nothing about containers, and never reaches the Docker API.
    refreshOn: ['api', 'containers', 'all'],
    reads:
      'containers that are not exited or dead: listed, inspected on appearance, then followed by Docker events',
  },
  systemd: {
    name: 'systemd',
    refreshOn: ON_CONFIG,
    reads: 'docker.service and docker.socket with their drop-ins, and the command line systemd would start',
  },
  configBaseline: {
    name: 'config_baseline',
    refreshOn: ON_CHANGE,
    reads: 'daemon.json as the running dockerd read it (at start, at its last reload), for drift',
  },
  tlsFiles: {
    name: 'tls_files',
    refreshOn: ON_CONFIG,
    reads:
      "the TLS CA, certificate and key dockerd is configured with (certificates parsed, the key only stat'ed)",
  },
  hostFiles: {
    name: 'host_files',
    refreshOn: ON_CONFIG,
    reads:
      "CIS section 1 and 3 files located from dockerd's configuration, the data root's mount, the socket group's members, audit rules (those loaded in the kernel, and the binaries' places, at full refreshes only)",
  },
  exposure: {
    name: 'exposure',
    refreshOn: ON_CHANGE,
    reads:
      'every TCP listener of the daemon, probed with GET /_ping and no client certificate (the listening sockets read again on every refresh but a daemon.json edit)',
  },
} as const satisfies Record<string, SourceInfo>;

export function factSources(deps: FactSourceDeps) {
  const { paths, api, containers, probes } = deps;
  const baseline = new ConfigBaselineRecorder();
  /** dockerd's TCP listeners, as the last refresh that could see them change read them. */
  let listeners: { readonly pid: number; readonly sockets: Promise<readonly ListeningSocket[]> } | null =
    null;
  /** The kernel's audit rules and the binaries' places, as the last full refresh read them. */
  let auditHost: AuditHostState | null = null;
  return {
    /** Docker events feed the config baseline (a daemon `reload` applies part of daemon.json). */
    baselineRecorder: baseline,

    // Round one: what the exporter can find out by itself.
    dockerd: {
      ...SOURCES.dockerd,
      collect: (target) => findDockerd(paths, target),
    } satisfies Source<DockerHostTarget, DockerdProcess>,
    api: {
      ...SOURCES.api,
      collect: () => api.collect(),
    } satisfies Source<void, DockerApiFacts>,
    host: {
      ...SOURCES.host,
      collect: () => collectHost(paths),
    } satisfies Source<void, HostIdentity>,
    daemonConfig: {
      ...SOURCES.daemonConfig,
      collect: (where) => readDaemonConfig(paths, where),
    } satisfies Source<ConfigPath, DaemonConfigFile>,
    files: {
      ...SOURCES.files,
      collect: ({ socketPath, daemonJson }) => collectFileStats(paths, socketPath, daemonJson),
    } satisfies Source<{ socketPath: string | null; daemonJson: string }, FileFacts>,
    containers: {
      ...SOURCES.containers,
      collect: async (opts): Promise<Fact<ContainerInventory>> =>
        containers ? containers.collect(opts) : factError('container inventory not enabled'),
    } satisfies Source<
      { full: boolean; dockerdPid: number | null | Promise<number | null> },
      ContainerInventory
    >,

    // Round two: located by the dockerd model from round one.
    systemd: {
      ...SOURCES.systemd,
      collect: (dockerd) => collectSystemd(paths, dockerd),
    } satisfies Source<DockerdProcess | null, SystemdFacts>,
    configBaseline: {
      ...SOURCES.configBaseline,
      collect: (input) => baseline.observe(paths, input),
    } satisfies Source<BaselineInput, ConfigBaseline>,
    tlsFiles: {
      ...SOURCES.tlsFiles,
      collect: (refs) => collectTlsFiles(paths, refs),
    } satisfies Source<readonly TlsFileRef[], TlsFileFacts>,
    hostFiles: {
      ...SOURCES.hostFiles,
      collect: (where, refresh) => {
        // auditctl -l (a process start) and the binary search were most of this source's time on a daemon.json
        // edit (issue 12); the kernel's rules change by auditctl or a reboot and the binaries by a package
        // install, never with dockerd's configuration: a full refresh (start-up, the periodic resync) reads
        // them and a config refresh keeps them. Everything located from the configuration is read every time.
        if (refresh === 'all' || auditHost === null) auditHost = new AuditHostState();
        return collectHostFiles(paths, where, auditHost);
      },
    } satisfies Source<HostFilesInput, HostFileFacts>,
    exposure: {
      ...SOURCES.exposure,
      collect: (input, refresh) =>
        collectExposure(paths, input, probes, (pid) => {
          // A daemon.json edit cannot change what a running dockerd listens on (hosts apply at start; swarm
          // listeners come with Docker events, a restart with a new process): reading all its descriptors
          // again was most of this source's time on an edit (issue 12). The listeners are probed every time.
          if (refresh === 'config' && listeners?.pid === pid) return listeners.sockets;
          const sockets = listeningTcpSockets(paths, pid);
          const kept = { pid, sockets };
          listeners = kept;
          // A failed read is not kept: the next refresh reads again.
          sockets.catch(() => {
            if (listeners === kept) listeners = null;
          });
          return sockets;
        }),
    } satisfies Source<ExposureInput, ExposureFacts>,
  };
}
