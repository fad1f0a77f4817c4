// Who a container runs as and what it may do: user, user namespace, capabilities, privileged, no-new-privileges.

import { ConfigUnknownError } from '../../dockerd/index.js';
import type { ContainerFacts } from '../../facts/containers.js';
import { containerControl, unknown } from './containerControl.js';
import type { ContainerContext } from './context.js';

/** Whether root in this container is root on the host. */
function inUserNamespace(c: ContainerFacts, ctx: ContainerContext): boolean {
  const mode = ctx.daemonUserns;
  // Rootless: even userns=host is the rootless daemon's own namespace, never the host's.
  if (mode === 'rootless') return true;
  return mode === 'userns-remap' && c.usernsMode !== 'host';
}

export const rootUser = containerControl({
  id: 'container_root_user',
  cis: { '1.6.0': '4.1' },
  section: 'container_images',
  title: 'Containers run as a non-root user',
  severity: 'medium',
  expected: 'a non-root user, or a user namespace',
  requires: ['docker_api'],
  remediation:
    'Add a USER to the image (RUN useradd app && USER app) or run the container with --user UID:GID; or enable user namespace remapping so root in a container is not root on the host.',
  check(c, ctx) {
    const name = c.user.split(':')[0]!;
    if (name !== '' && name !== '0' && name !== 'root') return null;
    if (inUserNamespace(c, ctx)) return null;
    return c.user === '' ? 'runs as root (no user set)' : `runs as root (user ${JSON.stringify(c.user)})`;
  },
});

export const hostUserns = containerControl({
  id: 'container_host_userns',
  cis: { '1.6.0': '5.31' },
  title: "The host's user namespace is not shared",
  severity: 'high',
  expected: 'no --userns=host',
  remediation: 'Recreate the container without --userns=host (compose: remove userns_mode: host).',
  check: (c) => (c.usernsMode === 'host' ? 'opts out of user namespace remapping (userns=host)' : null),
});

/** Docker's default capability set (moby oci/caps/defaults.go). */
const DEFAULT_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capName = (cap: string) => cap.trim().toUpperCase().replace(/^CAP_/, '');

export const capabilities = containerControl({
  id: 'container_capabilities',
  cis: { '1.6.0': '5.4' },
  title: 'Linux kernel capabilities are restricted within containers',
  severity: 'high',
  expected: "no capability beyond Docker's default set",
  remediation:
    'Recreate the container without --cap-add ALL or capabilities beyond the default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ...); better, --cap-drop ALL and add back only what the process needs.',
  check(c) {
    const added = [...new Set(c.capAdd.map(capName))];
    if (added.includes('ALL')) return 'adds ALL capabilities';
    const extra = added.filter((cap) => !DEFAULT_CAPABILITIES.has(cap)).sort();
    return extra.length > 0 ? `adds ${extra.join(', ')}` : null;
  },
});

export const privileged = containerControl({
  id: 'container_privileged',
  cis: { '1.6.0': '5.5' },
  title: 'Privileged containers are not used',
  severity: 'critical',
  expected: 'not privileged',
  remediation:
    'Recreate the container without --privileged (compose: privileged: false); grant only the capabilities (--cap-add) and devices (--device) it needs.',
  check: (c) =>
    c.privileged ? 'privileged: all capabilities, all host devices, no seccomp or LSM confinement' : null,
});

/** The container's own --security-opt no-new-privileges, as dockerd parses it (the last one wins). */
function ownNoNewPrivileges(c: ContainerFacts): boolean | null {
  let value: boolean | null = null;
  for (const opt of c.securityOpt) {
    if (opt === 'no-new-privileges') {
      value = true;
      continue;
    }
    const m = /^no-new-privileges[=:](.*)$/.exec(opt);
    if (!m) continue;
    const v = m[1]!.toLowerCase();
    if (['1', 't', 'true'].includes(v)) value = true;
    else if (['0', 'f', 'false'].includes(v)) value = false;
  }
  return value;
}

export const noNewPrivileges = containerControl({
  id: 'container_no_new_privileges',
  cis: { '1.6.0': '5.26' },
  title: 'Containers are restricted from acquiring additional privileges',
  severity: 'medium',
  expected: 'no-new-privileges on',
  remediation:
    'Run the container with --security-opt no-new-privileges (compose: security_opt: [no-new-privileges:true]), or set "no-new-privileges": true in daemon.json for containers created afterwards; never set no-new-privileges=false.',
  check(c, ctx) {
    // The running process is the truth: the daemon default is frozen into a container when it is created.
    if (c.noNewPrivsProc === false) return 'its init process runs with NoNewPrivs 0';
    if (c.noNewPrivsProc === true) return null;
    const own = ownNoNewPrivileges(c);
    if (own === false) return 'no-new-privileges=false';
    if (own === true) return null;
    try {
      const d = ctx.daemonNoNewPrivileges();
      return d.value ? null : `not set, and off by default (${d.why})`;
    } catch (e) {
      if (e instanceof ConfigUnknownError) return unknown(`not set on the container; ${e.message}`);
      throw e;
    }
  },
});
