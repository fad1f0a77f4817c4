// The numbers behind the exposure and drift metrics, derived once per evaluation from the facts.
import { computeDrift } from '../controls/daemon/drift.js';
import { certificatesInUse } from '../controls/exposure/tlsCertExpiry.js';
import type { DaemonSettings } from '../facts/daemonSettings.js';
import type { Facts } from '../facts/types.js';

export interface ExposureSummary {
  readonly certificates: readonly {
    readonly role: 'ca' | 'server' | 'endpoint';
    readonly path: string;
    readonly notAfterSeconds: number;
  }[];
  /** Settings wait for a restart (null: unknown, e.g. dockerd not visible). */
  readonly restartPending: boolean | null;
  /** Settings wait for a reload (SIGHUP). */
  readonly reloadPending: boolean | null;
}

export function exposureSummary(facts: Facts, settings: DaemonSettings): ExposureSummary {
  // A CA file may hold several certificates: the series per file shows the one that expires first.
  const soonest = new Map<string, ExposureSummary['certificates'][number]>();
  for (const c of certificatesInUse(facts)) {
    const key = `${c.role}|${c.path}`;
    const prev = soonest.get(key);
    if (!prev || c.certificate.notAfterSeconds < prev.notAfterSeconds) {
      soonest.set(key, { role: c.role, path: c.path, notAfterSeconds: c.certificate.notAfterSeconds });
    }
  }
  let restartPending: boolean | null = null;
  let reloadPending: boolean | null = null;
  try {
    if (facts.configBaseline.ok) {
      const drift = computeDrift(facts, settings);
      restartPending = drift.pending.some((i) => i.appliedBy === 'restart');
      reloadPending = drift.pending.some((i) => i.appliedBy === 'reload');
    }
  } catch {
    // Unknown: the config_drift control reports why.
  }
  return { certificates: [...soonest.values()], restartPending, reloadPending };
}
