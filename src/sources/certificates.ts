// X.509 certificates read with node:crypto, reduced to what the controls judge.
import { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../facts/exposureTypes.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function certificateInfo(cert: X509Certificate): CertificateInfo {
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    serialNumber: cert.serialNumber,
    notBeforeSeconds: Date.parse(cert.validFrom) / 1000,
    notAfterSeconds: Date.parse(cert.validTo) / 1000,
    fingerprint256: cert.fingerprint256,
    isCa: cert.ca,
  };
}

/**
 * Every certificate in a PEM file (a CA bundle holds several), or one DER certificate.
 * Throws when nothing in the file is a certificate.
 */
export function parseCertificates(data: Buffer): CertificateInfo[] {
  const text = data.toString('latin1');
  const blocks = text.match(PEM_BLOCK);
  if (blocks) return blocks.map((b) => certificateInfo(new X509Certificate(b)));
  if (text.includes('-----BEGIN')) throw new Error('no PEM CERTIFICATE block');
  return [certificateInfo(new X509Certificate(data))];
}
