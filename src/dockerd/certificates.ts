// The certificates dockerd's TLS depends on: the CA and server files it was configured with and the ones its
// TCP listeners present.
import type { CertificateInfo } from '../facts/exposureTypes.js';
import type { Facts } from '../facts/types.js';

export interface CertificateInUse {
  readonly role: 'ca' | 'server' | 'endpoint';
  /** The file, or host:port for the certificate a listener presented. */
  readonly path: string;
  readonly certificate: CertificateInfo;
}

/** Every certificate the daemon's TLS depends on: each one in the CA file, the server file, each listener's. */
export function certificatesInUse(facts: Facts): CertificateInUse[] {
  const out: CertificateInUse[] = [];
  if (facts.tlsFiles.ok) {
    for (const f of facts.tlsFiles.value.files) {
      if (f.role === 'key') continue;
      for (const c of f.certificates ?? []) out.push({ role: f.role, path: f.path, certificate: c });
    }
  }
  if (facts.exposure.ok) {
    for (const p of facts.exposure.value.listeners) {
      if (p.certificate) {
        out.push({
          role: 'endpoint',
          path: `${p.listener.probeHost}:${p.listener.port}`,
          certificate: p.certificate,
        });
      }
    }
  }
  return out;
}
