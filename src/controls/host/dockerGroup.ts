// CIS 1.1.2: who can use the Docker socket through its group. Membership is root on the host, so the
// members are always listed; they are judged only against --host.trusted-users.

import { defineControl } from '../define.js';
import { fail, hostFilesOf, notApplicable, pass } from '../support.js';

export const dockerGroupMembers = defineControl({
  id: 'docker_group_members',
  cis: { '1.6.0': '1.1.2' },
  section: 'host_configuration',
  title: 'Only trusted users are allowed to control the Docker daemon',
  severity: 'high',
  remediation:
    'Remove untrusted users from the group that owns the Docker socket (gpasswd -d USER docker) and list the trusted ones in --host.trusted-users.',
  requires: ['host_files'],
  evaluate({ facts }) {
    if (facts.dockerd.ok && facts.dockerd.value.uid !== 0) {
      return notApplicable('rootless daemon: its socket belongs to its user, not to a group');
    }
    const group = hostFilesOf(facts).dockerGroup;
    if (!group || group.gid === null) return notApplicable(`no group named ${group?.name ?? 'docker'}`);
    const members = [...new Set([...group.members, ...group.primaryMembers])].sort();
    const trusted = facts.exporter.trustedUsers;
    const observed = { group: group.name, gid: group.gid, members, trusted: trusted ?? null };
    const list = members.length > 0 ? members.join(', ') : 'none';
    if (trusted === undefined) {
      return pass(
        `members of ${group.name}: ${list} (not judged: --host.trusted-users not given)`,
        observed,
        'only trusted users',
      );
    }
    // Exact names: docker-bench's substring match lets "bob" vouch for "bobby".
    const untrusted = members.filter((m) => !trusted.includes(m));
    return untrusted.length > 0
      ? fail(
          `${group.name} has members outside --host.trusted-users: ${untrusted.join(', ')} (all members: ${list})`,
          { ...observed, untrusted },
          'only trusted users',
          ['group'],
        )
      : pass(`every member of ${group.name} is trusted: ${list}`, observed, 'only trusted users');
  },
});
