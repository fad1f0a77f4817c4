// Kernel confinement per container: AppArmor, SELinux, seccomp.
import type { ContainerFacts } from '../../facts/containers.js';
import { containerControl } from './containerControl.js';

/**
 * dockerd records the profile when a container starts; for one only created, this is the profile it will get
 * (moby WithApparmor): an explicit apparmor= option, unconfined when privileged, else docker-default.
 */
function predictedAppArmorProfile(c: ContainerFacts): string {
  if (c.state !== 'created') return '';
  const explicit = c.securityOpt.find((o) => /^apparmor[=:]/.test(o));
  if (explicit) return explicit.slice('apparmor='.length);
  return c.privileged ? 'unconfined' : 'docker-default';
}

export const apparmor = containerControl({
  id: 'container_apparmor',
  cis: { '1.6.0': '5.2' },
  title: 'An AppArmor profile confines each container',
  severity: 'medium',
  expected: 'an AppArmor profile (docker-default or a custom one)',
  requires: ['host'],
  remediation:
    'Recreate the container without --security-opt apparmor=unconfined (and without --privileged), so it runs under docker-default or a reviewed custom profile.',
  appliesTo: (ctx) => (ctx.host?.apparmorSupported ? null : 'the host kernel has no AppArmor'),
  check(c) {
    const profile = c.appArmorProfile || predictedAppArmorProfile(c);
    if (profile === '') return 'no AppArmor profile';
    return profile === 'unconfined' ? 'AppArmor profile unconfined' : null;
  },
});

export const selinux = containerControl({
  id: 'container_selinux',
  cis: { '1.6.0': '5.3' },
  title: 'SELinux labels confine each container',
  severity: 'medium',
  expected: 'an SELinux process label',
  requires: ['host'],
  remediation:
    'Enable "selinux-enabled": true in daemon.json and recreate the container without --security-opt label=disable (and without --privileged).',
  appliesTo: (ctx) => (ctx.host?.selinuxSupported ? null : 'the host kernel has no SELinux'),
  check(c) {
    if (c.securityOpt.some((o) => o === 'label=disable' || o === 'label:disable'))
      return 'SELinux labeling disabled (label=disable)';
    return c.processLabel === '' ? 'no SELinux process label' : null;
  },
});

export const seccomp = containerControl({
  id: 'container_seccomp',
  cis: { '1.6.0': '5.22' },
  title: 'The default seccomp profile is not disabled',
  severity: 'high',
  expected: 'a seccomp profile',
  requires: ['docker_api'],
  remediation:
    'Recreate the container without --security-opt seccomp=unconfined and without --privileged (which turns seccomp off); if a syscall is missing, use a reviewed custom profile.',
  check(c, ctx) {
    if (c.privileged) return 'privileged, which disables seccomp';
    const own = c.securityOpt
      .map((o) => /^seccomp[=:](.*)$/s.exec(o)?.[1])
      .filter((p): p is string => p !== undefined);
    if (own.includes('unconfined')) return 'seccomp=unconfined';
    if (own.length > 0) return null;
    const daemon = ctx.daemonSeccompProfile;
    if (daemon === null) return 'the daemon has no seccomp support';
    return daemon === 'unconfined' ? 'the daemon default seccomp profile is unconfined' : null;
  },
});
