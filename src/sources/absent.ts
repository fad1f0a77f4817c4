// File system reads where a missing or unreadable file is an answer, not a failure: a process that exited
// between listing and reading (/proc), a unit without drop-ins, another user's /proc/PID/fd. Only those
// errors become the fallback; anything else (a bug, a bad argument) still fails the source with its cause.

/** errno codes that mean "not there" or "not for us to read". */
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ESRCH', 'ELOOP', 'ENXIO', 'EINVAL']);

export function isAbsent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && ABSENT_CODES.has(code);
}

/** The read's result, or `fallback` when the file is absent or unreadable. */
export async function orAbsent<T, F>(read: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await read;
  } catch (err) {
    if (isAbsent(err)) return fallback;
    throw err;
  }
}
