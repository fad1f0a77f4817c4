// CIS section 1 and 3 host facts: stats of the files the benchmark names, located from dockerd's real
// configuration; the data root's mount; the socket group's members; audit rules.
import { readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { ContainerdSocket, DataRootMount, HostFileFacts } from '../../facts/hostFileTypes.js';
import type { HostFilesInput } from '../../facts/locations.js';
import { type Fact, type FileStat, factError, factOk } from '../../facts/types.js';
import { orAbsent } from '../absent.js';
import { statPath } from '../fileStats.js';
import type { HostPaths } from '../hostPaths.js';
import { type AuditHostState, collectAudit } from './auditRules.js';
import { readDockerGroup } from './dockerGroup.js';
import { hostRealpath } from './hostRealpath.js';
import { mountOf, readMounts } from './mounts.js';

async function registryCerts(paths: HostPaths, dir: string): Promise<FileStat[]> {
  const registries = await orAbsent(readdir(paths.resolve(dir), { withFileTypes: true }), []);
  // Every registry and file together: a refresh waits for the slowest chain of reads, not their sum.
  const perRegistry = await Promise.all(
    registries
      .filter((r) => r.isDirectory())
      .map(async (r) => {
        const sub = posix.join(dir, r.name);
        const files = await orAbsent(readdir(paths.resolve(sub), { withFileTypes: true }), []);
        return Promise.all(files.map((f) => statPath(paths, posix.join(sub, f.name))));
      }),
  );
  return perRegistry
    .flat()
    .filter((st) => st.exists && st.kind === 'file')
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** dockerd 20.10+: an explicit address, else the system containerd if its socket exists, else its own. */
async function containerdSocket(paths: HostPaths, input: HostFilesInput): Promise<ContainerdSocket> {
  if (input.containerd) {
    const path = input.containerd.path.replace(/^unix:\/\//, '');
    return { path, origin: input.containerd.origin, stat: await statPath(paths, path) };
  }
  const system = await statPath(paths, input.systemContainerdSocket);
  if (system.exists) return { path: input.systemContainerdSocket, origin: 'system', stat: system };
  const supervised = posix.join(input.execRoot, 'containerd', 'containerd.sock');
  const own = await statPath(paths, supervised);
  // A system socket the exporter may not see could still be the one dockerd uses: its controls say so.
  if (!own.exists && system.denied)
    return { path: input.systemContainerdSocket, origin: 'system', stat: system };
  return { path: supervised, origin: 'supervised', stat: own };
}

async function dataRootMount(paths: HostPaths, input: HostFilesInput): Promise<DataRootMount> {
  const { dataRoot } = input;
  // dockerd resolves symlinks in its data root; user namespaces add a <uid>.<gid> level below it.
  const real = (await hostRealpath(paths, dataRoot.path)) ?? dataRoot.path;
  const path = dataRoot.userns && /\/\d+\.\d+$/.test(real) ? posix.dirname(real) : real;
  const mounts = await readMounts(paths, input.dockerdPid);
  const mount = mountOf(mounts, path);
  const root = mountOf(mounts, '/');
  return {
    path,
    origin: dataRoot.origin,
    mountPoint: mount?.mountPoint ?? null,
    fsType: mount?.fsType ?? null,
    source: mount?.source ?? null,
    fsRoot: mount?.fsRoot ?? null,
    sameDeviceAsRoot: mount && root ? mount.device === root.device : null,
  };
}

export async function collectHostFiles(
  paths: HostPaths,
  input: HostFilesInput,
  auditHost?: AuditHostState,
): Promise<Fact<HostFileFacts>> {
  try {
    const certsDir = posix.join(input.configDir, 'certs.d');
    const containerd = await containerdSocket(paths, input);
    const [configDir, certs, defaultDocker, sysconfigDocker, dataRoot, dockerGroup, audit] =
      await Promise.all([
        statPath(paths, input.configDir),
        registryCerts(paths, certsDir),
        statPath(paths, '/etc/default/docker'),
        statPath(paths, '/etc/sysconfig/docker'),
        orAbsent(dataRootMount(paths, input), null),
        readDockerGroup(paths, input.socketGroup),
        collectAudit(
          paths,
          {
            dockerdPid: input.dockerdPid,
            dataRoot: input.dataRoot.path,
            configDir: input.configDir,
            daemonJson: input.daemonJson,
            serviceFragment: input.serviceFragment,
            socketFragment: input.socketFragment,
            dockerSocket: input.dockerSocket,
            containerdSocket: containerd.path,
            containerdConfig:
              containerd.origin === 'supervised'
                ? posix.join(input.execRoot, 'containerd', 'containerd.toml')
                : '/etc/containerd/config.toml',
          },
          auditHost,
        ),
      ]);
    return factOk({
      configDir,
      registryCertsDir: certsDir,
      registryCerts: certs,
      defaultDocker,
      sysconfigDocker,
      containerdSocket: containerd,
      dataRoot,
      dockerGroup,
      audit,
    });
  } catch (e) {
    return factError(`host files: ${(e as Error).message}`);
  }
}
