// The dockerd model's public face: everything above it (controls, evaluation, outputs) imports from here.
export { type CertificateInUse, certificatesInUse } from './certificates.js';
export { type ConfigFinding, validateDaemonConfig } from './config/validateDaemonConfig.js';
export { computeDrift, type DriftItem, type DriftReport } from './drift/drift.js';
export { type Derived, derive, orThrow, UndecidableError } from './errors.js';
export { declaredListeners, type FirstRound, hostFileLocations, tlsFileRefs } from './locations.js';
export { type DockerdModel, modelDockerd } from './model.js';
export { type DaemonOption, daemonOptions } from './options.js';
export { engineAtLeast, hasSecurityOption, type SecurityOption, securityOptions } from './securityOptions.js';
export {
  ConfigUnknownError,
  DaemonSettings,
  type Origin,
  readSettings,
  runningVersion,
  type Setting,
} from './settings.js';
export { type ConfiguredListeners, configuredListeners, type TlsMode, tlsMode } from './tls.js';
