// Builds the sources shared by `serve` and `check` from the parsed flags.
import { FactCollector } from '../evaluation/collectFacts.js';
import { DockerApiClient } from '../sources/dockerApi/client.js';
import { parseDockerHost, tlsFromEnvAndFlags } from '../sources/dockerApi/endpoint.js';
import { RequestLog } from '../sources/dockerApi/requestLog.js';
import { HostPaths } from '../sources/hostPaths.js';
import type { CommonOptions } from './flags.js';

export interface Wiring {
  readonly paths: HostPaths;
  readonly requests: RequestLog;
  readonly api: DockerApiClient;
  readonly collector: FactCollector;
}

export function wire(opts: CommonOptions, env: NodeJS.ProcessEnv = process.env): Wiring {
  const paths = new HostPaths(opts.hostRoot);
  const endpoint = parseDockerHost(opts.dockerHost, tlsFromEnvAndFlags(env, opts.tls));
  const requests = new RequestLog();
  const api = new DockerApiClient(endpoint, requests, opts.dockerTimeoutMs);
  const collector = new FactCollector({ paths, endpoint, api, configFile: opts.configFile });
  return { paths, requests, api, collector };
}
