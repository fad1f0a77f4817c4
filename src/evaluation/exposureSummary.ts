// The numbers behind the exposure and drift metrics, read once per evaluation from the dockerd model.
import type { DockerdModel } from '../dockerd/index.js';

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

export function exposureSummary(dockerd: DockerdModel): ExposureSummary {
  // A CA file may hold several certificates: the series per file shows the one that expires first.
  const soonest = new Map<string, ExposureSummary['certificates'][number]>();
  for (const c of dockerd.certificates) {
    const key = `${c.role}|${c.path}`;
    const prev = soonest.get(key);
    if (!prev || c.certificate.notAfterSeconds < prev.notAfterSeconds) {
      soonest.set(key, { role: c.role, path: c.path, notAfterSeconds: c.certificate.notAfterSeconds });
    }
  }
  // Drift that cannot be computed is unknown here; the config_drift control reports why.
  const pending = dockerd.drift.ok ? dockerd.drift.value.pending : null;
  return {
    certificates: [...soonest.values()],
    restartPending: pending ? pending.some((i) => i.appliedBy === 'restart') : null,
    reloadPending: pending ? pending.some((i) => i.appliedBy === 'reload') : null,
  };
}
