// A minimal container image for sandboxed daemons. No registry is reachable from the test machines, so the
// image is imported from a root filesystem built around the statically linked busybox of busybox-static.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const BUSYBOX_PATH = '/usr/bin/busybox';
export const DEFAULT_BUSYBOX_TAG = 'busybox:latest';

/**
 * Fills `rootfs` with busybox: the usual bin folders, `dirs`, a sticky /tmp, /bin/busybox and a symlink per
 * applet. Shared by this image and the Node base image of the image tests.
 */
export async function busyboxRootfs(rootfs: string, dirs: readonly string[]): Promise<void> {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'tmp', ...dirs]) {
    await mkdir(join(rootfs, d), { recursive: true });
  }
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await copyFile(BUSYBOX_PATH, join(rootfs, 'bin/busybox'));
  await chmod(join(rootfs, 'bin/busybox'), 0o755);
  const { stdout } = await run(BUSYBOX_PATH, ['--list-full']);
  for (const applet of stdout.split('\n')) {
    // `linuxrc` and anything outside the usual bin dirs is not useful in a container.
    if (!/^(usr\/)?s?bin\/[^/]+$/.test(applet) || applet === 'bin/busybox') continue;
    await mkdir(dirname(join(rootfs, applet)), { recursive: true });
    await symlink('/bin/busybox', join(rootfs, applet));
  }
}

/**
 * Write a tar of a busybox root filesystem to `tarPath`: /bin/busybox, a symlink per applet (sh, sleep,
 * ps, top, ...), and an /etc/passwd so `--user nobody` resolves. Returns `tarPath`.
 */
export async function buildBusyboxTar(tarPath: string): Promise<string> {
  if (!existsSync(BUSYBOX_PATH))
    throw new Error(`${BUSYBOX_PATH} is missing (apt-get install busybox-static)`);
  const rootfs = `${tarPath}.rootfs`;
  await rm(rootfs, { recursive: true, force: true });
  await busyboxRootfs(rootfs, ['etc', 'root', 'proc', 'sys', 'dev']);
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tarPath, '.']);
  await rm(rootfs, { recursive: true, force: true });
  return tarPath;
}
