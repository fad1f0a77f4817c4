// The gap between the configuration on disk and the daemon that runs: settings that will change at the
// next restart (or reload) because daemon.json, the systemd unit or the TLS files were edited after
// dockerd read them.
//
// "Running" is what the daemon reveals (the API, the reload event) or, for everything it does not reveal,
// daemon.json as dockerd read it (the config baseline) with its running command line. When the baseline
// is unknown the keys are named as such instead of guessed.
import type { ConfigSnapshot } from '../../facts/baselineTypes.js';
import { parseDockerdArgs } from '../../facts/dockerd/flags.js';
import type { Facts } from '../../facts/types.js';
import { UndecidableError } from '../errors.js';
import { ConfigUnknownError, DaemonSettings } from '../settings.js';
import { type Observation, observe, RELOADABLE } from './driftKeys.js';

export interface DriftItem {
  readonly key: string;
  readonly appliedBy: 'restart' | 'reload';
  /** The value the next start (or reload) will use; undefined when unset. */
  readonly configured: unknown;
  readonly running: unknown;
  /** How the running value is known. */
  readonly from: 'baseline' | 'api' | 'reload_event' | 'endpoint' | 'file_time';
  readonly note?: string;
}

export interface DriftReport {
  readonly pending: readonly DriftItem[];
  /** Keys whose value at start (or at the last reload) cannot be known. */
  readonly unknown: readonly string[];
  readonly unknownReason: string | null;
  /**
   * The `unknown` keys that may be pending: daemon.json changed after dockerd started (restart keys) or after
   * its last reload the exporter saw (reload keys), before the exporter read it; nothing shows they are not.
   */
  readonly unknownPending: readonly string[];
  /** Where the next start's flags come from. */
  readonly flagsFrom: string;
}

const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : x,
  ) ?? 'undefined';

/** The flags dockerd will start with next time: the systemd unit's ExecStart when dockerd runs from it. */
function nextFlags(facts: Facts, settings: DaemonSettings): { settings: DaemonSettings; from: string } {
  const systemd = facts.systemd.ok ? facts.systemd.value : null;
  if (systemd?.dockerdUnit && systemd.dockerdUnit === systemd.service.name && systemd.execStart.argv) {
    return {
      settings: new DaemonSettings({
        file: settings.file,
        fileProblem: settings.fileProblem,
        flags: parseDockerdArgs(systemd.execStart.argv, settings.release),
        flagsProblem: null,
        release: settings.release,
      }),
      from: `${systemd.service.name} ExecStart`,
    };
  }
  const why = !systemd?.dockerdUnit
    ? 'dockerd is not a systemd service'
    : (systemd.execStart.problem ?? `${systemd.dockerdUnit} is not ${systemd.service.name}`);
  return { settings, from: `the running command line (${why})` };
}

function appliedSettings(settings: DaemonSettings, snapshot: ConfigSnapshot): DaemonSettings | null {
  if (!snapshot.known) return null;
  return new DaemonSettings({
    file: snapshot.file,
    fileProblem: null,
    flags: settings.flags,
    flagsProblem: settings.flagsProblem,
    release: settings.release,
  });
}

/** The keys the files and command lines set; each distinct file object is listed once (a file may hold 50,000 keys). */
function keysOf(all: readonly (DaemonSettings | null)[]): Set<string> {
  const keys = new Set<string>();
  const files = new Set<Readonly<Record<string, unknown>>>();
  for (const s of all) {
    if (s?.file && !files.has(s.file)) {
      files.add(s.file);
      for (const key of Object.keys(s.file)) keys.add(key);
    }
    for (const o of s?.flags?.occurrences ?? []) keys.add(o.key);
  }
  return keys;
}

