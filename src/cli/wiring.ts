// Builds the sources shared by `serve` and `check` from the parsed flags.
import { resolve } from 'node:path';
import { FactCollector } from '../evaluation/collector.js';
import { ContainerInventoryTracker } from '../sources/containers/inventory.js';
import { DockerApiClient } from '../sources/dockerApi/client.js';
import { parseDockerHost, tlsFromEnvAndFlags } from '../sources/dockerApi/endpoint.js';
import { RequestLog } from '../sources/dockerApi/requestLog.js';
import { ProbeLog } from '../sources/exposure/probeLog.js';
import { HostPaths } from '../sources/hostPaths.js';
import type { CommonOptions } from './flags.js';

export interface Wiring {
  readonly paths: HostPaths;
  readonly requests: RequestLog;
  readonly api: DockerApiClient;
  readonly collector: FactCollector;
  readonly containers: ContainerInventoryTracker;
  /** The unauthenticated-access probes, counted apart from Docker API requests. */
  readonly probes: ProbeLog;
}

export function wire(
  opts: CommonOptions & { readonly dockerRelease?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Wiring {
  const paths = new HostPaths(opts.hostRoot);
  const endpoint = parseDockerHost(opts.dockerHost, tlsFromEnvAndFlags(env, opts.tls));
  const requests = new RequestLog();
  const probes = new ProbeLog();
  const api = new DockerApiClient(endpoint, requests, opts.dockerTimeoutMs);
  const containers = new ContainerInventoryTracker({
    api,
    paths,
    exporterSocket: opts.hostDockerSocket ?? (endpoint.socketPath ? resolve(endpoint.socketPath) : null),
  });
  const collector = new FactCollector({
    paths,
    endpoint,
    api,
    configFile: opts.configFile,
    containers,
    swarmExpected: opts.swarmExpected,
    probes,
    tlsExpiryWarningSeconds: opts.tlsExpiryWarningMs / 1000,
    trustedUsers: opts.trustedUsers,
    cisVersion: opts.cisVersion,
    ...(opts.dockerRelease ? { dockerRelease: opts.dockerRelease } : {}),
    hostDockerSocket: opts.hostDockerSocket,
  });
  return { paths, requests, api, collector, containers, probes };
}
