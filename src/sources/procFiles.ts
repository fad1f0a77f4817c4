// Small files of /proc (comm, cgroup, status, mountinfo), read synchronously: procfs prints them from the
// kernel's own state without waiting on a disk or the process's memory, and a resync reads a few for every
// process or running container, where one thread-pool round trip each cost more than the reads (issue 12).
import { readFileSync } from 'node:fs';
import { isAbsent } from './absent.js';

/**
 * The file's text, or null when the system refuses it: the process is gone (ENOENT, ESRCH), is not ours to
 * read (EACCES, EPERM) or its file fails. Every caller takes that as "cannot tell for this process".
 */
export function readProcFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (isAbsent(err)) return null;
    throw err;
  }
}
