// What runs inside containers, from the daemon's host-side process list (never docker exec).
import { containerControl, unknown } from './containerControl.js';

export const sshd = containerControl({
  id: 'container_sshd',
  cis: { '1.6.0': '5.7' },
  title: 'sshd is not run within containers',
  severity: 'medium',
  expected: 'no sshd process',
  remediation:
    'Remove the SSH server from the image and its entrypoint; use docker exec (or the orchestrator) for access, and docker cp or volumes to move files.',
  check(c) {
    if (c.sshd === true) return 'an sshd process runs in it';
    if (c.sshd === null) return unknown(`process list unavailable: ${c.processListError ?? 'unknown error'}`);
    return null;
  },
});
