// Release facts the generated key table does not hold: when checks appeared or changed, and what the
// writer of a rejected or ignored key most likely meant.
import { compareVersions, type DockerdRelease, type Semver } from '../../facts/dockerd/releases.js';

export const V23: Semver = [23, 0, 0];
export const V24: Semver = [24, 0, 0];
export const V25: Semver = [25, 0, 0];
export const V26: Semver = [26, 0, 0];
export const V27: Semver = [27, 0, 0];
export const V28: Semver = [28, 0, 0];
export const V28_1: Semver = [28, 1, 0];
export const V29: Semver = [29, 0, 0];

export const atLeast = (v: Semver, min: Semver): boolean => compareVersions(v, min) >= 0;
export const releaseLabel = (v: Semver): string => `dockerd ${v[0]}.${v[1]}`;

/** A record lookup that ignores inherited names such as "constructor" or "__proto__". */
export const own = (record: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** Keys that are plain command-line switches: accepted in the file (they are flags) but meaningless there. */
export const SWITCH_HINTS: Readonly<Record<string, string>> = {
  'config-file': 'it is a command-line flag only; daemon.json cannot name another configuration file',
  version: 'it is a command-line switch (print the version and exit); it has no effect in daemon.json',
  help: 'it is a command-line switch; it has no effect in daemon.json',
  restart: 'the --restart flag was removed long ago; containers use restart policies',
  validate: 'it is a command-line switch (validate the configuration and exit)',
  'containerd-plugins-namespace':
    'the file key for it would be "containerd-plugin-namespace", which dockerd rejects; set it with the --containerd-plugins-namespace flag',
};

/** Keys that never were (or no longer are) dockerd options, with what the writer meant. */
export const FICTION_HINTS: Readonly<Record<string, string>> = {
  'apparmor-enabled': 'AppArmor is detected automatically; per container use --security-opt apparmor=PROFILE',
  apparmor: 'AppArmor is detected automatically; per container use --security-opt apparmor=PROFILE',
  selinux: 'the option is "selinux-enabled"',
  'content-trust': 'content trust is the client setting DOCKER_CONTENT_TRUST=1, not a daemon option',
  'default-memory': 'dockerd has no daemon-wide memory default; set limits per container',
  'default-memory-swap': 'dockerd has no daemon-wide swap default; set limits per container',
  'default-cpu-shares': 'dockerd has no daemon-wide CPU default; set limits per container',
  'default-pids-limit': 'dockerd has no daemon-wide pids default; use --pids-limit per container',
  'disable-legacy-registry': 'removed in 17.12; v1 registries are no longer supported at all',
  userns: 'the option is "userns-remap"',
  'user-namespaces': 'the option is "userns-remap"',
  seccomp: 'the option is "seccomp-profile" (a path, or "builtin"/"unconfined" from 23.0)',
  'tls-verify': 'the option is "tlsverify"',
  tls_verify: 'the option is "tlsverify"',
  live_restore: 'the option is "live-restore"',
  'containerd-plugin-namespace':
    'dockerd rejects this file key; the namespace can only be set with --containerd-plugins-namespace',
  'swarm-raft-heartbeat-tick': 'dockerd rejects this key although its Config has it',
  'swarm-raft-election-tick': 'dockerd rejects this key although its Config has it',
  'default-init': 'dockerd rejects this key; use "init-path"',
  'resolv-conf': 'dockerd rejects this key although its Config has it',
  'network-host': 'belongs inside "builder": {"entitlements": {...}}',
  'security-insecure': 'belongs inside "builder": {"entitlements": {...}}',
  'api-cors-header':
    'refused from 28.0, gone from 29.0; put a reverse proxy in front of the API if CORS headers are needed',
  graph: 'removed in 24.0; use "data-root"',
  'oom-score-adjust':
    'removed in 26.0; set the OOM score of the dockerd service (e.g. OOMScoreAdjust= in systemd)',
};

export const REMOVED_CLUSTER_KEYS: readonly string[] = [
  'cluster-store',
  'cluster-advertise',
  'cluster-store-opts',
];
export const PROXY_KEYS: readonly string[] = ['http-proxy', 'https-proxy', 'no-proxy'];

/** Top-level keys decoded into Config (json tags) for this release: the table's effective keys, adjusted. */
export function configFieldKeys(release: DockerdRelease, v: Semver): Set<string> {
  const out = new Set<string>();
  for (const spec of release.keys.values()) if (spec.effective) out.add(spec.name);
  // The proxy settings are fields of the "proxies" struct, not of Config itself.
  for (const k of PROXY_KEYS) out.delete(k);
  if (atLeast(v, V23)) out.add('proxies');
  if (atLeast(v, V24)) out.delete('deprecated-key-path');
  if (atLeast(v, V28_1)) out.delete('allow-nondistributable-artifacts');
  return out;
}
