// The catalog: every control the exporter evaluates, in report order. Adding a control is one entry here.

import { CONTAINER_CONTROLS } from './containers/index.js';
import { configValid } from './daemon/configValid.js';
import { configDrift } from './daemon/drift.js';
import { apparmor, noNewPrivileges, rootless, seccomp, selinux, usernsRemap } from './daemon/isolation.js';
import { logLevel, logRotation, remoteLogging } from './daemon/logging.js';
import { icc, insecureRegistries, iptables, userlandProxy } from './daemon/network.js';
import {
  authorizationPlugin,
  cgroupParent,
  defaultUlimits,
  experimental,
  liveRestore,
} from './daemon/runtimeDefaults.js';
import { baseDeviceSize, storageDriver } from './daemon/storage.js';
import { swarmMode } from './daemon/swarm.js';
import { tls } from './daemon/tls.js';
import { apiUnauthenticated } from './exposure/apiUnauthenticated.js';
import { tlsCertExpiry } from './exposure/tlsCertExpiry.js';
import { CIS_FILE_CONTROLS, CIS_FILE_CONTROLS_LATE } from './files/cisFiles.js';
import {
  daemonJsonOwnership,
  daemonJsonPermissions,
  socketOwnership,
  socketPermissions,
} from './files/daemonFiles.js';
import { AUDIT_CONTROLS } from './host/audit.js';
import { dockerGroupMembers } from './host/dockerGroup.js';
import { dockerPartition } from './host/partition.js';
import type { ControlDefinition } from './types.js';

export const CATALOG: readonly ControlDefinition[] = [
  dockerPartition,
  dockerGroupMembers,
  ...AUDIT_CONTROLS,
  rootless,
  icc,
  logLevel,
  iptables,
  insecureRegistries,
  storageDriver,
  tls,
  apiUnauthenticated,
  tlsCertExpiry,
  defaultUlimits,
  usernsRemap,
  cgroupParent,
  baseDeviceSize,
  authorizationPlugin,
  remoteLogging,
  noNewPrivileges,
  liveRestore,
  userlandProxy,
  seccomp,
  experimental,
  selinux,
  apparmor,
  logRotation,
  configValid,
  configDrift,
  ...CIS_FILE_CONTROLS,
  socketOwnership,
  socketPermissions,
  daemonJsonOwnership,
  daemonJsonPermissions,
  ...CIS_FILE_CONTROLS_LATE,
  swarmMode,
  ...CONTAINER_CONTROLS,
];

/** The control's id in the CIS Docker Benchmark the reports show (v1.6.0), or null beyond the benchmark. */
export const cisId = (c: ControlDefinition): string | null => c.cis;
