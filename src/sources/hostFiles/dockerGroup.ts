// Who is in the group that owns the Docker socket: /etc/group members and users with it as primary group.
import type { DockerGroup } from '../../facts/hostFileTypes.js';
import { orAbsent } from '../absent.js';
import { READ_LIMITS, readBoundedText } from '../boundedRead.js';
import type { HostPaths } from '../hostPaths.js';

export function parseGroupMembers(groupText: string, passwdText: string, name: string): DockerGroup {
  let gid: number | null = null;
  let members: string[] = [];
  for (const line of groupText.split('\n')) {
    const f = line.split(':');
    if (f[0] !== name || f.length < 3) continue;
    gid = Number(f[2]);
    members = (f[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    break;
  }
  const primaryMembers =
    gid === null
      ? []
      : passwdText
          .split('\n')
          .map((l) => l.split(':'))
          .filter((f) => f[0] && Number(f[3]) === gid)
          .map((f) => f[0]!);
  return { name, gid, members, primaryMembers };
}

export async function readDockerGroup(paths: HostPaths, name: string): Promise<DockerGroup> {
  const [group, passwd] = await Promise.all([
    orAbsent(readBoundedText(paths.resolve('/etc/group'), READ_LIMITS.accountTable, '/etc/group'), ''),
    orAbsent(readBoundedText(paths.resolve('/etc/passwd'), READ_LIMITS.accountTable, '/etc/passwd'), ''),
  ]);
  return parseGroupMembers(group, passwd, name);
}
