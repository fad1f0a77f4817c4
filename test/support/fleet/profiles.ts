// The kinds of Docker host in the simulated fleet. Each is one daemon.json (plus what is done to the daemon
// after it started), chosen so the fleet views and alerts have something different to show per host.
import { join } from 'node:path';
import type { SandboxDaemon } from '../dockerd.js';

export const PROFILES = ['hardened', 'default', 'insecure', 'tls', 'pending-restart', 'privileged'] as const;
/** `broken` is no fleet host: dockerd refuses its daemon.json, so a test can make a fleet start fail midway. */
export type ProfileName = (typeof PROFILES)[number] | 'broken';

/** Where a host's daemon listens besides its unix socket: an address of its own network namespace. */
export interface HostAddress {
  /** The namespace side of the host's veth pair, reachable from the root namespace. */
  readonly ip: string;
}

export interface TlsFiles {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

export interface ProfileContext {
  readonly daemon: SandboxDaemon;
  readonly address: HostAddress;
  /** Certificates for the TLS host (valid for FLEET_CERT_DAYS), made only for that profile. */
  readonly tls: TlsFiles | null;
  /** A busybox image tar to `docker import`, built once for the whole fleet. */
  readonly busyboxTar: string;
}

/** The TLS host's certificates expire within the bundle's 30-day warning, so the expiry views have data. */
export const FLEET_CERT_DAYS = 20;

export interface Profile {
  readonly name: ProfileName;
  readonly needsTls: boolean;
  /** daemon.json at start. */
  config(ctx: ProfileContext): Record<string, unknown>;
  /** What happens once dockerd is up. */
  after?(ctx: ProfileContext): Promise<void>;
  /** Controls this host must fail (beyond what every host fails), and alerts it must raise. */
  readonly mustFail: readonly string[];
  readonly mustAlert: readonly string[];
}

const unixHost = (d: SandboxDaemon): string => `unix://${join(d.dir, 'docker.sock')}`;

export const PRIVILEGED_CONTAINER = 'fleet-privileged';

export const PROFILE_DEFS: Readonly<Record<ProfileName, Profile>> = {
  hardened: {
    name: 'hardened',
    needsTls: false,
    config: () => ({
      icc: false,
      'no-new-privileges': true,
      'live-restore': true,
      'userland-proxy': false,
      'log-level': 'info',
      'log-driver': 'json-file',
      'log-opts': { 'max-size': '10m', 'max-file': '3' },
      'default-ulimits': { nofile: { Name: 'nofile', Hard: 64000, Soft: 64000 } },
    }),
    mustFail: [],
    mustAlert: [],
  },
  default: {
    name: 'default',
    needsTls: false,
    config: () => ({}),
    mustFail: ['icc', 'no_new_privileges', 'live_restore', 'userland_proxy'],
    mustAlert: [],
  },
  insecure: {
    name: 'insecure',
    needsTls: false,
    // A plain TCP listener (tls and api_unauthenticated, both critical) and an insecure registry (high).
    config: ({ daemon, address }) => ({
      hosts: [unixHost(daemon), `tcp://${address.ip}:2375`],
      'insecure-registries': ['10.99.0.0/16'],
      experimental: true,
      'log-level': 'debug',
    }),
    mustFail: ['tls', 'api_unauthenticated', 'insecure_registries', 'experimental', 'log_level'],
    mustAlert: ['DockerSecControlFailing'],
  },
  tls: {
    name: 'tls',
    needsTls: true,
    config: ({ daemon, address, tls }) => {
      if (!tls) throw new Error('the tls profile needs certificates');
      return {
        hosts: [unixHost(daemon), `tcp://${address.ip}:2376`],
        tlsverify: true,
        tlscacert: tls.caCert,
        tlscert: tls.serverCert,
        tlskey: tls.serverKey,
        icc: false,
        'no-new-privileges': true,
      };
    },
    mustFail: ['tls_cert_expiry'],
    mustAlert: ['DockerSecTlsCertificateExpiring'],
  },
  'pending-restart': {
    name: 'pending-restart',
    needsTls: false,
    config: () => ({}),
    // Edited after the start: dockerd runs with icc on until its next restart.
    async after({ daemon }) {
      await daemon.writeConfig({ icc: false, 'userland-proxy': false });
    },
    mustFail: ['config_drift'],
    mustAlert: ['DockerSecDaemonConfigRestartPending'],
  },
  privileged: {
    name: 'privileged',
    needsTls: false,
    config: () => ({ icc: false }),
    // Created, not started: runc cannot start a privileged container on these machines, and a created
    // one is in scope anyway (one `docker start` away).
    async after({ daemon, busyboxTar }) {
      const imported = await daemon.docker([
        'import',
        '--change',
        'CMD ["sh"]',
        busyboxTar,
        'busybox:latest',
      ]);
      if (imported.code !== 0) throw new Error(`docker import: ${imported.stderr}`);
      const created = await daemon.docker([
        'create',
        '--privileged',
        '--name',
        PRIVILEGED_CONTAINER,
        'busybox:latest',
        'sleep',
        '3600',
      ]);
      if (created.code !== 0) throw new Error(`docker create --privileged: ${created.stderr}`);
    },
    mustFail: ['container_privileged'],
    mustAlert: ['DockerSecPrivilegedContainer'],
  },
  broken: {
    name: 'broken',
    needsTls: false,
    config: () => ({ 'not-a-dockerd-option': true }),
    mustFail: [],
    mustAlert: [],
  },
};

/** Profiles of a fleet of `n` hosts: the list in order, repeated. */
export function profilesFor(n: number, order: readonly ProfileName[] = PROFILES): ProfileName[] {
  return Array.from({ length: n }, (_, i) => order[i % order.length]!);
}
