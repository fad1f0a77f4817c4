// The daemon's TCP listeners from everywhere they can be declared, merged per probe target.
import type { TcpListener } from '../../facts/exposureTypes.js';
import type { DeclaredListener } from '../../facts/locations.js';

const isWildcard = (host: string): boolean => ['', '0.0.0.0', '::'].includes(host.replace(/^\[|\]$/g, ''));

/**
 * Where to knock for a bind address: wildcards and localhost are reached on loopback. A wildcard group
 * that includes the IPv4 one is probed on 127.0.0.1 (Go and systemd bind it dual-stack as "::").
 */
export function probeTarget(hosts: readonly string[]): { probeHost: string; rewrite: string | null } {
  const bare = hosts.map((h) => h.replace(/^\[|\]$/g, ''));
  if (bare.some((h) => h === '' || h === '0.0.0.0')) {
    return { probeHost: '127.0.0.1', rewrite: 'bound to every address; probed on 127.0.0.1' };
  }
  if (bare.includes('::')) return { probeHost: '::1', rewrite: 'bound to every address; probed on ::1' };
  if (bare.some((h) => h.toLowerCase() === 'localhost')) {
    return { probeHost: '127.0.0.1', rewrite: 'localhost; probed on 127.0.0.1' };
  }
  return { probeHost: bare[0]!, rewrite: null };
}

export function mergeListeners(declared: readonly DeclaredListener[]): TcpListener[] {
  const groups = new Map<string, DeclaredListener[]>();
  for (const d of declared) {
    // One wildcard socket per port: "0.0.0.0" in daemon.json is the "::" socket /proc shows.
    const key = isWildcard(d.host) ? `*|${d.port}` : `${probeTarget([d.host]).probeHost}|${d.port}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  return [...groups.values()].map((group) => ({
    declared: [...new Set(group.map((d) => d.text))],
    origins: [...new Set(group.map((d) => d.origin))],
    host: group[0]!.host,
    port: group[0]!.port,
    ...probeTarget(group.map((d) => d.host)),
  }));
}

const LOOPBACK_TARGET = /^(127\.\d+\.\d+\.\d+|::1)$/;
export const isLoopbackTarget = (host: string): boolean => LOOPBACK_TARGET.test(host);
