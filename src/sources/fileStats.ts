// stat() of the Docker socket and daemon.json: type, permission bits, owner.
import { stat } from 'node:fs/promises';
import type { Fact, FileFacts, FileStat } from '../facts/types.js';
import { factError, factOk } from '../facts/types.js';
import type { HostPaths } from './hostPaths.js';

function kindOf(s: import('node:fs').Stats): FileStat['kind'] {
  if (s.isSocket()) return 'socket';
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'directory';
  if (s.isSymbolicLink()) return 'symlink';
  return 'other';
}

export async function statPath(paths: HostPaths, path: string): Promise<FileStat> {
  try {
    const s = await stat(paths.resolve(path));
    return {
      path,
      exists: true,
      kind: kindOf(s),
      mode: s.mode & 0o7777,
      uid: s.uid,
      gid: s.gid,
      mtimeSeconds: s.mtimeMs / 1000,
    };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { path, exists: false, kind: null, mode: 0, uid: -1, gid: -1, mtimeSeconds: 0 };
    }
    // One root-only directory must not cost a non-root exporter every other file: the controls that
    // judge this one say what could not be seen.
    if (code === 'EACCES' || code === 'EPERM') {
      return { path, exists: false, denied: true, kind: null, mode: 0, uid: -1, gid: -1, mtimeSeconds: 0 };
    }
    throw e;
  }
}

export async function collectFileStats(
  paths: HostPaths,
  socketPath: string | null,
  daemonJsonPath: string,
): Promise<Fact<FileFacts>> {
  try {
    const [socket, daemonJson] = await Promise.all([
      socketPath ? statPath(paths, socketPath) : Promise.resolve(null),
      statPath(paths, daemonJsonPath),
    ]);
    return factOk({ socket, daemonJson });
  } catch (e) {
    return factError(`stat failed: ${(e as Error).message}`);
  }
}
