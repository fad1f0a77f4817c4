// The per-container controls in CIS order (4.1, then section 5).
import type { ControlDefinition } from '../types.js';
import { apparmor, seccomp, selinux } from './confinement.js';
import { dockerSocket, hostDevices, mountPropagation, sensitiveMounts } from './hostAccess.js';
import { hostIpc, hostNetwork, hostPid, hostUts } from './namespaces.js';
import { defaultBridge, portBinding, privilegedPorts } from './networking.js';
import { capabilities, hostUserns, noNewPrivileges, privileged, rootUser } from './privileges.js';
import { sshd } from './processes.js';
import {
  cgroupParent,
  cpuShares,
  healthcheck,
  memoryLimit,
  pidsLimit,
  readonlyRootfs,
  restartPolicy,
} from './resources.js';

export const CONTAINER_CONTROLS: readonly ControlDefinition[] = [
  rootUser,
  apparmor,
  selinux,
  capabilities,
  privileged,
  sensitiveMounts,
  sshd,
  privilegedPorts,
  hostNetwork,
  memoryLimit,
  cpuShares,
  readonlyRootfs,
  portBinding,
  restartPolicy,
  hostPid,
  hostIpc,
  hostDevices,
  mountPropagation,
  hostUts,
  seccomp,
  cgroupParent,
  noNewPrivileges,
  healthcheck,
  pidsLimit,
  defaultBridge,
  hostUserns,
  dockerSocket,
];
