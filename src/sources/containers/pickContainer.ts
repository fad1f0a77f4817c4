// Turns GET /containers/{id}/json into ContainerFacts. Only the fields the controls judge are read: Env and
// everything else in the inspect document are dropped here, so they can never reach an output; labels are
// kept only as digests, which waivers match.
import {
  type ContainerFacts,
  type ContainerMount,
  type ContainerState,
  labelDigest,
  type PortBinding,
} from '../../facts/containers.js';

type Raw = Record<string, unknown>;

const obj = (v: unknown): Raw => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Network modes in which published ports are discarded: the container has no ports of its own. */
const portless = (mode: string) => mode === 'host' || mode === 'none' || mode.startsWith('container:');

function bindingsOf(table: Raw): PortBinding[] {
  const out: PortBinding[] = [];
  for (const [containerPort, list] of Object.entries(table)) {
    if (!Array.isArray(list)) continue;
    for (const b of list) {
      const binding = obj(b);
      out.push({ containerPort, hostIp: str(binding.HostIp), hostPort: str(binding.HostPort) });
    }
  }
  return out;
}

/**
 * The daemon's own bindings (NetworkSettings.Ports) once it made them; before that (a created container) the
 * requested HostConfig.PortBindings, plus the exposed ports -P will publish on ephemeral ports.
 */
export function publishedPorts(raw: Raw): PortBinding[] {
  const host = obj(raw.HostConfig);
  if (portless(str(host.NetworkMode))) return [];
  const runtime = bindingsOf(obj(obj(raw.NetworkSettings).Ports));
  if (runtime.length > 0) return runtime;
  const requested = bindingsOf(obj(host.PortBindings));
  if (host.PublishAllPorts === true) {
    const bound = new Set(requested.map((b) => b.containerPort));
    for (const port of Object.keys(obj(obj(raw.Config).ExposedPorts))) {
      if (!bound.has(port)) requested.push({ containerPort: port, hostIp: '', hostPort: '' });
    }
  }
  return requested;
}

function hasHealthcheck(raw: Raw): boolean {
  if (Object.keys(obj(obj(raw.State).Health)).length > 0) return true;
  const test = strs(obj(obj(raw.Config).Healthcheck).Test);
  return test.length > 0 && test[0] !== 'NONE';
}

export interface PickExtras {
  /** Resolves a bind source on the host (symlinks followed). */
  readonly hostPathOf: (source: string) => string | null;
  readonly noNewPrivsProc: boolean | null;
  readonly sshd: boolean | null;
  readonly processListError: string | null;
}

export function pickContainer(raw: Raw, state: ContainerState, extras: PickExtras): ContainerFacts {
  const host = obj(raw.HostConfig);
  const config = obj(raw.Config);
  const restart = obj(host.RestartPolicy);
  const mounts: ContainerMount[] = (Array.isArray(raw.Mounts) ? raw.Mounts : []).map((m) => {
    const mount = obj(m);
    const type = str(mount.Type);
    const source = str(mount.Source);
    return {
      type,
      source,
      destination: str(mount.Destination),
      rw: mount.RW === true,
      propagation: str(mount.Propagation),
      hostPath: type === 'bind' && source.startsWith('/') ? extras.hostPathOf(source) : null,
    };
  });
  const pids = host.PidsLimit;
  return {
    id: str(raw.Id),
    name: str(raw.Name).replace(/^\//, ''),
    image: str(config.Image) || str(raw.Image),
    state,
    user: str(config.User),
    privileged: host.Privileged === true,
    capAdd: strs(host.CapAdd),
    capDrop: strs(host.CapDrop),
    // The CLI inlines a custom seccomp profile as JSON: tens of KB per container, and not judged.
    securityOpt: strs(host.SecurityOpt).map((o) =>
      /^seccomp[=:]\s*\{/.test(o) ? 'seccomp=<custom profile>' : o,
    ),
    mounts,
    ports: publishedPorts(raw),
    networkMode: str(host.NetworkMode),
    networks: Object.keys(obj(obj(raw.NetworkSettings).Networks)),
    memory: num(host.Memory),
    cpuShares: num(host.CpuShares),
    nanoCpus: num(host.NanoCpus),
    cpuQuota: num(host.CpuQuota),
    cpusetCpus: str(host.CpusetCpus),
    cpuCount: num(host.CpuCount),
    pidsLimit: typeof pids === 'number' ? pids : null,
    restartPolicy: { name: str(restart.Name), maximumRetryCount: num(restart.MaximumRetryCount) },
    pidMode: str(host.PidMode),
    ipcMode: str(host.IpcMode),
    utsMode: str(host.UTSMode),
    usernsMode: str(host.UsernsMode),
    devices: (Array.isArray(host.Devices) ? host.Devices : []).map((d) => str(obj(d).PathOnHost)),
    deviceRequests: Array.isArray(host.DeviceRequests) ? host.DeviceRequests.length : 0,
    deviceCgroupRules: strs(host.DeviceCgroupRules),
    cgroupParent: str(host.CgroupParent),
    readonlyRootfs: host.ReadonlyRootfs === true,
    healthcheck: hasHealthcheck(raw),
    appArmorProfile: str(raw.AppArmorProfile),
    processLabel: str(raw.ProcessLabel),
    noNewPrivsProc: extras.noNewPrivsProc,
    sshd: extras.sshd,
    processListError: extras.processListError,
    labelDigests: Object.entries(obj(obj(raw.Config).Labels))
      .filter((e): e is [string, string] => typeof e[1] === 'string')
      .map(([k, v]) => labelDigest(k, v))
      .sort(),
  };
}

/** sshd itself, and OpenSSH 9.8+'s per-connection sshd-session / sshd-auth. */
export const isSshd = (command: string): boolean => {
  const first = command.trim().split(/\s+/)[0] ?? '';
  const base = first.slice(first.lastIndexOf('/') + 1);
  return /^sshd(?:$|[-:])/.test(base);
};

/** Whether a GET /containers/{id}/top answer lists sshd, from its COMMAND (comm) or CMD (argv) column. */
export function topListsSshd(top: unknown): boolean {
  const t = obj(top);
  const titles = strs(t.Titles);
  const col = titles.findIndex((x) => x === 'COMMAND' || x === 'CMD' || x === 'COMM');
  if (col < 0) throw new Error(`process list without a command column (${titles.join(' ')})`);
  const rows = Array.isArray(t.Processes) ? t.Processes : [];
  return rows.some((row) => Array.isArray(row) && isSshd(str(row[col])));
}