export function computeDrift(facts: Facts, settings: DaemonSettings): DriftReport {
  if (!facts.dockerd.ok) throw new UndecidableError(`the running dockerd is unknown: ${facts.dockerd.error}`);
  if (settings.file === null) throw new ConfigUnknownError(settings.fileProblem ?? 'daemon.json unreadable');
  if (!facts.configBaseline.ok)
    throw new UndecidableError(`config baseline unavailable: ${facts.configBaseline.error}`);
  const baseline = facts.configBaseline.value;
  const next = nextFlags(facts, settings);
  const atStart = appliedSettings(settings, baseline.atStart);
  const reload = baseline.lastReload;
  const atReload = reload ? appliedSettings(settings, reload.config) : atStart;
  const reloadKnown = reload ? reload.config.known : baseline.atStart.known;
  // Flags of the running process are always known, whatever became of daemon.json.
  const runningFlags = appliedSettings(settings, { known: true, file: {} })!;
  const pending: DriftItem[] = [];
  const unknown: string[] = [];
  const keys = keysOf([next.settings, atStart, atReload, settings]);
  for (const key of [...keys].sort()) {
    const appliedBy = RELOADABLE.has(key) ? 'reload' : 'restart';
    const configured = next.settings.peek(key)?.value;
    const base = appliedBy === 'reload' ? (reloadKnown ? atReload : null) : atStart;
    const observation: Observation | null = observe(key, facts, reload?.attributes ?? null);
    const item = (running: unknown, from: DriftItem['from']): DriftItem => ({
      key,
      appliedBy,
      configured,
      running,
      from,
    });
    const byFlag = runningFlags.peek(key);
    if (base || byFlag) {
      const running = (byFlag ?? base?.peek(key))?.value;
      if (running === configured || stable(running) === stable(configured)) continue;
      // A reload the exporter did not see (events reconnecting) shows in what the daemon reports.
      if (appliedBy === 'reload' && observation?.matches(configured)) continue;
      pending.push(item(running, 'baseline'));
    } else if (observation) {
      if (!observation.matches(configured)) pending.push(item(observation.running, observation.source));
    } else if (settings.file && Object.hasOwn(settings.file, key)) unknown.push(key);
  }
  const tls = tlsFileDrift(facts, baseline.daemon?.startTimeSeconds ?? null);
  pending.push(...tls.pending);
  for (const key of tls.unknown) if (!unknown.includes(key)) unknown.push(key);
  const snapshot = reload && !reload.config.known ? reload.config : baseline.atStart;
  const changed = baseline.configChangedSeconds;
  const start = baseline.daemon?.startTimeSeconds ?? null;
  const changedAfter = (t: number | null) => t !== null && changed !== null && changed > t;
  // A reload applies only the reloadable keys; the others keep what dockerd read at start.
  const unknownPending = unknown.filter((key) =>
    RELOADABLE.has(key) ? changedAfter(reload?.timeSeconds ?? start) : changedAfter(start),
  );
  return {
    pending,
    unknown,
    unknownReason: unknown.length > 0 && !snapshot.known ? snapshot.reason : null,
    unknownPending,
    flagsFrom: next.from,
  };
}

/** dockerd reads its TLS files once, at start: a newer file, or a listener presenting another certificate, waits for a restart. */
function tlsFileDrift(facts: Facts, start: number | null): { pending: DriftItem[]; unknown: string[] } {
  if (!facts.tlsFiles.ok || start === null) return { pending: [], unknown: [] };
  const out: DriftItem[] = [];
  // A file the exporter may not stat could have changed since dockerd started: unknown, never "matches".
  const unknown = facts.tlsFiles.value.files.filter((f) => f.stat.denied).map((f) => f.key);
  const presented = facts.exposure.ok
    ? facts.exposure.value.listeners.flatMap((p) => (p.certificate ? [p.certificate] : []))
    : [];
  for (const f of facts.tlsFiles.value.files) {
    if (!f.stat.exists) continue;
    const onDisk = f.certificates?.[0];
    if (f.role === 'server' && onDisk && presented.length > 0) {
      const other = presented.find((c) => c.fingerprint256 !== onDisk.fingerprint256);
      if (other) {
        out.push({
          key: f.key,
          appliedBy: 'restart',
          configured: `${f.path} (${onDisk.subject}, until ${new Date(onDisk.notAfterSeconds * 1000).toISOString()})`,
          running: `${other.subject}, until ${new Date(other.notAfterSeconds * 1000).toISOString()}`,
          from: 'endpoint',
          note: 'the listener presents another certificate than the file holds',
        });
      }
      continue;
    }
    if (f.stat.mtimeSeconds > start) {
      out.push({
        key: f.key,
        appliedBy: 'restart',
        configured: f.path,
        running: 'the file as it was at start',
        from: 'file_time',
        note: `${f.path} was modified at ${new Date(f.stat.mtimeSeconds * 1000).toISOString()}, after dockerd started`,
      });
    }
  }
  return { pending: out, unknown };
}
