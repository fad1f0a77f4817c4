// The dockerd model: what the daemon described by one facts snapshot will do, computed once per evaluation
// into an immutable view. Controls, the exposure summary and the metrics read it; none of them re-derives it.
import { dockerdConfigFile } from '../facts/dockerd/flags.js';
import { type DockerdRelease, releaseFor } from '../facts/dockerd/releases.js';
import type { Facts } from '../facts/types.js';
import { type CertificateInUse, certificatesInUse } from './certificates.js';
import { type ValidateDaemonConfigResult, validateDaemonConfig } from './config/validateDaemonConfig.js';
import { computeDrift, type DriftReport } from './drift/drift.js';
import { type Derived, derive, UndecidableError } from './errors.js';
import { type DaemonOption, daemonOptions } from './options.js';
import { hasSecurityOption, type SecurityOption, securityOptions } from './securityOptions.js';
import { type DaemonSettings, readSettings, runningVersion } from './settings.js';
import { type ConfiguredListeners, configuredListeners, type TlsMode, tlsMode } from './tls.js';

export interface DockerdModel {
  /** The release whose rules apply (the running one, else the newest the exporter knows). */
  readonly release: DockerdRelease;
  /** Effective configured settings per key: daemon.json, dockerd's flags and release defaults, with origin. */
  readonly settings: DaemonSettings;
  /** dockerd's TLS mode for its TCP listeners, as configured. */
  readonly tls: Derived<TlsMode>;
  /** The listeners `hosts` (file or -H) configures. */
  readonly listeners: Derived<ConfiguredListeners>;
  /** /info SecurityOptions of the running daemon; null while the API is unreachable. */
  readonly securityOptions: readonly SecurityOption[] | null;
  /** Whether the running daemon is rootless; null while the API is unreachable. */
  readonly rootless: boolean | null;
  /** Would this release accept daemon.json as it stands (dockerd's config loader and validator, per release). */
  readonly configValidation: Derived<ValidateDaemonConfigResult>;
  /** Settings changed on disk that the running daemon has not applied. */
  readonly drift: Derived<DriftReport>;
  /** Every certificate the daemon's TLS depends on. */
  readonly certificates: readonly CertificateInUse[];
  /** Configured and running values of the main security options. */
  readonly options: readonly DaemonOption[];
}

export function modelDockerd(facts: Facts): DockerdModel {
  const settings = readSettings(facts, facts.exporter.dockerRelease);
  const api = facts.api.ok ? facts.api.value : null;
  const tls = derive(() => tlsMode(settings, facts));
  return Object.freeze({
    release: settings.release,
    settings,
    tls,
    listeners: derive(() => configuredListeners(settings)),
    securityOptions: api ? Object.freeze(securityOptions(api)) : null,
    rootless: api ? hasSecurityOption(api, 'rootless') : null,
    configValidation: derive(() => validateConfigFile(facts)),
    drift: derive(() => computeDrift(facts, settings)),
    certificates: Object.freeze(certificatesInUse(facts)),
    options: Object.freeze(daemonOptions(facts, settings, tls)),
  });
}

function validateConfigFile(facts: Facts): ValidateDaemonConfigResult {
  if (!facts.daemonConfig.ok)
    throw new UndecidableError(`daemon.json unavailable: ${facts.daemonConfig.error}`);
  const file = facts.daemonConfig.value;
  const dockerd = facts.dockerd.ok ? facts.dockerd.value : null;
  const pinned = facts.exporter.dockerRelease ?? null;
  const running = runningVersion(facts);
  const result = validateDaemonConfig({
    text: file.text,
    parsed: file.parsed,
    parseError: file.parseError,
    ...(file.encoding ? { encoding: file.encoding } : {}),
    invalidUtf8Offset: file.invalidUtf8Offset ?? null,
    args: dockerd?.args ?? null,
    // With --docker.config-file naming another file, dockerd's own --config-file says nothing about this one.
    configFileIsDockerds: !dockerd || dockerdConfigFile(dockerd.args, dockerd.cwd) === file.path,
    serverVersion: pinned ?? running,
  });
  if (!pinned) return result;
  const differs = running && running !== pinned ? `; the daemon that answers runs ${running}` : '';
  return {
    ...result,
    releaseNote: `validated against dockerd ${releaseFor(pinned).release.tag} rules (--docker.release=${pinned}${differs})`,
  };
}
