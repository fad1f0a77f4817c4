// What breaks quietly: the daemon's CA and server certificates, and the one its TCP listener presents,
// running out. An expired server certificate locks every client out; an expired CA rejects them all.

import { defineControl } from '../define.js';
import { ControlError, fail, notApplicable, pass, tlsFilesOf } from '../support.js';

export const DEFAULT_EXPIRY_WARNING_SECONDS = 30 * 86_400;

const day = (s: number): string => new Date(s * 1000).toISOString().slice(0, 10);

export const tlsCertExpiry = defineControl({
  id: 'tls_cert_expiry',
  cis: {},
  section: 'daemon_configuration',
  title: 'The daemon TLS certificates are valid for longer than the warning period',
  severity: 'high',
  remediation:
    'Issue new certificates (CA, then the server certificate for every name and address clients use), replace the files named by tlscacert/tlscert/tlskey, and restart dockerd: it reads them only at start.',
  requires: ['tls_files'],
  evaluate({ facts, dockerd }) {
    const now = facts.collectedAt / 1000;
    const warning = facts.exporter.tlsExpiryWarningSeconds ?? DEFAULT_EXPIRY_WARNING_SECONDS;
    const files = tlsFilesOf(facts).files.filter((f) => f.role !== 'key');
    const certs = dockerd.certificates;
    const unreadable = files.filter((f) => f.certificates === null);
    const observed = {
      certificates: certs.map((c) => ({
        role: c.role,
        path: c.path,
        subject: c.certificate.subject,
        not_after: new Date(c.certificate.notAfterSeconds * 1000).toISOString(),
        days_left: Math.floor((c.certificate.notAfterSeconds - now) / 86_400),
      })),
      unreadable: unreadable.map((f) => ({ role: f.role, path: f.path, problem: f.problem })),
      warning_days: warning / 86_400,
    };
    if (certs.length === 0 && unreadable.length === 0) {
      return notApplicable('no TLS certificate configured and no TCP listener presented one', observed);
    }
    const expected = `more than ${Math.round(warning / 86_400)} days of validity left`;
    const problems: string[] = [];
    for (const c of certs) {
      const { notAfterSeconds: end, notBeforeSeconds: start, subject } = c.certificate;
      const what = `${c.role} certificate ${c.path} (${subject})`;
      if (end <= now) problems.push(`${what} expired on ${day(end)}`);
      else if (end - now < warning) {
        problems.push(`${what} expires on ${day(end)}, in ${Math.floor((end - now) / 86_400)} days`);
      } else if (start > now) problems.push(`${what} is not valid before ${day(start)}`);
    }
    // A certificate the exporter may not read says nothing of its expiry: not judged, unless another fails.
    const hidden = unreadable.filter((f) => f.stat.denied);
    for (const f of unreadable)
      if (!f.stat.denied) problems.push(`${f.role} certificate ${f.problem ?? `${f.path} unreadable`}`);
    const notSeen = hidden.map((f) => `${f.role} certificate ${f.problem}`).join('; ');
    if (problems.length > 0) {
      const also = hidden.length > 0 ? `; not seen: ${notSeen}` : '';
      return fail(`${problems.join('; ')}${also}`, observed, expected, ['tlscacert', 'tlscert']);
    }
    if (hidden.length > 0) throw new ControlError(`cannot read ${notSeen}`);
    const soonest = certs.reduce((a, b) =>
      b.certificate.notAfterSeconds < a.certificate.notAfterSeconds ? b : a,
    );
    return pass(
      `${certs.length} certificate(s) valid; the first to expire is ${soonest.role} ${soonest.path} on ${day(soonest.certificate.notAfterSeconds)}`,
      observed,
      expected,
    );
  },
});
