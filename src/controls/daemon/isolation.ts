// Isolation the daemon gives every container: rootless, user namespaces, LSMs, seccomp, no-new-privileges.

import { defineControl } from '../define.js';
import {
  apiIfUp,
  describeSetting,
  engineAtLeast,
  fail,
  hasSecurityOption,
  hostOf,
  notApplicable,
  pass,
  securityOptionsOf,
} from '../support.js';
import type { ControlDefinition } from '../types.js';

export const rootless = defineControl({
  id: 'rootless',
  cis: { '1.6.0': '2.1' },
  section: 'daemon_configuration',
  title: 'Run the Docker daemon as a non-root user (rootless mode)',
  severity: 'low',
  remediation:
    'Where the workloads allow it, run Docker in rootless mode (dockerd-rootless-setuptool.sh install) so a daemon compromise does not give root on the host.',
  requires: ['docker_api'],
  evaluate({ facts, settings, dockerd }) {
    const runtime = hasSecurityOption({ facts, dockerd }, 'rootless');
    const observed = { runtime, configured: settings.peek('rootless')?.value ?? null };
    return runtime
      ? pass('the daemon reports rootless mode (SecurityOptions name=rootless)', observed, 'rootless')
      : fail('the daemon runs as root (no name=rootless in SecurityOptions)', observed, 'rootless');
  },
});

export const usernsRemap = defineControl({
  id: 'userns_remap',
  cis: { '1.6.0': '2.9' },
  section: 'daemon_configuration',
  title: 'Enable user namespace support',
  severity: 'medium',
  remediation:
    'Set "userns-remap": "default" (or a dedicated user) in daemon.json and restart dockerd, so root in a container is not root on the host. Rootless mode also satisfies this.',
  requires: ['docker_api'],
  evaluate({ facts, settings, dockerd }) {
    const userns = hasSecurityOption({ facts, dockerd }, 'userns');
    const isRootless = hasSecurityOption({ facts, dockerd }, 'rootless');
    const configured = settings.peek('userns-remap');
    const observed = { runtime: { userns, rootless: isRootless }, configured: configured?.value ?? null };
    if (userns)
      return pass('user namespace remapping is in effect (SecurityOptions name=userns)', observed, 'userns');
    if (isRootless) return pass('rootless mode runs every container in a user namespace', observed, 'userns');
    const note = configured
      ? `; ${describeSetting('userns-remap', configured)} is configured but not running`
      : '';
    return fail(`user namespaces are not in effect${note}`, observed, 'userns-remap set', ['userns-remap']);
  },
});

function lsmControl(opts: {
  id: 'selinux' | 'apparmor';
  title: string;
  remediation: string;
  supported: (h: { apparmorSupported: boolean; selinuxSupported: boolean }) => boolean;
  configuredKey: string | null;
  label: string;
}): ControlDefinition {
  return defineControl({
    id: opts.id,
    cis: {},
    section: 'daemon_configuration',
    title: opts.title,
    severity: 'medium',
    remediation: opts.remediation,
    requires: ['docker_api', 'host'],
    evaluate({ facts, settings, dockerd }) {
      const host = hostOf(facts);
      const configured = opts.configuredKey ? (settings.peek(opts.configuredKey)?.value ?? null) : null;
      if (!opts.supported(host)) {
        return notApplicable(`the host kernel has no ${opts.label}`, { runtime: false, configured });
      }
      const active = hasSecurityOption({ facts, dockerd }, opts.id);
      const observed = { runtime: active, configured };
      return active
        ? pass(`${opts.label} is in effect (SecurityOptions name=${opts.id})`, observed, `name=${opts.id}`)
        : fail(
            `the host supports ${opts.label} but the daemon does not use it`,
            observed,
            `name=${opts.id}`,
            opts.configuredKey ? [opts.configuredKey] : [],
          );
    },
  });
}

export const selinux = lsmControl({
  id: 'selinux',
  title: 'SELinux is enabled for containers',
  remediation:
    'Set "selinux-enabled": true in daemon.json (or --selinux-enabled) on SELinux hosts and restart dockerd, so containers get SELinux labels.',
  supported: (h) => h.selinuxSupported,
  configuredKey: 'selinux-enabled',
  label: 'SELinux',
});

export const apparmor = lsmControl({
  id: 'apparmor',
  title: 'AppArmor confines containers',
  remediation:
    'Enable AppArmor on the host (kernel and apparmor_parser) and restart dockerd; it then loads the docker-default profile for every container.',
  supported: (h) => h.apparmorSupported,
  configuredKey: null,
  label: 'AppArmor',
});

export const seccomp = defineControl({
  id: 'seccomp',
  cis: { '1.6.0': '2.17' },
  section: 'daemon_configuration',
  title: "The daemon's seccomp profile is applied",
  severity: 'high',
  remediation:
    'Remove "seccomp-profile": "unconfined" from daemon.json (or point it at a reviewed profile) and restart dockerd, so containers run with a seccomp filter.',
  requires: ['docker_api'],
  evaluate({ facts, settings, dockerd }) {
    const entry = securityOptionsOf({ facts, dockerd }).find((o) => o.name === 'seccomp');
    const configured = settings.peek('seccomp-profile')?.value ?? null;
    if (!entry) {
      return fail('the daemon reports no seccomp support (kernel or build without seccomp)', {
        runtime: null,
        configured,
      });
    }
    const profile = entry.profile ?? 'default';
    const observed = { runtime: profile, configured };
    return profile === 'unconfined'
      ? fail(
          'the daemon runs containers without seccomp (profile=unconfined)',
          observed,
          'a seccomp profile',
          ['seccomp-profile'],
        )
      : pass(`seccomp profile ${profile} is applied`, observed, 'a seccomp profile');
  },
});

export const noNewPrivileges = defineControl({
  id: 'no_new_privileges',
  cis: { '1.6.0': '2.14' },
  section: 'daemon_configuration',
  title: 'Containers are restricted from acquiring new privileges',
  severity: 'medium',
  remediation:
    'Set "no-new-privileges": true in daemon.json (or --no-new-privileges) and restart dockerd, so setuid binaries cannot raise privileges inside containers.',
  // dockerd reports the default in SecurityOptions from 24.0 only; older daemons are judged by their configuration.
  requires: [],
  evaluate({ facts, settings, dockerd }) {
    const api = apiIfUp(facts);
    const configured = settings.peek('no-new-privileges');
    if (api && engineAtLeast(api, [24, 0, 0])) {
      const runtime = hasSecurityOption({ facts, dockerd }, 'no-new-privileges');
      const observed = { runtime, configured: configured?.value ?? null };
      return runtime
        ? pass('no-new-privileges is the daemon default (SecurityOptions)', observed, 'true')
        : fail('no-new-privileges is not the daemon default', observed, 'true', ['no-new-privileges']);
    }
    const value = settings.bool('no-new-privileges', false);
    const why = api ? `dockerd ${api.version.version} does not report it; configured` : 'configured';
    const observed = { configured: value.value, origin: value.origin };
    return value.value
      ? pass(`${why}: ${describeSetting('no-new-privileges', configured, false)}`, observed, 'true')
      : fail(`${why}: ${describeSetting('no-new-privileges', configured, false)}`, observed, 'true', [
          'no-new-privileges',
        ]);
  },
});
