// Configured and running values of the main security options, for dockersec_daemon_option_enabled.

import type { Facts } from '../facts/types.js';
import { type Derived, orThrow, UndecidableError } from './errors.js';
import { engineAtLeast, hasSecurityOption, securityOptions } from './securityOptions.js';
import type { DaemonSettings } from './settings.js';
import type { TlsMode } from './tls.js';

export interface DaemonOption {
  readonly option: string;
  readonly source: 'config' | 'runtime';
  readonly enabled: boolean;
}

/**
 * A configured value that cannot be known (broken daemon.json, wrong type) is left out, never guessed; the
 * controls reading the same value report why. Anything else is a bug and is not hidden.
 */
function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (err instanceof UndecidableError) return undefined;
    throw err;
  }
}

export function daemonOptions(facts: Facts, settings: DaemonSettings, tls: Derived<TlsMode>): DaemonOption[] {
  const out: DaemonOption[] = [];
  const config = (option: string, read: () => boolean) => {
    const v = safe(read);
    if (v !== undefined) out.push({ option, source: 'config', enabled: v });
  };
  const runtime = (option: string, value: boolean | null) => {
    if (value !== null) out.push({ option, source: 'runtime', enabled: value });
  };
  config('icc', () => settings.bool('icc', true).value);
  config('iptables', () => settings.bool('iptables', true).value);
  config('tls', () => orThrow(tls).tls);
  config('tls_verify', () => orThrow(tls).verify);
  config('userns_remap', () => Boolean(settings.string('userns-remap')?.value));
  config('selinux', () => settings.bool('selinux-enabled', false).value);
  config('seccomp', () => settings.string('seccomp-profile')?.value !== 'unconfined');
  config('no_new_privileges', () => settings.bool('no-new-privileges', false).value);
  config('live_restore', () => settings.bool('live-restore', false).value);
  config('userland_proxy', () => settings.bool('userland-proxy', true).value);
  config('experimental', () => settings.bool('experimental', false).value);
  config('debug', () => settings.bool('debug', false).value);
  config('rootless', () => settings.bool('rootless', false).value);

  const api = facts.api.ok ? facts.api.value : null;
  if (api) {
    const bridge = api.bridge;
    runtime('icc', bridge.exists ? bridge.options['com.docker.network.bridge.enable_icc'] !== 'false' : null);
    // The only runtime evidence for iptables: dockerd refuses icc=false without it.
    runtime(
      'iptables',
      bridge.exists && bridge.options['com.docker.network.bridge.enable_icc'] === 'false' ? true : null,
    );
    runtime('userns_remap', hasSecurityOption(api, 'userns'));
    runtime('rootless', hasSecurityOption(api, 'rootless'));
    runtime('selinux', hasSecurityOption(api, 'selinux'));
    runtime('apparmor', hasSecurityOption(api, 'apparmor'));
    const sec = securityOptions(api).find((o) => o.name === 'seccomp');
    runtime('seccomp', sec ? sec.profile !== 'unconfined' : false);
    runtime(
      'no_new_privileges',
      engineAtLeast(api, [24, 0, 0]) ? hasSecurityOption(api, 'no-new-privileges') : null,
    );
    runtime('live_restore', api.info.liveRestoreEnabled);
    runtime('experimental', api.info.experimentalBuild);
    runtime('debug', api.info.debug);
    const insecureTcp = api.info.warnings.some((w) => /API is accessible on http:\/\//.test(w));
    const unverified = api.info.warnings.some((w) => /without TLS client verification/.test(w));
    // dockerd only warns about insecure listeners; silence proves nothing about TLS, so only the bad case is reported.
    if (insecureTcp) runtime('tls', false);
    if (insecureTcp || unverified) runtime('tls_verify', false);
  }
  return out;
}
