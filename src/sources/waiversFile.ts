// Reads --waivers.file: the exporter's own configuration (not a host file, so not under --host.root), through
// the bounded reader, so a FIFO, a device or a huge file at that path is an error and never a hang.
import { isAbsent } from './absent.js';
import { InputBoundsError, READ_LIMITS, readBoundedText } from './boundedRead.js';

export type WaiversFileRead = { ok: true; text: string } | { ok: false; error: string };

/** The file's text, or one line saying why it could not be read (naming the file). */
export async function readWaiversFile(path: string): Promise<WaiversFileRead> {
  try {
    return { ok: true, text: await readBoundedText(path, READ_LIMITS.waivers) };
  } catch (e) {
    if (e instanceof InputBoundsError)
      return { ok: false, error: `cannot read the waivers file: ${e.message}` };
    if (isAbsent(e)) {
      const err = e as NodeJS.ErrnoException;
      const what =
        err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code;
      return { ok: false, error: `${path}: cannot read the waivers file (${what})` };
    }
    throw e;
  }
}
