// CIS 2.7: every TCP listener must demand client certificates.
import { orThrow } from '../../dockerd/index.js';
import { defineControl } from '../define.js';
import { apiIfUp, fail, notApplicable, pass } from '../support.js';

/** Warnings dockerd puts in /info for listeners without TLS or without verification (prefix varies by release). */
const INSECURE_WARNING =
  /API is accessible on (https?):\/\/(\S+?) without (encryption|TLS client verification)/;

export const tls = defineControl({
  id: 'tls',
  cis: { '1.6.0': '2.7' },
  section: 'daemon_configuration',
  title: 'TLS authentication is configured for the Docker daemon',
  severity: 'critical',
  remediation:
    'For every tcp:// listener set "tlsverify": true with "tlscacert", "tlscert" and "tlskey" in daemon.json, restart dockerd, and give clients certificates signed by that CA. Remove TCP listeners that are not needed.',
  requires: ['daemon_config'],
  evaluate({ facts, settings, dockerd }) {
    const { listeners } = orThrow(dockerd.listeners);
    const inherited = listeners.filter((l) => l.proto === 'fd').map((l) => l.raw);
    // With -H fd:// dockerd wraps the TCP sockets systemd hands it (docker.socket ListenStream=) in the same TLS
    // configuration, so they are TCP listeners of this daemon too.
    const fromSystemd =
      inherited.length > 0 && facts.exposure.ok
        ? facts.exposure.value.listeners
            .filter((p) => p.listener.origins.includes('listen_stream'))
            .map(
              (p) =>
                `docker.socket ListenStream=${p.listener.declared[0] ?? `${p.listener.host}:${p.listener.port}`}`,
            )
        : [];
    const tcp = [...listeners.filter((l) => l.proto === 'tcp').map((l) => l.raw), ...fromSystemd];
    const api = apiIfUp(facts);
    const reported = (api?.info.warnings ?? [])
      .map((w) => INSECURE_WARNING.exec(w))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]}://${m[2]} without ${m[3]}`);
    const mode = orThrow(dockerd.tls);
    const observed = {
      configured: { listeners: tcp, tls: mode.tls, tlsverify: mode.verify },
      runtime: api ? { insecure_listeners: reported } : null,
    };
    const caveat = settings.caveat ? `; ${settings.caveat}` : '';
    if (reported.length > 0) {
      return fail(
        `the daemon reports TCP listeners ${reported.join('; ')}`,
        observed,
        'tlsverify on every TCP listener',
        ['hosts', 'tls', 'tlsverify'],
      );
    }
    if (tcp.length === 0) {
      const note =
        inherited.length > 0 && !facts.exposure.ok
          ? ` (listeners inherited from systemd via fd:// unknown: ${facts.exposure.error})`
          : '';
      return notApplicable(`no TCP listener configured${note}${caveat}`, observed);
    }
    if (!mode.verify) {
      const what = mode.tls ? 'TLS without client certificate verification' : 'no TLS';
      return fail(
        `TCP listener ${tcp.join(', ')} with ${what}: ${mode.why}`,
        observed,
        'tlsverify on every TCP listener',
        ['hosts', 'tls', 'tlsverify'],
      );
    }
    return pass(
      `TCP listener ${tcp.join(', ')} requires client certificates: ${mode.why}`,
      observed,
      'tlsverify',
    );
  },
});
