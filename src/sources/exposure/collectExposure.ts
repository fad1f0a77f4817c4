// Probes every TCP listener of the daemon without a client certificate.
import { readlink } from 'node:fs/promises';
import type { ExposureFacts } from '../../facts/exposureTypes.js';
import type { ExposureInput } from '../../facts/locations.js';
import { type Fact, factError, factOk } from '../../facts/types.js';
import { orAbsent } from '../absent.js';
import type { HostPaths } from '../hostPaths.js';
import { isLoopbackTarget, mergeListeners } from './listeners.js';
import { type ListeningSocket, listeningTcpSockets } from './listeningSockets.js';
import { DEFAULT_PROBE_TIMEOUT_MS, probeListener, skippedProbe } from './probe.js';
import type { ProbeLog } from './probeLog.js';

/**
 * Whether the exporter shares dockerd's network namespace. /proc/self is the exporter itself, so it is
 * read without the --host.root prefix on purpose.
 */
async function sameNetns(paths: HostPaths, pid: number | null): Promise<ExposureFacts['netns']> {
  if (pid === null) return 'unknown';
  const [mine, theirs] = await Promise.all([
    orAbsent(readlink('/proc/self/ns/net'), null),
    orAbsent(readlink(paths.proc(pid, 'ns', 'net')), null),
  ]);
  if (!mine || !theirs) return 'unknown';
  return mine === theirs ? 'same' : 'different';
}

/**
 * `listening`: the TCP sockets dockerd listens on (default: read from /proc now); the caller may keep them
 * while they cannot have changed.
 */
export async function collectExposure(
  paths: HostPaths,
  input: ExposureInput,
  log: ProbeLog,
  listening: (pid: number) => Promise<readonly ListeningSocket[]> = (pid) => listeningTcpSockets(paths, pid),
): Promise<Fact<ExposureFacts>> {
  try {
    const notes = [...input.notes];
    const declared = [...input.declared];
    if (input.dockerdPid !== null) {
      try {
        for (const s of await listening(input.dockerdPid)) {
          const text = s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
          declared.push({ text, origin: 'listening_socket', host: s.host, port: s.port });
        }
      } catch (e) {
        notes.push(`listening sockets of dockerd unreadable: ${(e as Error).message}`);
      }
    }
    const netns = await sameNetns(paths, input.dockerdPid);
    if (netns === 'different') {
      notes.push(
        "the exporter is not in dockerd's network namespace: loopback listeners cannot be probed from here",
      );
    }
    const listeners = await Promise.all(
      mergeListeners(declared).map((l) =>
        netns === 'different' && isLoopbackTarget(l.probeHost)
          ? skippedProbe(l, "loopback target outside dockerd's network namespace")
          : probeListener(l, log, input.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS),
      ),
    );
    return factOk({ listeners, netns, inheritsSockets: input.inheritsSockets, notes });
  } catch (e) {
    return factError(`exposure probe: ${(e as Error).message}`);
  }
}
