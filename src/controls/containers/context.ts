// Daemon-level facts the per-container rules share (user namespaces, the daemon's defaults, its API sockets),
// worked out once per evaluation and only when a rule asks.
import { posix } from 'node:path';
import { type DaemonSettings, type DockerdModel, UndecidableError } from '../../dockerd/index.js';
import type { ContainerInventory } from '../../facts/containers.js';
import { HostParseError, parseDaemonHost } from '../../facts/dockerd/hosts.js';
import type { DockerApiFacts, Facts, HostFacts } from '../../facts/types.js';
import { ControlError, describeSetting, engineAtLeast } from '../support.js';

export interface SocketPath {
  readonly path: string;
  /** With symlinks resolved on the host, when the source could resolve it. */
  readonly hostPath: string;
}

export interface DaemonDefault {
  readonly value: boolean;
  readonly why: string;
}

const DOCKERD_DEFAULT_SOCKET = '/var/run/docker.sock';
const BIND_IP_OPTION = 'com.docker.network.bridge.host_binding_ipv4';

export class ContainerContext {
  readonly inventory: ContainerInventory;
  private cache = new Map<string, unknown>();

  readonly settings: DaemonSettings;

  constructor(
    readonly facts: Facts,
    readonly dockerd: DockerdModel,
  ) {
    this.settings = dockerd.settings;
    if (!facts.containers.ok) throw new ControlError(`containers unavailable: ${facts.containers.error}`);
    this.inventory = facts.containers.value;
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, make());
    return this.cache.get(key) as T;
  }

  get api(): DockerApiFacts | null {
    return this.facts.api.ok ? this.facts.api.value : null;
  }

  get host(): HostFacts | null {
    return this.facts.host.ok ? this.facts.host.value : null;
  }

  private securityOptionNames(): Set<string> {
    return this.once('secopts', () => new Set((this.dockerd.securityOptions ?? []).map((o) => o.name)));
  }

  /** Remapped (userns-remap) or rootless: root in a container is not root on the host. */
  get daemonUserns(): 'userns-remap' | 'rootless' | null {
    const names = this.securityOptionNames();
    if (names.has('rootless')) return 'rootless';
    return names.has('userns') ? 'userns-remap' : null;
  }

  /** The daemon's default seccomp profile; null when it has no seccomp at all, undefined when unknown. */
  get daemonSeccompProfile(): string | null | undefined {
    return this.once('seccomp', () => {
      if (!this.dockerd.securityOptions) return undefined;
      const entry = this.dockerd.securityOptions.find((o) => o.name === 'seccomp');
      return entry ? (entry.profile ?? 'default') : null;
    });
  }

  /**
   * The daemon's no-new-privileges default: reported in SecurityOptions from 24.0, else as configured.
   * Throws ConfigUnknownError when only a broken daemon.json could tell.
   */
  daemonNoNewPrivileges(): DaemonDefault {
    return this.once('nnp', () => {
      const api = this.api;
      if (api && engineAtLeast(api, [24, 0, 0])) {
        const on = this.securityOptionNames().has('no-new-privileges');
        return { value: on, why: `daemon default ${on ? 'on' : 'off'} (SecurityOptions)` };
      }
      const s = this.settings.bool('no-new-privileges', false);
      return {
        value: s.value,
        why: `daemon default: ${describeSetting('no-new-privileges', this.settings.peek('no-new-privileges'), false)}`,
      };
    });
  }

  /** Where a published port without a host IP listens: the bridge's host_binding_ipv4 (daemon `ip`). */
  get defaultBindIp(): string {
    return this.once('bindip', () => {
      const fromBridge = this.api?.bridge.exists ? this.api.bridge.options[BIND_IP_OPTION] : undefined;
      if (fromBridge) return fromBridge;
      const configured = this.settings.peek('ip')?.value;
      return typeof configured === 'string' && configured !== '' ? configured : '0.0.0.0';
    });
  }

  /** Unix listeners of the daemon's API: the exporter's own, and dockerd's that are configured hosts or docker.sock. */
  get apiSockets(): readonly SocketPath[] {
    return this.once('sockets', () => {
      const configured = this.configuredUnixHosts();
      const out: SocketPath[] = this.inventory.daemonSockets.filter(
        (s) => s.exporter || configured.includes(s.path) || posix.basename(s.path) === 'docker.sock',
      );
      for (const p of configured) if (!out.some((s) => s.path === p)) out.push({ path: p, hostPath: p });
      if (out.length === 0) out.push({ path: DOCKERD_DEFAULT_SOCKET, hostPath: DOCKERD_DEFAULT_SOCKET });
      return out;
    });
  }

  private configuredUnixHosts(): string[] {
    let hosts: readonly string[] = [];
    try {
      hosts = this.settings.list('hosts').value;
    } catch (err) {
      // A broken daemon.json: the listeners dockerd really has still count.
      if (!(err instanceof UndecidableError)) throw err;
    }
    const out: string[] = [];
    for (const h of hosts) {
      try {
        const l = parseDaemonHost(h);
        if (l.proto === 'unix') out.push(l.path);
      } catch (err) {
        // dockerd would refuse it; nothing listens there
        if (!(err instanceof HostParseError)) throw err;
      }
    }
    return out;
  }
}

const contexts = new WeakMap<Facts, ContainerContext>();

/** One context per facts snapshot, shared by every runtime control of the evaluation. */
export function containerContext(facts: Facts, dockerd: DockerdModel): ContainerContext {
  let ctx = contexts.get(facts);
  if (!ctx || ctx.dockerd !== dockerd) {
    ctx = new ContainerContext(facts, dockerd);
    contexts.set(facts, ctx);
  }
  return ctx;
}
