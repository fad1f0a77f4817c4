// CIS 1.1.1: the data root on a filesystem of its own, so images and containers cannot fill the host's.

import { defineControl } from '../define.js';
import { ControlError, fail, hostFilesOf, pass } from '../support.js';

export const dockerPartition = defineControl({
  id: 'docker_partition',
  cis: { '1.6.0': '1.1.1' },
  section: 'host_configuration',
  title: "A separate partition for Docker's data root has been created",
  severity: 'medium',
  remediation:
    'Put the data root (data-root in daemon.json, /var/lib/docker by default) on its own filesystem: create a partition or logical volume, mount it there in /etc/fstab, and restart dockerd.',
  requires: ['host_files'],
  evaluate({ facts }) {
    const root = hostFilesOf(facts).dataRoot;
    if (!root || root.mountPoint === null) throw new ControlError("the data root's mount could not be found");
    const observed = {
      path: root.path,
      origin: root.origin,
      mount_point: root.mountPoint,
      fs_type: root.fsType,
      device: root.source,
    };
    const on = `${root.mountPoint} (${root.fsType ?? '?'} ${root.source ?? '?'})`;
    const expected = 'the data root is the mount point of a filesystem of its own';
    if (root.mountPoint !== root.path) {
      return fail(`${root.path} lives on ${on}, not on a filesystem of its own`, observed, expected, [
        'data-root',
      ]);
    }
    // dockerd bind-mounts its data root onto itself when the parent mount is not shared: a mount point
    // then, but still the root filesystem underneath.
    if (root.fsRoot !== '/' && root.sameDeviceAsRoot) {
      return fail(
        `${root.path} is a bind mount of ${root.fsRoot} from the root filesystem ${root.source ?? ''}, not a filesystem of its own`,
        { ...observed, fs_root: root.fsRoot },
        expected,
        ['data-root'],
      );
    }
    return pass(`${root.path} is a filesystem of its own: ${on}`, observed, expected);
  },
});
