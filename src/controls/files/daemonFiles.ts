// CIS 3.15-3.18: the Docker socket and daemon.json.
import { filesOf } from '../support.js';
import { groupIds, ownershipControl, permissionsControl, rootlessUid, rootOnly } from './fileRules.js';

const socketOf = (ctx: Parameters<typeof rootOnly>[0]) => filesOf(ctx.facts).socket;
const daemonJsonOf = (ctx: Parameters<typeof rootOnly>[0]) => filesOf(ctx.facts).daemonJson;

export const socketOwnership = ownershipControl({
  id: 'socket_ownership',
  cis: { '1.6.0': '3.15' },
  title: 'The Docker socket is owned by root:docker',
  severity: 'high',
  remediation:
    'chown root:docker on the socket (or set SocketUser=root / SocketGroup=docker in docker.socket), and keep only trusted users in that group.',
  target: socketOf,
  absentReason: '--docker.host is not a unix socket',
  missing: 'error',
  expectKind: 'socket',
  rule: {
    users: rootOnly,
    groups: (ctx, host) => {
      // dockerd chowns its socket to the `group` option (default "docker"); a rootless socket belongs to its user.
      const configured = ctx.settings.peek('group')?.value;
      const names = ['root', 'docker', ...(typeof configured === 'string' ? [configured] : [])];
      const uid = rootlessUid(ctx.facts);
      if (uid !== null && host.users[uid]) names.push(host.users[uid]!);
      // A rootless dockerd chowns its socket to its `docker` group inside the user namespace, which is one of
      // the user's subordinate gids outside (measured: 100105). A gid the host has no group for has no members.
      const gid = socketOf(ctx)?.gid;
      const subordinate = uid !== null && gid !== undefined && host.groups[gid] === undefined ? [gid] : [];
      return [0, ...groupIds(host, names), ...subordinate];
    },
    expected: 'root:docker (or root:root)',
  },
});

export const socketPermissions = permissionsControl({
  id: 'socket_permissions',
  cis: { '1.6.0': '3.16' },
  title: 'The Docker socket permissions are 660 or more restrictive',
  severity: 'critical',
  remediation:
    'chmod 660 the socket (or SocketMode=0660 in docker.socket): anyone who can write to it controls the host as root.',
  target: socketOf,
  absentReason: '--docker.host is not a unix socket',
  missing: 'error',
  expectKind: 'socket',
  maxMode: 0o660,
});

export const daemonJsonOwnership = ownershipControl({
  id: 'daemon_json_ownership',
  cis: { '1.6.0': '3.17' },
  title: 'daemon.json is owned by root:root',
  severity: 'high',
  remediation: 'chown root:root daemon.json: whoever can edit it decides how the daemon runs.',
  target: daemonJsonOf,
  absentReason: 'no daemon.json path',
  missing: 'not_applicable',
  rule: {
    users: rootOnly,
    groups: (ctx, host) => {
      const uid = rootlessUid(ctx.facts);
      return uid !== null && host.users[uid] ? [0, ...groupIds(host, [host.users[uid]!])] : [0];
    },
    expected: 'root:root',
  },
});

export const daemonJsonPermissions = permissionsControl({
  id: 'daemon_json_permissions',
  cis: { '1.6.0': '3.18' },
  title: 'daemon.json permissions are 644 or more restrictive',
  severity: 'high',
  remediation:
    'chmod 644 daemon.json (no group or world write): a writable daemon.json gives root at the next restart.',
  target: daemonJsonOf,
  absentReason: 'no daemon.json path',
  missing: 'not_applicable',
  maxMode: 0o644,
});
