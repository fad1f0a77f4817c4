// A throwaway PKI made with the real openssl: a CA, a server certificate for 127.0.0.1/localhost and a client
// certificate, for mTLS daemons and TLS listeners in tests.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface Pki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

export interface PkiOptions {
  /** Validity of the leaf certificates in days (the CA gets the same unless caDays is given). */
  readonly days?: number;
  readonly caDays?: number;
  readonly serverNames?: readonly string[];
  readonly dir?: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await exec('openssl', args, { cwd: dir });
}

async function leaf(dir: string, name: string, ext: string, days: number, subject: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}-key.pem`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-days',
    String(days),
    '-sha256',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
}

export async function makePki(opts: PkiOptions = {}): Promise<Pki> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'dockersec-pki-')));
  const days = opts.days ?? 30;
  const names = opts.serverNames ?? ['127.0.0.1', 'localhost'];
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    String(opts.caDays ?? days),
    '-subj',
    '/CN=dockersec test CA',
    '-sha256',
  ]);
  const san = names.map((n) => (/^[\d.:]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  await leaf(dir, 'server', `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`, days, '/CN=dockerd');
  await leaf(dir, 'client', 'extendedKeyUsage=clientAuth\n', days, '/CN=dockersec-exporter');
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
  };
}
