// Decodes daemon.json the way dockerd does: empty means {}, anything but an object is an error.
import type { JsonParseError } from './types.js';

export interface DecodedDaemonJson {
  readonly parsed: Readonly<Record<string, unknown>> | null;
  readonly error: JsonParseError | null;
}

export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}

export function decodeDaemonJson(text: string): DecodedDaemonJson {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return { parsed: {}, error: null };
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
      return {
        parsed: null,
        error: { message: `top level is ${kind}, not an object`, line: 1, column: 1, offset: 0 },
      };
    }
    return { parsed: value as Record<string, unknown>, error: null };
  } catch (e) {
    const message = (e as Error).message;
    const m = /at position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : body.length;
    return { parsed: null, error: { message, offset, ...positionOf(body, offset) } };
  }
}
