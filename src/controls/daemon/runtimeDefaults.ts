// Defaults the daemon applies to every container, and daemon-wide features.

import { defineControl } from '../define.js';
import { apiOf, describeSetting, fail, notApplicable, pass } from '../support.js';

export const defaultUlimits = defineControl({
  id: 'default_ulimits',
  cis: { '1.6.0': '2.8' },
  section: 'daemon_configuration',
  title: 'Default ulimits are configured',
  severity: 'low',
  remediation:
    'Set "default-ulimits" in daemon.json, e.g. {"nofile": {"Name": "nofile", "Soft": 64000, "Hard": 64000}}, and restart dockerd.',
  requires: ['daemon_config'],
  evaluate({ settings }) {
    const s = settings.object('default-ulimits');
    const names = Object.keys(s?.value ?? {});
    const observed = { configured: s?.value ?? null };
    const caveat = settings.caveat ? `; ${settings.caveat}` : '';
    return names.length > 0
      ? pass(`default ulimits set: ${names.join(', ')}${caveat}`, observed, 'default-ulimits set')
      : fail(`no default ulimits configured${caveat}`, observed, 'default-ulimits set', ['default-ulimits']);
  },
});

export const cgroupParent = defineControl({
  id: 'cgroup_parent',
  cis: { '1.6.0': '2.10' },
  section: 'daemon_configuration',
  title: 'The default cgroup parent is used',
  severity: 'low',
  remediation:
    'Remove "cgroup-parent" from daemon.json (and --cgroup-parent) unless a reviewed cgroup layout needs it.',
  requires: ['daemon_config'],
  evaluate({ settings }) {
    const s = settings.string('cgroup-parent');
    const observed = { configured: s?.value ?? null };
    return s && s.value !== ''
      ? fail(`a custom cgroup parent is set: ${describeSetting('cgroup-parent', s)}`, observed, 'unset', [
          'cgroup-parent',
        ])
      : pass('no custom cgroup parent', observed, 'unset');
  },
});

export const liveRestore = defineControl({
  id: 'live_restore',
  cis: { '1.6.0': '2.15' },
  section: 'daemon_configuration',
  title: 'Live restore is enabled',
  severity: 'low',
  remediation:
    'Set "live-restore": true in daemon.json and reload dockerd (SIGHUP), so containers keep running while the daemon restarts.',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const info = apiOf(facts).info;
    const observed = {
      runtime: info.liveRestoreEnabled,
      configured: settings.peek('live-restore')?.value ?? null,
      swarm: info.swarmLocalNodeState,
    };
    if (info.swarmLocalNodeState === 'active') {
      return notApplicable('live restore is incompatible with swarm mode, which is active', observed);
    }
    return info.liveRestoreEnabled
      ? pass('live restore is enabled', observed, 'true')
      : fail('live restore is disabled', observed, 'true', ['live-restore']);
  },
});

export const experimental = defineControl({
  id: 'experimental',
  cis: { '1.6.0': '2.18' },
  section: 'daemon_configuration',
  title: 'Experimental features are disabled',
  severity: 'low',
  remediation:
    'Remove "experimental": true from daemon.json (and --experimental) and restart dockerd on production hosts.',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const on = apiOf(facts).info.experimentalBuild;
    const observed = { runtime: on, configured: settings.peek('experimental')?.value ?? null };
    return on
      ? fail('experimental features are enabled', observed, 'false', ['experimental'])
      : pass('experimental features are disabled', observed, 'false');
  },
});

export const authorizationPlugin = defineControl({
  id: 'authorization_plugin',
  cis: { '1.6.0': '2.12' },
  section: 'daemon_configuration',
  title: 'Authorization for Docker client commands is enabled',
  severity: 'medium',
  remediation:
    'Install an authorization plugin (e.g. OPA docker-authz) and list it in "authorization-plugins" (plural) in daemon.json, then restart dockerd.',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const active = apiOf(facts).info.authorizationPlugins;
    const configured = settings.peek('authorization-plugins')?.value ?? [];
    const observed = { runtime: active, configured };
    if (active.length > 0)
      return pass(`authorization plugins active: ${active.join(', ')}`, observed, 'a plugin');
    const note =
      Array.isArray(configured) && configured.length > 0
        ? `; configured ${configured.join(', ')} but the daemon does not report it (restart pending?)`
        : '';
    return fail(`no authorization plugin is active${note}`, observed, 'a plugin', ['authorization-plugins']);
  },
});
