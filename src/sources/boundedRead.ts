// The one reader of host files whose content is parsed (daemon.json, systemd units and environment files,
// TLS files, /etc/passwd and /etc/group, audit rules): regular files only, and never more than a cap.
// A FIFO at daemon.json would block a plain readFile forever and /dev/urandom would never end; a device is not
// even opened (opening some, such as a watchdog, has effects). The path is stat'ed first, then opened with
// O_NONBLOCK (a FIFO swapped in meanwhile cannot block the open) and the descriptor fstat'ed again, and at
// most cap+1 bytes are read, so a file that grows while it is read is refused too.
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The caps, per kind of file (README "Limits"). A daemon.json setting every option dockerd has is under
 * 10 KiB; 128 KiB keeps even a hostile one (20,000 keys, each walked by several checks) judged in under
 * 200 ms on a small shared machine.
 */
export const READ_LIMITS = {
  daemonJson: 128 * KiB,
  unitFile: 256 * KiB,
  environmentFile: 256 * KiB,
  tlsFile: MiB,
  /** /etc/passwd and /etc/group: large directories of local users stay far below. */
  accountTable: 16 * MiB,
  auditRules: 4 * MiB,
  /** A one-line sysfs or kernel parameter file. */
  kernelParameter: 64 * KiB,
  /** --waivers.file: a few hundred waivers with long reasons stay far below. */
  waivers: MiB,
} as const;

/** Why a file was not read: not a regular file, or over its cap. Not a system error: `orAbsent` lets it through. */
export class InputBoundsError extends Error {
  constructor(
    message: string,
    readonly path: string,
    readonly reason: 'not_regular' | 'too_large',
  ) {
    super(message);
    this.name = 'InputBoundsError';
  }
}

function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a fifo';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isDirectory()) return 'a directory';
  return 'not a file';
}

export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

function check(s: Stats, shown: string, maxBytes: number): void {
  if (!s.isFile())
    throw new InputBoundsError(`${shown} is ${kindOf(s)}, not a regular file`, shown, 'not_regular');
  if (s.size > maxBytes) throw tooLarge(shown, maxBytes, `${s.size} bytes`);
}

const tooLarge = (shown: string, maxBytes: number, size: string) =>
  new InputBoundsError(
    `${shown} is over the ${formatBytes(maxBytes)} limit for this file (${size})`,
    shown,
    'too_large',
  );

/**
 * The bytes of a regular file of at most `maxBytes`. Throws the system's error (ENOENT, EACCES, ...) as it
 * is, and an InputBoundsError for anything else than a regular file or a file over the cap.
 * @param shown the path as errors name it (the host's path, not the one under --host.root)
 */
export async function readBounded(file: string, maxBytes: number, shown: string = file): Promise<Buffer> {
  check(await stat(file), shown, maxBytes);
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const opened = await handle.stat();
    check(opened, shown, maxBytes);
    // Chunks sized to the file (stat's size is 0 for kernel files), up to cap+1 bytes in all.
    const chunks: Buffer[] = [];
    let length = 0;
    let chunkSize = Math.min(maxBytes + 1, Math.max(opened.size + 1, 64 * KiB));
    while (length <= maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, maxBytes + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      chunkSize *= 2;
    }
    if (length > maxBytes) throw tooLarge(shown, maxBytes, 'it grew while it was read');
    return Buffer.concat(chunks, length);
  } finally {
    await handle.close();
  }
}

/** readBounded as UTF-8 text (invalid sequences become U+FFFD, as readFile(path, 'utf8') does). */
export async function readBoundedText(file: string, maxBytes: number, shown: string = file): Promise<string> {
  return (await readBounded(file, maxBytes, shown)).toString('utf8');
}
