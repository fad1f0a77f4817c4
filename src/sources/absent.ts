// File system reads where a file that is missing, unreadable or failing is an answer, not a failure of the
// whole source: a process that exited between listing and reading (/proc), a unit without drop-ins, another
// user's /proc/PID/fd, a directory or an over-long name where a file was expected, a stale network mount.
// Any error the system reports for the file becomes the fallback; anything else (a bug in our own code, a bad
// argument) still fails the source with its cause.

/** An error the operating system reported for a file operation (it has an errno code and a syscall). */
export function isAbsent(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null;
  return typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/** The read's result, or `fallback` when the system reports an error for the file. */
export async function orAbsent<T, F>(read: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await read;
  } catch (err) {
    if (isAbsent(err)) return fallback;
    throw err;
  }
}
