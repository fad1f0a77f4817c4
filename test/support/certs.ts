// Certificates made with the real openssl: self-signed and CA-signed leaves, and a ready PKI (CA, a server
// certificate for 127.0.0.1/localhost, a client certificate) for mTLS daemons and TLS listeners in tests.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export type KeyType = 'rsa' | 'ec';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

interface CertOptions {
  readonly subject: string;
  readonly days?: number;
  readonly keyType?: KeyType;
}

const keyArgs = (t: KeyType = 'rsa') =>
  t === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];

async function openssl(dir: string, args: string[]): Promise<void> {
  await exec('openssl', args, { cwd: dir });
}

/** NAME.crt and NAME.key in `dir`, self-signed; `ext` are -addext values (e.g. CA constraints). */
export async function selfSignedCert(
  dir: string,
  name: string,
  opts: CertOptions & { readonly ext?: readonly string[] },
): Promise<CertFiles> {
  await openssl(dir, [
    'req',
    '-x509',
    ...keyArgs(opts.keyType),
    '-nodes',
    '-days',
    String(opts.days ?? 30),
    '-sha256',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-subj',
    opts.subject,
    ...(opts.ext ?? []).flatMap((e) => ['-addext', e]),
  ]);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/** NAME.crt and NAME.key in `dir`, signed by `ca`; `ext` is the extension file's text (SANs, key usage). */
export async function signedCert(
  dir: string,
  name: string,
  opts: CertOptions & { readonly ca: CertFiles; readonly ext: string },
): Promise<CertFiles> {
  await writeFile(join(dir, `${name}.ext`), `${opts.ext}\n`);
  await openssl(dir, [
    'req',
    '-new',
    ...keyArgs(opts.keyType),
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    opts.subject,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    opts.ca.cert,
    '-CAkey',
    opts.ca.key,
    // Unique serials: a client that saw an earlier certificate of the same CA must not confuse the two.
    '-set_serial',
    String(Date.now() * 1000 + Math.floor(Math.random() * 1000)),
    '-days',
    String(opts.days ?? 30),
    '-sha256',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  ]);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

export const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];

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

export async function makePki(opts: PkiOptions = {}): Promise<Pki> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'dockersec-pki-')));
  const days = opts.days ?? 30;
  const names = opts.serverNames ?? ['127.0.0.1', 'localhost'];
  const ca = await selfSignedCert(dir, 'ca', {
    subject: '/CN=dockersec test CA',
    days: opts.caDays ?? days,
    ext: CA_EXTENSIONS,
  });
  const san = names.map((n) => (/^[\d.:]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  const [server, client] = await Promise.all([
    signedCert(dir, 'server', {
      subject: '/CN=dockerd',
      days,
      ca,
      ext: `subjectAltName=${san}\nextendedKeyUsage=serverAuth`,
    }),
    signedCert(dir, 'client', {
      subject: '/CN=dockersec-exporter',
      days,
      ca,
      ext: 'extendedKeyUsage=clientAuth',
    }),
  ]);
  return {
    dir,
    caCert: ca.cert,
    caKey: ca.key,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
  };
}
