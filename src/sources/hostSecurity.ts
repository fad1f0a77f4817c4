// Host facts: whether the kernel offers AppArmor/SELinux at all, and uid/gid names for ownership checks.
import { access } from 'node:fs/promises';
import type { Fact, HostFacts } from '../facts/types.js';
import { factError, factOk } from '../facts/types.js';
import { orAbsent } from './absent.js';
import { READ_LIMITS, readBoundedText } from './boundedRead.js';
import type { HostPaths } from './hostPaths.js';

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

function parseIdFile(text: string): { names: Record<number, string>; homes: Record<number, string> } {
  const names: Record<number, string> = {};
  const homes: Record<number, string> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const id = Number(f[2]);
    if (!f[0] || !Number.isInteger(id) || id in names) continue;
    names[id] = f[0];
    if (f[5]) homes[id] = f[5];
  }
  return { names, homes };
}

export interface HostIdentity {
  readonly facts: HostFacts;
  /** Home directories by uid, used to find a rootless daemon's config. */
  readonly homes: Record<number, string>;
}

export async function collectHost(paths: HostPaths): Promise<Fact<HostIdentity>> {
  try {
    // The same tests runc's apparmor.IsEnabled() and go-selinux make.
    const apparmorEnabled = await orAbsent(
      readBoundedText(
        paths.resolve('/sys/module/apparmor/parameters/enabled'),
        READ_LIMITS.kernelParameter,
        '/sys/module/apparmor/parameters/enabled',
      ),
      '',
    );
    const apparmorSupported =
      (await exists(paths.resolve('/sys/kernel/security/apparmor'))) && apparmorEnabled.startsWith('Y');
    const selinuxSupported =
      (await exists(paths.resolve('/sys/fs/selinux/enforce'))) ||
      (await exists(paths.resolve('/selinux/enforce')));
    const passwd = parseIdFile(
      await orAbsent(
        readBoundedText(paths.resolve('/etc/passwd'), READ_LIMITS.accountTable, '/etc/passwd'),
        '',
      ),
    );
    const group = parseIdFile(
      await orAbsent(
        readBoundedText(paths.resolve('/etc/group'), READ_LIMITS.accountTable, '/etc/group'),
        '',
      ),
    );
    return factOk({
      facts: { apparmorSupported, selinuxSupported, users: passwd.names, groups: group.names },
      homes: passwd.homes,
    });
  } catch (e) {
    return factError(`host facts: ${(e as Error).message}`);
  }
}
