// Counts the exposure probes apart from the Docker API requests: they go to the daemon's TCP listeners
// without the exporter's client, once per evaluation and never per scrape.
import type { ProbeOutcome } from '../../facts/exposureTypes.js';

/** Every scheme and outcome a probe can have, so their counters start at 0 (checked against the type). */
const OUTCOMES: Record<ProbeOutcome, true> = {
  answered: true,
  not_docker: true,
  tls_required: true,
  not_tls: true,
  client_cert_required: true,
  refused: true,
  timeout: true,
  error: true,
  skipped: true,
};
export const PROBE_OUTCOMES = Object.keys(OUTCOMES) as ProbeOutcome[];
export const PROBE_SCHEMES = ['http', 'https'] as const;

export class ProbeLog {
  private readonly counts = new Map<string, { scheme: string; outcome: ProbeOutcome; count: number }>();

  record(scheme: 'http' | 'https', outcome: ProbeOutcome): void {
    const key = `${scheme} ${outcome}`;
    const entry = this.counts.get(key) ?? { scheme, outcome, count: 0 };
    entry.count++;
    this.counts.set(key, entry);
  }

  entries(): { scheme: string; outcome: ProbeOutcome; count: number }[] {
    return [...this.counts.values()];
  }

  get total(): number {
    let n = 0;
    for (const e of this.counts.values()) n += e.count;
    return n;
  }
}
