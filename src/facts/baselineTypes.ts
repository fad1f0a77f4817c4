// What the running dockerd read when it started (and at its last reload), as far as the exporter witnessed it.

/** daemon.json as dockerd read it, or why that cannot be known. */
export type ConfigSnapshot =
  | {
      readonly known: true;
      /** The decoded file; `{}` when there was none. */
      readonly file: Readonly<Record<string, unknown>>;
    }
  | { readonly known: false; readonly reason: string };

export interface ReloadRecord {
  /** When dockerd emitted its `reload` event (Unix seconds). */
  readonly timeSeconds: number;
  /** The event's attributes: the values the reload applied, as dockerd formats them. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly config: ConfigSnapshot;
}

export interface ConfigBaseline {
  /** The dockerd process the baseline belongs to; null when no dockerd is visible. */
  readonly daemon: { readonly pid: number; readonly startTimeSeconds: number } | null;
  readonly configPath: string | null;
  /** Last change of daemon.json (the later of mtime and ctime), null when it does not exist. */
  readonly configChangedSeconds: number | null;
  readonly atStart: ConfigSnapshot;
  /** The last successful reload (SIGHUP) of this dockerd the exporter saw. */
  readonly lastReload: ReloadRecord | null;
}
