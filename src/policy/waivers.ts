// The waiver policy: accepted exceptions read from --waivers.file, each with a reason, an owner and an expiry.
// Parsed once per (re)load (parseWaivers.ts), matched against failures (match.ts) and applied after the
// controls ran (apply.ts); nothing here does I/O.

/** Which containers a waiver covers: every given field must match (an absent field matches any container). */
export interface ContainerScope {
  /** Globs on the container name (without its leading slash): `*` any run of characters, `?` one. */
  readonly names?: readonly string[];
  /** Globs on the image reference the container was created from (Config.Image). */
  readonly images?: readonly string[];
  /** Labels the container must carry with exactly these values. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface Waiver {
  /** Position in the file, from 0: errors and reports call it `waivers[index]`. */
  readonly index: number;
  readonly controls: readonly string[];
  readonly reason: string;
  readonly owner: string;
  /** As written in the file. */
  readonly expiresText: string;
  /** Unix time (ms) from which the waiver no longer applies. */
  readonly expiresAt: number;
  readonly ticket: string | null;
  /** Only for per-container controls; null: the whole control. */
  readonly containers: ContainerScope | null;
}

export interface WaiverPolicy {
  /** The file as given on the command line. */
  readonly file: string;
  readonly waivers: readonly Waiver[];
}

/** How waivers are judged at a point in time (--waivers.expiry-warning). */
export interface WaiverSettings {
  readonly policy: WaiverPolicy;
  /** A live waiver that ends within this is `expiring`. */
  readonly expiryWarningMs: number;
}

/**
 * The state of one waiver, exclusive, in this order: `expired` (its time is over), `unused` (live, but no
 * failure of its controls matches it now, and none of them is undecided), `expiring` (live, in use, ending
 * within the warning period), `active`.
 */
export const WAIVER_STATES = ['active', 'expiring', 'expired', 'unused'] as const;
export type WaiverState = (typeof WAIVER_STATES)[number];

export const waiverName = (w: Pick<Waiver, 'index'>): string => `waivers[${w.index}]`;
