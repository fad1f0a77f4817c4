// The one shape of a fact source: a name, the refreshes that read it again, and a read that fails alone.
// The collector (src/evaluation/collector.ts) reads every source through readSource, so each one is guarded
// and timed the same way and exported the same way (dockersec_source_up, dockersec_source_duration_seconds).
import { type Fact, factError, type SourceName } from '../facts/types.js';

/**
 * Why facts are collected again: a daemon.json edit needs no Docker API call ('config'), a Docker event no
 * file read ('api'), a container event only the container inventory ('containers'); 'all' is a full resync.
 */
export type Refresh = 'config' | 'api' | 'containers' | 'all';

export interface Source<In, T> {
  readonly name: SourceName;
  /** The refreshes that read this source again; on any other it keeps its last fact. A first collection reads all. */
  readonly refreshOn: readonly Refresh[];
  /**
   * Reads the source. A failure is a fact error; one that escapes as an exception is turned into one. `refresh`
   * is why it is read (a source may keep a part that refresh cannot concern).
   */
  collect(input: In, refresh: Refresh): Promise<Fact<T>>;
}

export interface SourceReading<T> {
  readonly fact: Fact<T>;
  /** Seconds the read took. */
  readonly durationSeconds: number;
}

/** Reads the source with the input `input()` works out; a throw in either fails this source alone. */
export async function readSource<In, T>(
  source: Source<In, T>,
  input: () => In,
  refresh: Refresh = 'all',
): Promise<SourceReading<T>> {
  const started = performance.now();
  let fact: Fact<T>;
  try {
    fact = await source.collect(input(), refresh);
  } catch (err) {
    // Each source fails alone: its error becomes its fact, with the cause, and the other sources go on.
    fact = factError(`${source.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { fact, durationSeconds: (performance.now() - started) / 1000 };
}
