// Label values that come from the host or the daemon (container names, images, paths, versions) are bounded:
// a 10 KB container name must not become a 10 KB label on every scrape. A long value keeps its start and gets
// a short hash of the whole value, so two long values that share their start stay two series.
import { createHash } from 'node:crypto';

/** Longest label value exported, in UTF-16 code units (README "Limits"). */
export const MAX_LABEL_VALUE_LENGTH = 256;

/** "…" and 12 hex digits of the value's SHA-256. */
const SUFFIX_LENGTH = 1 + 12;

/** The value as it is when it fits, else its start, "…" and a hash of the whole value: at most 256 code units. */
export function labelValue(value: string): string {
  if (value.length <= MAX_LABEL_VALUE_LENGTH) return value;
  let cut = MAX_LABEL_VALUE_LENGTH - SUFFIX_LENGTH;
  // Never split a surrogate pair: half of one is not valid UTF-8 in the exposition.
  const last = value.charCodeAt(cut - 1);
  if (last >= 0xd800 && last < 0xdc00) cut--;
  const hash = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 12);
  return `${value.slice(0, cut)}…${hash}`;
}
