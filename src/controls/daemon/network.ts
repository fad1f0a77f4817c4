// Networking defaults of the daemon: inter-container traffic, iptables, the userland proxy, registries.

import { defineControl } from '../define.js';
import { apiIfUp, apiOf, describeSetting, fail, notApplicable, pass } from '../support.js';

const ICC_OPTION = 'com.docker.network.bridge.enable_icc';

export const icc = defineControl({
  id: 'icc',
  cis: { '1.6.0': '2.2' },
  section: 'daemon_configuration',
  title: 'Network traffic is restricted between containers on the default bridge',
  severity: 'medium',
  remediation:
    'Set "icc": false in daemon.json (or --icc=false) and restart dockerd; link containers that must talk on a user-defined network instead.',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const bridge = apiOf(facts).bridge;
    const configured = settings.peek('icc')?.value ?? null;
    if (!bridge.exists) {
      return notApplicable('the daemon has no default bridge network (bridge: none)', {
        runtime: null,
        configured,
      });
    }
    const raw = bridge.options[ICC_OPTION];
    // dockerd leaves the option out when icc is on, so only an explicit "false" means restricted.
    const enabled = raw !== 'false';
    const observed = { runtime: enabled, configured };
    return enabled
      ? fail(
          `the default bridge allows inter-container traffic (${ICC_OPTION}=${raw ?? 'unset'})`,
          observed,
          'false',
          ['icc'],
        )
      : pass(`the default bridge blocks inter-container traffic (${ICC_OPTION}=false)`, observed, 'false');
  },
});

export const iptables = defineControl({
  id: 'iptables',
  cis: { '1.6.0': '2.4' },
  section: 'daemon_configuration',
  title: 'Docker is allowed to make changes to iptables',
  severity: 'medium',
  remediation:
    'Remove "iptables": false from daemon.json (and --iptables=false from the command line) and restart dockerd, so Docker keeps the firewall consistent with published ports.',
  requires: ['daemon_config'],
  evaluate({ facts, settings }) {
    const s = settings.bool('iptables', true);
    const api = apiIfUp(facts);
    // The API has no iptables field; icc=false on the bridge proves iptables is on, since dockerd refuses the combination.
    const iccOff = api?.bridge.exists && api.bridge.options[ICC_OPTION] === 'false';
    const observed = { configured: s.value, origin: s.origin, runtime: iccOff ? true : null };
    const caveat = settings.caveat ? `; ${settings.caveat}` : '';
    return s.value
      ? pass(`${describeSetting('iptables', settings.peek('iptables'), true)}${caveat}`, observed, 'true')
      : fail(
          `iptables management is disabled: ${describeSetting('iptables', settings.peek('iptables'))}`,
          observed,
          'true',
          ['iptables'],
        );
  },
});

export const userlandProxy = defineControl({
  id: 'userland_proxy',
  cis: { '1.6.0': '2.16' },
  section: 'daemon_configuration',
  title: 'The userland proxy is disabled',
  severity: 'low',
  remediation:
    'Set "userland-proxy": false in daemon.json and restart dockerd, so published ports use iptables NAT instead of a docker-proxy process per port.',
  requires: ['daemon_config'],
  evaluate({ settings }) {
    const s = settings.bool('userland-proxy', true);
    const observed = { configured: s.value, origin: s.origin };
    const text = describeSetting('userland-proxy', settings.peek('userland-proxy'), true);
    const caveat = settings.caveat ? `; ${settings.caveat}` : '';
    return s.value
      ? fail(`the userland proxy is enabled: ${text}${caveat}`, observed, 'false', ['userland-proxy'])
      : pass(`${text}${caveat}`, observed, 'false');
  },
});

/** dockerd always trusts loopback registries; they are not an operator's choice. */
const BUILTIN_INSECURE = new Set(['127.0.0.0/8', '::1/128']);

export const insecureRegistries = defineControl({
  id: 'insecure_registries',
  cis: { '1.6.0': '2.5' },
  section: 'daemon_configuration',
  title: 'Insecure registries are not used',
  severity: 'high',
  remediation:
    'Remove entries from "insecure-registries" in daemon.json (and --insecure-registry flags), give those registries TLS certificates, then reload dockerd (SIGHUP).',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const info = apiOf(facts).info;
    const cidrs = info.insecureRegistryCIDRs.filter((c) => !BUILTIN_INSECURE.has(c));
    const runtime = [...cidrs, ...info.insecureIndexes];
    const observed = { runtime, configured: settings.peek('insecure-registries')?.value ?? [] };
    return runtime.length > 0
      ? fail(`the daemon trusts insecure registries: ${runtime.join(', ')}`, observed, 'none', [
          'insecure-registries',
        ])
      : pass('no insecure registry beyond the built-in loopback ranges', observed, 'none');
  },
});
