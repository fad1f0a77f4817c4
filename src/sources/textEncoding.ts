// daemon.json bytes to text the way dockerd 23.0+ reads them: a UTF-16 byte order mark selects UTF-16
// (unicode.BOMOverride), anything else is UTF-8. Where the UTF-8 is invalid is kept, because newer releases
// refuse such a file while older ones let Go's JSON decoder replace the bytes with U+FFFD.

export interface DecodedBytes {
  readonly text: string;
  readonly encoding: 'utf-16le' | 'utf-16be' | null;
  readonly invalidUtf8Offset: number | null;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (Go's rules: no overlongs, no surrogates). */
export function firstInvalidUtf8(b: Uint8Array): number | null {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < 0x80 || x > 0xbf) return i;
    }
    i += n + 1;
  }
  return null;
}

export function decodeConfigBytes(bytes: Buffer): DecodedBytes {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return {
      text: new TextDecoder('utf-16le').decode(bytes.subarray(2)),
      encoding: 'utf-16le',
      invalidUtf8Offset: null,
    };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return {
      text: new TextDecoder('utf-16be').decode(bytes.subarray(2)),
      encoding: 'utf-16be',
      invalidUtf8Offset: null,
    };
  }
  return { text: bytes.toString('utf8'), encoding: null, invalidUtf8Offset: firstInvalidUtf8(bytes) };
}
