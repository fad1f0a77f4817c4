// Reads daemon.json from where the running dockerd takes it, and decodes it as dockerd would.
import { join } from 'node:path';
import { decodeDaemonJson } from '../facts/daemonJson.js';
import { dockerdConfigFile } from '../facts/dockerd/flags.js';
import type { ConfigPathOrigin, DaemonConfigFile, DockerdProcess, Fact } from '../facts/types.js';
import { factError, factOk } from '../facts/types.js';
import { InputBoundsError, READ_LIMITS, readBounded } from './boundedRead.js';
import type { HostPaths } from './hostPaths.js';
import { decodeConfigBytes } from './textEncoding.js';

export const DEFAULT_CONFIG_FILE = '/etc/docker/daemon.json';

export interface ConfigPath {
  readonly path: string;
  readonly origin: ConfigPathOrigin;
}

/** A rootless dockerd's home, from its environment or, failing that, the owner of /run/user/UID. */
function rootlessConfigDir(
  proc: DockerdProcess | null,
  socketPath: string | null,
  homes: Record<number, string>,
) {
  if (proc) {
    const rootless = proc.uid !== 0 || 'ROOTLESSKIT_STATE_DIR' in proc.env;
    if (!rootless) return null;
    if (proc.env.XDG_CONFIG_HOME) return join(proc.env.XDG_CONFIG_HOME, 'docker');
    const home = proc.env.HOME ?? homes[proc.uid];
    return home ? join(home, '.config', 'docker') : null;
  }
  const m = socketPath ? /^\/run\/user\/(\d+)\//.exec(socketPath) : null;
  const home = m ? homes[Number(m[1])] : undefined;
  return home ? join(home, '.config', 'docker') : null;
}

/**
 * --docker.config-file wins; else the running dockerd's --config-file; else the rootless default of a rootless
 * daemon; else /etc/docker/daemon.json (dockerd's own default).
 */
export function resolveConfigPath(opts: {
  flag: string | undefined;
  dockerd: DockerdProcess | null;
  socketPath: string | null;
  homes: Record<number, string>;
}): ConfigPath {
  if (opts.flag) return { path: opts.flag, origin: 'flag' };
  const fromArgs = opts.dockerd ? dockerdConfigFile(opts.dockerd.args, opts.dockerd.cwd) : null;
  if (fromArgs) return { path: fromArgs, origin: 'dockerd' };
  const rootlessDir = rootlessConfigDir(opts.dockerd, opts.socketPath, opts.homes);
  if (rootlessDir) return { path: join(rootlessDir, 'daemon.json'), origin: 'rootless' };
  return { path: DEFAULT_CONFIG_FILE, origin: 'default' };
}

export async function readDaemonConfig(paths: HostPaths, where: ConfigPath): Promise<Fact<DaemonConfigFile>> {
  let bytes: Buffer;
  try {
    bytes = await readBounded(paths.resolve(where.path), READ_LIMITS.daemonJson, where.path);
  } catch (e) {
    // A FIFO, a device, a directory or a file over the cap: the message names the path and why.
    if (e instanceof InputBoundsError) return factError(e.message);
    const err = e as NodeJS.ErrnoException;
    // dockerd treats a missing file as an empty configuration.
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') {
      return factOk({ ...where, exists: false, text: null, parsed: {}, parseError: null });
    }
    return factError(`cannot read ${where.path}: ${err.message}`);
  }
  const { text, encoding, invalidUtf8Offset } = decodeConfigBytes(bytes);
  const decoded = decodeDaemonJson(text);
  return factOk({
    ...where,
    exists: true,
    text,
    parsed: decoded.parsed,
    parseError: decoded.error,
    ...(encoding ? { encoding } : {}),
    invalidUtf8Offset,
  });
}
