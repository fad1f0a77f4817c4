// Limits and lifecycle of each container: memory, CPU, PIDs, restarts, cgroup parent, root filesystem, health.
import { containerControl } from './containerControl.js';

export const memoryLimit = containerControl({
  id: 'container_memory_limit',
  cis: { '1.6.0': '5.11' },
  title: 'Memory usage for containers is limited',
  severity: 'medium',
  expected: 'a memory limit',
  remediation:
    'Set a memory limit (--memory 512m; compose: mem_limit or deploy.resources.limits.memory), or apply one to the running container with docker update --memory.',
  check: (c) => (c.memory > 0 ? null : 'no memory limit'),
});

export const cpuShares = containerControl({
  id: 'container_cpu_shares',
  cis: { '1.6.0': '5.12' },
  title: 'CPU priority is set appropriately on containers',
  severity: 'low',
  expected: 'CPU shares, a CPU quota or a CPU count',
  remediation:
    'Set --cpu-shares, --cpus or --cpu-quota (compose: cpu_shares, cpus), or apply one to the running container with docker update.',
  check(c) {
    const limited =
      c.cpuShares > 0 || c.nanoCpus > 0 || c.cpuQuota > 0 || c.cpusetCpus !== '' || c.cpuCount > 0;
    return limited ? null : 'no CPU shares, quota or CPU count';
  },
});

export const pidsLimit = containerControl({
  id: 'container_pids_limit',
  cis: { '1.6.0': '5.29' },
  title: 'The PIDs cgroup limit is used',
  severity: 'medium',
  expected: 'a PIDs limit',
  remediation: 'Set --pids-limit (compose: pids_limit), e.g. 200, so a fork bomb stays inside the container.',
  check(c) {
    if (c.pidsLimit !== null && c.pidsLimit > 0) return null;
    return c.pidsLimit === null ? 'no PIDs limit' : `no PIDs limit (pids-limit ${c.pidsLimit})`;
  },
});

export const restartPolicy = containerControl({
  id: 'container_restart_policy',
  cis: { '1.6.0': '5.15' },
  title: "The 'on-failure' container restart policy is set to at most 5",
  severity: 'low',
  expected: 'restart policy no, or on-failure with 1 to 5 retries',
  remediation:
    'Use --restart on-failure:5 (compose: restart: on-failure:5) so a crashing container stops retrying and gets noticed, instead of always / unless-stopped.',
  check(c) {
    const { name, maximumRetryCount: n } = c.restartPolicy;
    if (name === 'always' || name === 'unless-stopped') return `restart policy ${name}`;
    if (name === 'on-failure' && (n < 1 || n > 5))
      return `restart policy on-failure with ${n < 1 ? 'unlimited' : n} retries`;
    return null;
  },
});

export const cgroupParent = containerControl({
  id: 'container_cgroup_parent',
  cis: { '1.6.0': '5.25' },
  title: 'Cgroup usage is confirmed',
  severity: 'low',
  expected: "the daemon's cgroup parent",
  remediation:
    'Recreate the container without --cgroup-parent unless a reviewed cgroup layout needs it, so the daemon-wide limits apply.',
  check: (c) => (c.cgroupParent !== '' ? `own cgroup parent ${JSON.stringify(c.cgroupParent)}` : null),
});

export const readonlyRootfs = containerControl({
  id: 'container_readonly_rootfs',
  cis: { '1.6.0': '5.13' },
  title: "The container's root filesystem is mounted read-only",
  severity: 'low',
  expected: '--read-only',
  remediation:
    'Run the container with --read-only (compose: read_only: true) and give it tmpfs or volumes only where it must write.',
  check: (c) => (c.readonlyRootfs ? null : 'writable root filesystem'),
});

export const healthcheck = containerControl({
  id: 'container_healthcheck',
  cis: { '1.6.0': '5.27' },
  title: 'Container health is checked at runtime',
  severity: 'low',
  expected: 'a health check',
  remediation:
    'Add a HEALTHCHECK to the image or --health-cmd to the container (compose: healthcheck:), and do not disable it with --no-healthcheck.',
  check: (c) => (c.healthcheck ? null : 'no health check'),
});
