// One gzip member made of a part compressed once per evaluation and a small part compressed per scrape: the
// evaluation's metrics (about 120 KB at 1,000 containers) are deflated when first asked for and kept, and each
// scrape deflates only the exporter's own metrics behind them. The kept part ends with a full flush, so it is
// byte-aligned and the next deflate stream refers to nothing before it; the CRC-32 continues over both parts.
// A single member, not two concatenated ones, because not every gzip client reads past the first member.
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, deflateRawSync } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);

/** The fastest level: a metrics page shrinks about tenfold all the same. */
const LEVEL = constants.Z_BEST_SPEED;

export interface GzipPrefix {
  readonly deflated: Buffer;
  readonly crc: number;
  readonly length: number;
}

/** Deflates `text` (or its UTF-8 bytes) as the start of a gzip member (off the event loop). */
export async function gzipPrefix(text: string | Buffer): Promise<GzipPrefix> {
  const raw = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const deflated = await deflateRawAsync(raw, { level: LEVEL, finishFlush: constants.Z_FULL_FLUSH });
  return { deflated, crc: crc32(raw), length: raw.length };
}

const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/** A gzip member of the prefix's text followed by `tail`. */
export function gzipJoin(prefix: GzipPrefix, tail: string): Buffer {
  const raw = Buffer.from(tail, 'utf8');
  // The tail is a few KB and refers to nothing before it: a small window and state (about 3 KB instead of
  // 256 KB of zlib memory per scrape).
  const rest = deflateRawSync(raw, { level: LEVEL, windowBits: 9, memLevel: 1 });
  const trailer = Buffer.alloc(8);
  // crc32() of no bytes does not return the value it was given (Node 20).
  const crc = raw.length === 0 ? prefix.crc : crc32(raw, prefix.crc);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((prefix.length + raw.length) % 2 ** 32, 4);
  return Buffer.concat([HEADER, prefix.deflated, rest, trailer]);
}
