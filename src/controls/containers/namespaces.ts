// Host namespaces a container may share: network, PID, IPC, UTS.
import type { ContainerFacts } from '../../facts/containers.js';
import type { CisIds, Severity } from '../types.js';
import { containerControl } from './containerControl.js';

function hostNamespace(opts: {
  id: string;
  cis: CisIds;
  namespace: string;
  severity: Severity;
  flag: string;
  compose: string;
  mode: (c: ContainerFacts) => string;
  why: string;
}) {
  return containerControl({
    id: opts.id,
    cis: opts.cis,
    title: `The host's ${opts.namespace} namespace is not shared`,
    severity: opts.severity,
    expected: `a ${opts.namespace} namespace of its own`,
    remediation: `Recreate the container without ${opts.flag}=host (compose: remove ${opts.compose}: host); ${opts.why}`,
    check: (c) =>
      opts.mode(c) === 'host' ? `shares the host ${opts.namespace} namespace (${opts.flag}=host)` : null,
  });
}

export const hostNetwork = hostNamespace({
  id: 'container_host_network',
  cis: { '1.6.0': '5.10' },
  namespace: 'network',
  severity: 'high',
  flag: '--network',
  compose: 'network_mode',
  mode: (c) => c.networkMode,
  why: 'publish the ports it serves instead, so it cannot reach or bind every host interface and service.',
});

export const hostPid = hostNamespace({
  id: 'container_host_pid',
  cis: { '1.6.0': '5.16' },
  namespace: 'PID',
  severity: 'high',
  flag: '--pid',
  compose: 'pid',
  mode: (c) => c.pidMode,
  why: 'with the host PID namespace it sees and can signal every process on the host.',
});

export const hostIpc = hostNamespace({
  id: 'container_host_ipc',
  cis: { '1.6.0': '5.17' },
  namespace: 'IPC',
  severity: 'high',
  flag: '--ipc',
  compose: 'ipc',
  mode: (c) => c.ipcMode,
  why: "with the host IPC namespace it can read and write the host's shared memory.",
});

export const hostUts = hostNamespace({
  id: 'container_host_uts',
  cis: { '1.6.0': '5.21' },
  namespace: 'UTS',
  severity: 'medium',
  flag: '--uts',
  compose: 'uts',
  mode: (c) => c.utsMode,
  why: "with the host UTS namespace it can change the host's hostname.",
});
