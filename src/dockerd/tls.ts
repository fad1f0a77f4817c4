// dockerd's TLS rules and its configured listeners (cmd/dockerd): what the next start will serve, and how.
import { type DaemonListener, HostParseError, parseDaemonHost } from '../facts/dockerd/hosts.js';
import type { Facts } from '../facts/types.js';
import type { DaemonSettings } from './settings.js';

export interface TlsMode {
  readonly tls: boolean;
  readonly verify: boolean;
  /** Where the verification decision came from, for the reason text. */
  readonly why: string;
}

/**
 * dockerd's rules (cmd/dockerd): setting tlsverify at all turns TLS on; `tls: true` alone verifies clients;
 * DOCKER_TLS_VERIFY in dockerd's environment is the tlsverify default.
 */
export function tlsMode(settings: DaemonSettings, facts: Pick<Facts, 'dockerd'>): TlsMode {
  const verifySet = settings.get('tlsverify');
  if (verifySet) {
    const v = settings.bool('tlsverify', false).value;
    return {
      tls: true,
      verify: v,
      why: `tlsverify=${v} (${verifySet.origin === 'flag' ? 'flag' : 'daemon.json'})`,
    };
  }
  const tlsSet = settings.get('tls');
  if (tlsSet) {
    const v = settings.bool('tls', false).value;
    return {
      tls: v,
      verify: v,
      why: v ? 'tls=true without tlsverify, which dockerd treats as tlsverify=true' : 'tls=false',
    };
  }
  const env = facts.dockerd.ok ? facts.dockerd.value.env.DOCKER_TLS_VERIFY : undefined;
  if (env) return { tls: true, verify: true, why: 'DOCKER_TLS_VERIFY set in dockerd environment' };
  return { tls: false, verify: false, why: 'neither tls nor tlsverify set' };
}

export interface ConfiguredListeners {
  readonly listeners: readonly DaemonListener[];
  /** `hosts` entries dockerd would refuse to parse. */
  readonly invalid: readonly string[];
}

export function configuredListeners(settings: DaemonSettings): ConfiguredListeners {
  const listeners: DaemonListener[] = [];
  const invalid: string[] = [];
  for (const h of settings.list('hosts').value) {
    try {
      listeners.push(parseDaemonHost(h));
    } catch (e) {
      if (e instanceof HostParseError) invalid.push(h);
      else throw e;
    }
  }
  return { listeners, invalid };
}
