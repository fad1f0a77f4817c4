// A Node base image for building the repository's Dockerfile where no registry is reachable: the machine's own
// node and npm, the shared libraries node links against, the CA bundle (the npm registry is reached through it:
// NODE_EXTRA_CA_CERTS points at it) and busybox for the build stage's shell. The root filesystem tar is cached
// by the content hash of everything in it, so only the first run on a machine pays for it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, realpathSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BUSYBOX_PATH, busyboxRootfs } from './busybox.js';
import type { SandboxDaemon } from './dockerd.js';

const run = promisify(execFile);

export const CACHE_DIR = process.env.DOCKERSEC_TEST_CACHE ?? '/var/cache/dockersec-test';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

interface Inputs {
  readonly node: string;
  readonly npm: string;
  readonly libs: string[];
}

async function inputs(): Promise<Inputs> {
  const node = realpathSync(process.execPath);
  const npm = join(dirname(dirname(node)), 'lib', 'node_modules', 'npm');
  if (!existsSync(join(npm, 'bin', 'npm-cli.js'))) throw new Error(`npm not found next to ${node} (${npm})`);
  const { stdout } = await run('ldd', [node]);
  const libs = [...stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!);
  return { node, npm, libs };
}

function hashFile(hash: ReturnType<typeof createHash>, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    hash.update(`${path}\0`);
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve())
      .on('error', reject);
  });
}

async function contentHash(i: Inputs): Promise<string> {
  const hash = createHash('sha256');
  hash.update('layout-v1\0');
  for (const f of [i.node, BUSYBOX_PATH, CA_BUNDLE, join(i.npm, 'package.json'), ...i.libs]) {
    await hashFile(hash, f);
  }
  return hash.digest('hex').slice(0, 16);
}

async function buildRootfsTar(i: Inputs, tarPath: string): Promise<void> {
  const rootfs = `${tarPath}.rootfs`;
  await rm(rootfs, { recursive: true, force: true });
  await busyboxRootfs(rootfs, ['usr/lib/node_modules', 'etc/ssl/certs', 'root']);
  await copyFile(i.node, join(rootfs, 'usr/bin/node'));
  await chmod(join(rootfs, 'usr/bin/node'), 0o755);
  await cp(i.npm, join(rootfs, 'usr/lib/node_modules/npm'), { recursive: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(rootfs, 'usr/bin/npx'));
  // At the paths ldd names (the dynamic loader's own path included), with the content behind any symlink.
  for (const lib of i.libs) {
    await mkdir(dirname(join(rootfs, lib)), { recursive: true });
    await copyFile(realpathSync(lib), join(rootfs, lib));
  }
  await copyFile(CA_BUNDLE, join(rootfs, CA_BUNDLE));
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await writeFile(join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  const tmp = `${tarPath}.tmp`;
  await run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tmp, '.']);
  await rename(tmp, tarPath);
  await rm(rootfs, { recursive: true, force: true });
}

/** The cached root filesystem tar of the base image (built on first use) and its content hash. */
export async function nodeBaseTar(): Promise<{ tar: string; hash: string }> {
  const i = await inputs();
  const hash = await contentHash(i);
  const tar = join(CACHE_DIR, `node-base-${hash}.tar`);
  if (!existsSync(tar)) {
    await mkdir(CACHE_DIR, { recursive: true });
    await buildRootfsTar(i, tar);
  }
  return { tar, hash };
}

/** Imports the base image into `daemon`; returns its tag, `dockersec-node-base:<content hash>`. */
export async function importNodeBase(daemon: SandboxDaemon): Promise<string> {
  const { tar, hash } = await nodeBaseTar();
  const tag = `dockersec-node-base:${hash}`;
  if ((await daemon.docker(['image', 'inspect', tag])).code === 0) return tag;
  const r = await daemon.docker(
    [
      'import',
      '--change',
      `ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`,
      '--change',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change',
      'CMD ["node"]',
      tar,
      tag,
    ],
    { timeoutMs: 300_000 },
  );
  if (r.code !== 0) throw new Error(`docker import of the node base failed (${r.code}): ${r.stderr}`);
  return tag;
}

/** package.json's version, for the image's VERSION build argument. */
export async function packageVersion(root: string): Promise<string> {
  return (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}
