import type { ControlResult, Status } from '../controls/types.js';
import type { DaemonOption } from '../dockerd/index.js';
import type { DockerEngineVersion, SourceName } from '../facts/types.js';
import type { WaiversSummary } from '../policy/apply.js';
import type { ExposureSummary } from './exposureSummary.js';
import type { SettingLocation } from './locations.js';

export type { DaemonOption };

export interface SourceStatus {
  readonly up: boolean;
  readonly error: string | null;
  /** Seconds its last read took; absent when the facts do not say (facts built by hand). */
  readonly durationSeconds?: number;
}

export interface EngineSummary
  extends Pick<
    DockerEngineVersion,
    'version' | 'apiVersion' | 'minApiVersion' | 'os' | 'arch' | 'kernelVersion'
  > {
  readonly storageDriver: string;
  readonly loggingDriver: string;
  readonly cgroupDriver: string;
  readonly cgroupVersion: string;
  readonly rootless: boolean;
}

/** A finished evaluation: the only thing outputs ever see. */
export interface Evaluation {
  readonly generatedAt: number;
  readonly durationSeconds: number;
  readonly results: readonly ControlResult[];
  readonly sources: Readonly<Record<SourceName, SourceStatus>>;
  readonly docker: {
    readonly host: string;
    readonly reachable: boolean;
    readonly version: string | null;
    readonly apiVersion: string | null;
    readonly rootless: boolean | null;
  };
  readonly engine: EngineSummary | null;
  readonly options: readonly DaemonOption[];
  readonly summary: Readonly<Record<Status, number>>;
  readonly daemonConfigPath: string | null;
  /** The CIS Docker Benchmark version whose ids the results carry (--cis.version); absent means the newest. */
  readonly cisVersion?: string;
  readonly daemonConfigMtimeSeconds: number | null;
  readonly daemonStartTimeSeconds: number | null;
  /** TLS certificate lifetimes and pending configuration changes, for the exposure metrics. */
  readonly exposure?: ExposureSummary;
  /** Where each daemon.json key named by a result is set (absent: set nowhere, or facts built by hand). */
  readonly settingLocations?: Readonly<Record<string, SettingLocation>>;
  /** The running daemon's data root (/info DockerRootDir), where each container's configuration lives. */
  readonly dataRoot?: string | null;
  /** With --waivers.file: every waiver of the policy in force and its state when it was applied. */
  readonly waivers?: WaiversSummary;
}
