// The TLS files dockerd is configured with: certificates parsed with node:crypto, the private key only stat'ed.
import type { TlsFile, TlsFileFacts } from '../facts/hostFileTypes.js';
import type { TlsFileRef } from '../facts/locations.js';
import { type Fact, factError, factOk } from '../facts/types.js';
import { InputBoundsError, READ_LIMITS, readBounded } from './boundedRead.js';
import { parseCertificates } from './certificates.js';
import { statPath } from './fileStats.js';
import type { HostPaths } from './hostPaths.js';

async function readTlsFile(paths: HostPaths, ref: TlsFileRef): Promise<TlsFile> {
  const stat = await statPath(paths, ref.path);
  if (ref.role === 'key' || !stat.exists) {
    const problem = stat.denied
      ? `${ref.path}: permission denied to the exporter's user (on the file or a directory above it)`
      : stat.exists
        ? null
        : `${ref.path} does not exist`;
    return { ...ref, stat, certificates: null, problem };
  }
  try {
    const certificates = parseCertificates(
      await readBounded(paths.resolve(ref.path), READ_LIMITS.tlsFile, ref.path),
    );
    return { ...ref, stat, certificates, problem: null };
  } catch (e) {
    // A FIFO, a device or an oversized file: the message already names the path.
    const problem = e instanceof InputBoundsError ? e.message : `${ref.path}: ${(e as Error).message}`;
    return { ...ref, stat, certificates: null, problem };
  }
}

export async function collectTlsFiles(
  paths: HostPaths,
  refs: readonly TlsFileRef[],
): Promise<Fact<TlsFileFacts>> {
  try {
    return factOk({ files: await Promise.all(refs.map((r) => readTlsFile(paths, r))) });
  } catch (e) {
    return factError(`TLS files: ${(e as Error).message}`);
  }
}
