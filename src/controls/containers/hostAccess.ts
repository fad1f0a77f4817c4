// What of the host a container can reach through its mounts and devices.
import type { ContainerMount } from '../../facts/containers.js';
import { containerControl, reasons } from './containerControl.js';
import type { SocketPath } from './context.js';

const SENSITIVE_DIRS = ['/', '/boot', '/dev', '/etc', '/lib', '/proc', '/sys', '/usr', '/run', '/var/run'];

/** `dir` itself or a path below it; below / is everything, so / counts only as itself. */
const within = (path: string, dir: string) => path === dir || (dir !== '/' && path.startsWith(`${dir}/`));

const binds = (mounts: readonly ContainerMount[]) => mounts.filter((m) => m.type === 'bind');

/** Both as written and with symlinks resolved: /var/run/x and /run/x are one path on most hosts. */
const spellings = (m: ContainerMount) => [...new Set([m.source, m.hostPath ?? m.source])];

const describeSource = (m: ContainerMount) =>
  m.hostPath && m.hostPath !== m.source ? `${m.source} (${m.hostPath})` : m.source;

export const sensitiveMounts = containerControl({
  id: 'container_sensitive_mounts',
  cis: { '1.6.0': '5.6' },
  title: 'Sensitive host system directories are not mounted on containers',
  severity: 'high',
  expected: `no bind mount of ${SENSITIVE_DIRS.join(', ')} or below`,
  remediation:
    'Recreate the container without bind mounts of /, /boot, /dev, /etc, /lib, /proc, /sys, /usr, /run or /var/run (or paths below them); mount only the application data it needs, read-only where possible.',
  check(c) {
    const hits = binds(c.mounts).flatMap((m) => {
      const dir = SENSITIVE_DIRS.find((d) => spellings(m).some((p) => within(p, d)));
      return dir ? [`binds ${describeSource(m)} at ${m.destination} (${m.rw ? 'rw' : 'ro'})`] : [];
    });
    return reasons(hits);
  },
});

export const mountPropagation = containerControl({
  id: 'container_mount_propagation',
  cis: { '1.6.0': '5.20' },
  title: 'Mount propagation mode is not set to shared',
  severity: 'medium',
  expected: 'private or slave propagation',
  remediation:
    'Recreate the container without :shared / :rshared on its bind mounts (or bind-propagation=shared in --mount); use rslave if mounts must flow from the host into the container.',
  check(c) {
    const shared = c.mounts.filter((m) => m.propagation === 'shared' || m.propagation === 'rshared');
    return reasons(shared.map((m) => `${m.destination} propagates ${m.propagation}`));
  },
});

/** The socket itself, or a directory above it (/ holds everything). */
function holdsSocket(m: ContainerMount, sockets: readonly SocketPath[]): SocketPath | undefined {
  return sockets.find((s) =>
    spellings(m).some((p) => [s.path, s.hostPath].some((sp) => p === '/' || within(sp, p))),
  );
}

export const dockerSocket = containerControl({
  id: 'container_docker_socket',
  cis: { '1.6.0': '5.32' },
  title: 'The Docker socket is not mounted inside any container',
  severity: 'critical',
  expected: "no mount of the daemon's socket or a directory holding it",
  remediation:
    "Recreate the container without the daemon's socket (-v /var/run/docker.sock:...) and without its directory (/var/run, /run); give tools that only read a filtering socket proxy instead.",
  check(c, ctx) {
    const hits = binds(c.mounts).flatMap((m) => {
      const s = holdsSocket(m, ctx.apiSockets);
      if (!s) return [];
      const isSocket = spellings(m).some((p) => p === s.path || p === s.hostPath);
      return [
        isSocket
          ? `mounts the daemon socket ${describeSource(m)} at ${m.destination}`
          : `mounts ${describeSource(m)}, which holds the daemon socket ${s.path}, at ${m.destination}`,
      ];
    });
    return reasons(hits);
  },
});

export const hostDevices = containerControl({
  id: 'container_host_devices',
  cis: { '1.6.0': '5.18' },
  title: 'Host devices are not directly exposed to containers',
  severity: 'high',
  expected: 'no --device, --gpus or --device-cgroup-rule',
  remediation:
    'Recreate the container without --device, --gpus and --device-cgroup-rule unless it needs that hardware; then pass only that device, with the narrowest permissions (e.g. :r).',
  check(c) {
    const parts: string[] = [];
    if (c.devices.length > 0) parts.push(`host devices ${c.devices.join(', ')}`);
    if (c.deviceRequests > 0) parts.push(`${c.deviceRequests} device request(s) (--gpus)`);
    if (c.deviceCgroupRules.length > 0) parts.push(`device cgroup rules ${c.deviceCgroupRules.join(', ')}`);
    return reasons(parts);
  },
});
