// Small helpers shared by control definitions, so each control reads as its rule and nothing else.

import { type SecurityOption, type Setting, UndecidableError } from '../dockerd/index.js';
import type { ConfigBaseline } from '../facts/baselineTypes.js';
import type { ExposureFacts } from '../facts/exposureTypes.js';
import type { HostFileFacts, SystemdFacts, TlsFileFacts } from '../facts/hostFileTypes.js';
import type { DockerApiFacts, Facts, FileFacts, HostFacts } from '../facts/types.js';
import type { EvaluationContext, Observed, Verdict } from './types.js';

/** Thrown by a control that cannot decide; the evaluator reports it as `error` with this message. */
export class ControlError extends UndecidableError {}

export { engineAtLeast } from '../dockerd/index.js';

/** The running daemon's /info SecurityOptions, as the dockerd model parsed them once; the API must have answered. */
export function securityOptionsOf(
  ctx: Pick<EvaluationContext, 'facts' | 'dockerd'>,
): readonly SecurityOption[] {
  // The model has none exactly when the API is down: apiOf reports that the way every API control does.
  return ctx.dockerd.securityOptions ?? (apiOf(ctx.facts) && []);
}

export const hasSecurityOption = (ctx: Pick<EvaluationContext, 'facts' | 'dockerd'>, name: string): boolean =>
  securityOptionsOf(ctx).some((o) => o.name === name);

export const pass = (reason: string, observed?: Observed, expected?: string, keys?: string[]): Verdict => ({
  status: 'pass',
  reason,
  observed,
  expected,
  keys,
});
export const fail = (reason: string, observed?: Observed, expected?: string, keys?: string[]): Verdict => ({
  status: 'fail',
  reason,
  observed,
  expected,
  keys,
});
export const notApplicable = (reason: string, observed?: Observed): Verdict => ({
  status: 'not_applicable',
  reason,
  observed,
});

function required<T>(fact: { ok: true; value: T } | { ok: false; error: string }, what: string): T {
  if (!fact.ok) throw new ControlError(`${what} unavailable: ${fact.error}`);
  return fact.value;
}

export const apiOf = (f: Facts): DockerApiFacts => required(f.api, 'Docker API');
export const filesOf = (f: Facts): FileFacts => required(f.files, 'file metadata');
export const hostOf = (f: Facts): HostFacts => required(f.host, 'host facts');
export const apiIfUp = (f: Facts): DockerApiFacts | null => (f.api.ok ? f.api.value : null);
export const systemdOf = (f: Facts): SystemdFacts => required(f.systemd, 'systemd units');
export const tlsFilesOf = (f: Facts): TlsFileFacts => required(f.tlsFiles, 'TLS files');
export const hostFilesOf = (f: Facts): HostFileFacts => required(f.hostFiles, 'host files');
export const exposureOf = (f: Facts): ExposureFacts => required(f.exposure, 'exposure probe');
export const baselineOf = (f: Facts): ConfigBaseline => required(f.configBaseline, 'config baseline');

/** "(daemon.json)" / "(flag)" / "(default)" after a configured value in reasons. */
export function describeSetting(key: string, s: Setting<unknown> | undefined, fallback?: unknown): string {
  if (!s) return `${key} not set${fallback === undefined ? '' : ` (default ${JSON.stringify(fallback)})`}`;
  const where = s.origin === 'file' ? 'daemon.json' : s.origin === 'flag' ? 'dockerd flag' : 'default';
  return `${key}=${JSON.stringify(s.value)} (${where})`;
}

export const octal = (mode: number): string => mode.toString(8).padStart(3, '0');
