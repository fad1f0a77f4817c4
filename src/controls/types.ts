import type { DaemonSettings, DockerdModel } from '../dockerd/index.js';
import type { Facts, SourceName } from '../facts/types.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['pass', 'fail', 'not_applicable', 'error', 'waived'] as const;
export type Status = (typeof STATUSES)[number];

/** CIS Docker Benchmark sections, used as the `section` label. */
export const SECTIONS = {
  host_configuration: 'Host configuration',
  daemon_configuration: 'Docker daemon configuration',
  daemon_files: 'Docker daemon configuration files',
  container_images: 'Container images and build files',
  container_runtime: 'Container runtime',
} as const;
export type Section = keyof typeof SECTIONS;

/** What a control saw: the effective (running) value where the daemon reveals it, the configured one beside it. */
export interface Observed {
  readonly runtime?: unknown;
  readonly configured?: unknown;
  readonly [key: string]: unknown;
}

/** A per-container finding of a runtime control. Names and images only: never env or labels. */
export interface ContainerFinding {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly reason: string;
}

export interface Verdict {
  readonly status: Exclude<Status, 'error' | 'waived'>;
  readonly reason: string;
  readonly observed?: Observed;
  readonly expected?: string;
  /** Daemon.json keys a finding is about, so reports can point at them. */
  readonly keys?: readonly string[];
  readonly containers?: readonly ContainerFinding[];
}

export interface EvaluationContext {
  readonly facts: Facts;
  /** The dockerd model of these facts, computed once per evaluation. */
  readonly dockerd: DockerdModel;
  /** `dockerd.settings`: configured values, daemon.json merged with dockerd's command line flags. */
  readonly settings: DaemonSettings;
  /**
   * Kept for this control from one evaluation to the next by the incremental evaluator (absent in a full
   * evaluation): what a control stores here must never change its verdict, only spare work.
   */
  readonly memo?: ControlMemo;
}

/** A control's own store across evaluations (see EvaluationContext.memo). */
export interface ControlMemo {
  value?: unknown;
}

/** CIS Docker Benchmark versions the catalog maps its controls to. */
export const CIS_VERSIONS = ['1.6.0', '1.7.0', '1.8.0'] as const;
export type CisVersion = (typeof CIS_VERSIONS)[number];
/** The version whose ids reports, metrics and runbooks show. */
export const DEFAULT_CIS_VERSION: CisVersion = '1.8.0';
/**
 * A control's number in each benchmark version that has it; `{}` for controls beyond the benchmark. null: not
 * in that version, although derived from an earlier one it would be (src/controls/cisVersions.ts).
 */
export type CisIds = Readonly<Partial<Record<CisVersion, string | null>>>;

/** A control as declared with `defineControl` (src/controls/define.ts): the only way to make one. */
export interface ControlDefinition {
  readonly id: string;
  readonly cis: CisIds;
  readonly section: Section;
  readonly title: string;
  readonly severity: Severity;
  readonly remediation: string;
  /** Sources without which no verdict is possible: if one failed, the control is `error`. */
  readonly requires: readonly SourceName[];
  /** Judges each container and names the failing ones (containerControl): a waiver may be scoped to containers. */
  readonly perContainer?: boolean;
  evaluate(ctx: EvaluationContext): Verdict;
}

/** A waiver as reports show it beside the control it covers (or would have covered, once expired). */
export interface WaiverRef {
  /** Position of the entry in the waivers file, from 0 (`waivers[0]`). */
  readonly index: number;
  readonly reason: string;
  readonly owner: string;
  /** When it ends, ISO 8601 (a date in the file means 00:00 UTC that day). */
  readonly expires: string;
  readonly ticket: string | null;
}

/** A failing container that a live waiver covers: out of the failing list and counts, shown apart. */
export interface WaivedContainer extends ContainerFinding {
  readonly waiver: WaiverRef;
}

export interface ControlResult {
  readonly id: string;
  readonly title: string;
  /** The control's id in the CIS version chosen (--cis.version, default DEFAULT_CIS_VERSION), or null. */
  readonly cis: string | null;
  readonly section: Section;
  readonly severity: Severity;
  readonly remediation: string;
  readonly status: Status;
  readonly reason: string;
  readonly observed: Observed | null;
  readonly expected: string | null;
  readonly keys: readonly string[];
  /** Failing containers not waived (per-container controls). */
  readonly containers?: readonly ContainerFinding[];
  /** The live waivers that cover this control's failures (status `waived`, or `fail` with waived containers). */
  readonly waivers?: readonly WaiverRef[];
  /** Failing containers that live waivers cover. */
  readonly waivedContainers?: readonly WaivedContainer[];
  /** Waivers that would cover a failure here but have expired (the reason names them). */
  readonly expiredWaivers?: readonly WaiverRef[];
}
