// realpath() inside the host root, through the same resolver the container inventory uses, plus the
// existence check audit targets and binary lookups need.
import { lstat } from 'node:fs/promises';
import { orAbsent } from '../absent.js';
import { HostPathResolver } from '../containers/hostPathResolver.js';
import type { HostPaths } from '../hostPaths.js';

/** The host path with every symlink resolved, or null when it does not exist. */
export async function hostRealpath(paths: HostPaths, hostPath: string): Promise<string | null> {
  const real = await new HostPathResolver(paths).resolve(hostPath);
  return (await orAbsent(lstat(paths.resolve(real)), null)) ? real : null;
}
