// The catalog: every control the exporter evaluates, in report order. Adding a control is one entry here.
import { configValid } from './config/configValid.js';
import { CONTAINER_CONTROLS } from './containers/index.js';
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
import {
  daemonJsonOwnership,
  daemonJsonPermissions,
  socketOwnership,
  socketPermissions,
} from './files/daemonFiles.js';
import type { ControlDefinition } from './types.js';

export const CATALOG: readonly ControlDefinition[] = [
  rootless,
  icc,
  logLevel,
  iptables,
  insecureRegistries,
  storageDriver,
  tls,
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
  socketOwnership,
  socketPermissions,
  daemonJsonOwnership,
  daemonJsonPermissions,
  swarmMode,
  ...CONTAINER_CONTROLS,
];
