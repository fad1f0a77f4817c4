// Remembers daemon.json as the running dockerd read it: at its start, and at each reload the exporter saw.
// This is state learned over time from I/O, so it lives here and the drift control stays a pure function.
//
// A snapshot is only taken when the file has not changed since the moment that counts (dockerd's start,
// a reload): if it changed before the exporter looked, the value dockerd read is unknown and stays so.
import { readFile, stat } from 'node:fs/promises';
import type { ConfigBaseline, ConfigSnapshot, ReloadRecord } from '../facts/baselineTypes.js';
import { type DaemonConfigFile, type DockerdProcess, type Fact, factError, factOk } from '../facts/types.js';
import { orAbsent } from './absent.js';
import type { DockerEvent } from './dockerApi/client.js';
import type { HostPaths } from './hostPaths.js';

export interface BaselineInput {
  readonly dockerd: DockerdProcess | null;
  readonly config: DaemonConfigFile | null;
}

interface PendingReload {
  readonly timeSeconds: number;
  readonly attributes: Readonly<Record<string, string>>;
}

const fmt = (s: number) => new Date(s * 1000).toISOString();

export class ConfigBaselineRecorder {
  private identity: string | null = null;
  private atStart: ConfigSnapshot | null = null;
  private lastReload: ReloadRecord | null = null;
  private pending: PendingReload[] = [];

  /** Docker events pass through here; only a successful `reload` matters (dockerd emits none on failure). */
  noteEvent(e: DockerEvent): void {
    if (e.Type !== 'daemon' || e.Action !== 'reload') return;
    const timeSeconds = e.timeNano ? e.timeNano / 1e9 : (e.time ?? Date.now() / 1000);
    this.pending.push({ timeSeconds, attributes: { ...(e.Actor?.Attributes ?? {}) } });
  }

  /**
   * dockerd's start with 10 ms precision. /proc/stat's btime is whole seconds, which would misplace an
   * edit made just before a restart.
   */
  private async preciseStart(paths: HostPaths, pid: number): Promise<number | null> {
    const [statLine, uptime] = await Promise.all([
      orAbsent(readFile(paths.proc(pid, 'stat'), 'utf8'), ''),
      orAbsent(readFile(paths.proc('uptime'), 'utf8'), ''),
    ]);
    const now = Date.now() / 1000;
    const ticks = Number(statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')[19]);
    const up = Number(uptime.split(' ')[0]);
    return Number.isFinite(ticks) && Number.isFinite(up) && up > 0 ? now - up + ticks / 100 : null;
  }

  private static snapshot(
    config: DaemonConfigFile,
    changed: number | null,
    moment: number,
    what: string,
  ): ConfigSnapshot {
    if (changed === null) return { known: true, file: {} };
    if (changed > moment) {
      return {
        known: false,
        reason: `${config.path} changed at ${fmt(changed)}, after ${what} at ${fmt(moment)}, before the exporter read it`,
      };
    }
    if (config.parsed === null) return { known: false, reason: `${config.path} is not valid JSON` };
    return { known: true, file: config.parsed };
  }

  async observe(paths: HostPaths, input: BaselineInput): Promise<Fact<ConfigBaseline>> {
    try {
      const { dockerd, config } = input;
      let changed: number | null = null;
      if (config) {
        const st = await orAbsent(stat(paths.resolve(config.path)), null);
        // ctime too: mtime can be carried over by cp -p or rsync -t, ctime cannot.
        if (st) changed = Math.max(st.mtimeMs, st.ctimeMs) / 1000;
      }
      const start = dockerd ? await this.preciseStart(paths, dockerd.pid) : null;
      if (!dockerd || !config || start === null) {
        this.identity = null;
        this.atStart = null;
        this.lastReload = null;
        return factOk({
          daemon: null,
          configPath: config?.path ?? null,
          configChangedSeconds: changed,
          atStart: { known: false, reason: dockerd ? 'daemon.json unknown' : 'no dockerd process visible' },
          lastReload: null,
        });
      }
      const identity = `${dockerd.pid}@${dockerd.startTimeSeconds}|${config.path}`;
      if (identity !== this.identity) {
        this.identity = identity;
        this.atStart = ConfigBaselineRecorder.snapshot(config, changed, start, 'dockerd started');
        this.lastReload = null;
      }
      for (const r of this.pending) {
        if (r.timeSeconds < start) continue;
        this.lastReload = {
          ...r,
          config: ConfigBaselineRecorder.snapshot(config, changed, r.timeSeconds, 'the reload'),
        };
      }
      this.pending = [];
      return factOk({
        daemon: { pid: dockerd.pid, startTimeSeconds: start },
        configPath: config.path,
        configChangedSeconds: changed,
        atStart: this.atStart!,
        lastReload: this.lastReload,
      });
    } catch (e) {
      return factError(`config baseline: ${(e as Error).message}`);
    }
  }
}
