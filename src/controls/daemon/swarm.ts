// CIS 5.1: swarm mode opens the cluster ports and keeps cluster secrets; only swarm nodes should run it.

import { defineControl } from '../define.js';
import { apiOf, fail, pass } from '../support.js';

export const swarmMode = defineControl({
  id: 'swarm_mode',
  cis: { '1.6.0': '5.1' },
  section: 'container_runtime',
  title: 'Swarm mode is not enabled, if not needed',
  severity: 'medium',
  remediation:
    'On a host that is not meant to be a swarm node, leave the swarm (docker swarm leave; a last manager needs --force). On swarm nodes, run the exporter with --swarm.expected.',
  requires: ['docker_api'],
  evaluate({ facts }) {
    const info = apiOf(facts).info;
    const state = info.swarmLocalNodeState || 'inactive';
    const expected = facts.exporter.swarmExpected === true;
    const observed = { runtime: state, manager: info.swarmControlAvailable, expected };
    const want = expected ? 'any (--swarm.expected)' : 'inactive';
    if (state === 'inactive') return pass('swarm mode is inactive', observed, want);
    const role = info.swarmControlAvailable ? ' (manager)' : '';
    if (expected)
      return pass(
        `swarm mode is ${state}${role}, as expected on this host (--swarm.expected)`,
        observed,
        want,
      );
    return fail(
      `swarm mode is ${state}${role} on a host not meant to run it (--swarm.expected=false)`,
      observed,
      want,
    );
  },
});
