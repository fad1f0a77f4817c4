// What an attacker tries first: a Docker API that answers without a client certificate. Judged from the
// probe of every TCP listener, not from configuration, so listeners inherited from systemd count too.
import type { ListenerProbe, ProbeAttempt } from '../../facts/exposureTypes.js';
import { defineControl } from '../define.js';
import { ControlError, exposureOf, fail, notApplicable, pass } from '../support.js';

const INCONCLUSIVE = new Set<ProbeAttempt['outcome']>(['timeout', 'error', 'skipped']);

export function endpointName(p: ListenerProbe): string {
  const l = p.listener;
  const target = l.probeHost.includes(':') ? `[${l.probeHost}]:${l.port}` : `${l.probeHost}:${l.port}`;
  const name = l.declared[0] ?? target;
  return l.rewrite ? `${name} (probed on ${target})` : name;
}

function describe(p: ListenerProbe): string {
  const answered = [p.http, p.https].filter((a) => a.outcome === 'answered');
  if (answered.length > 0) return answered.map((a) => `${a.scheme.toUpperCase()}: ${a.detail}`).join(', ');
  if (p.https.outcome === 'client_cert_required') return 'TLS, client certificate required';
  if (p.http.outcome === 'refused' && p.https.outcome === 'refused') return 'not listening';
  return `HTTP ${p.http.outcome}, HTTPS ${p.https.outcome}`;
}

const isOpen = (p: ListenerProbe): boolean => p.http.outcome === 'answered' || p.https.outcome === 'answered';
const isInconclusive = (p: ListenerProbe): boolean =>
  !isOpen(p) &&
  p.https.outcome !== 'client_cert_required' &&
  (INCONCLUSIVE.has(p.http.outcome) || INCONCLUSIVE.has(p.https.outcome)) &&
  !(p.http.outcome === 'refused' && p.https.outcome === 'refused');

export const apiUnauthenticated = defineControl({
  id: 'api_unauthenticated',
  cis: {},
  section: 'daemon_configuration',
  title: 'No TCP listener of the Docker API answers without a client certificate',
  severity: 'critical',
  remediation:
    'Remove TCP listeners that are not needed (hosts in daemon.json, -H flags, ListenStream= in docker.socket); on the others set "tlsverify": true with tlscacert, tlscert and tlskey, and restart dockerd. Anyone who reaches an unauthenticated API is root on the host.',
  requires: ['exposure'],
  evaluate({ facts }) {
    const exposure = exposureOf(facts);
    const listeners = exposure.listeners.map((p) => ({
      endpoint: endpointName(p),
      probed: `${p.listener.probeHost}:${p.listener.port}`,
      rewrite: p.listener.rewrite,
      declared: p.listener.declared,
      origins: p.listener.origins,
      http: p.http.outcome,
      https: p.https.outcome,
      result: describe(p),
    }));
    const observed = { listeners, netns: exposure.netns, notes: exposure.notes };
    const notes = exposure.notes.length > 0 ? ` (${exposure.notes.join('; ')})` : '';
    if (exposure.listeners.length === 0) {
      return notApplicable(
        `no TCP listener in hosts, -H flags, docker.socket or dockerd's sockets${notes}`,
        observed,
      );
    }
    const open = exposure.listeners.filter(isOpen);
    if (open.length > 0) {
      return fail(
        `the Docker API answers without a client certificate on ${open.map((p) => `${endpointName(p)}: ${describe(p)}`).join('; ')}`,
        observed,
        'every TCP listener requires a client certificate',
        ['hosts', 'tls', 'tlsverify'],
      );
    }
    const unknown = exposure.listeners.filter(isInconclusive);
    if (unknown.length > 0) {
      throw new ControlError(
        `could not tell whether ${unknown.map((p) => `${endpointName(p)} (${p.http.detail}; ${p.https.detail})`).join(', ')} answers without a client certificate${notes}`,
      );
    }
    return pass(
      `no listener answered /_ping without a client certificate: ${exposure.listeners.map((p) => `${endpointName(p)}: ${describe(p)}`).join('; ')}`,
      observed,
      'every TCP listener requires a client certificate',
    );
  },
});
