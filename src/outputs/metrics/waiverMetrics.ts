// The waiver policy as metrics, rendered with every evaluation (a waiver's state is judged when the policy is
// applied, and the monitor applies it again when a waiver enters its warning period or expires). Labels are
// bounded: control ids come from the catalog, and owner, ticket and reason are cut by labelValue.
import { Gauge, type Registry } from 'prom-client';
import type { Evaluation } from '../../evaluation/types.js';
import { WAIVER_STATES } from '../../policy/waivers.js';
import { labelValue } from './labelValue.js';

/** Reasons are sentences: shorter than other label values, so a dashboard table stays readable. */
export const MAX_REASON_LABEL_LENGTH = 160;

const shortReason = (reason: string): string =>
  reason.length <= MAX_REASON_LABEL_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LABEL_LENGTH - 1)}…`;

export function renderWaiverMetrics(registry: Registry, evaluation: Evaluation): void {
  const waivers = evaluation.waivers;
  if (!waivers) return;
  const byState = new Gauge({
    name: 'dockersec_waivers',
    help: 'Waivers of --waivers.file by state: active, expiring (within --waivers.expiry-warning), expired, unused (live but matching no current failure).',
    labelNames: ['state'],
    registers: [registry],
  });
  for (const state of WAIVER_STATES)
    byState.set({ state }, waivers.entries.filter((w) => w.state === state).length);

  const expiry = new Gauge({
    name: 'dockersec_waiver_expiry_timestamp_seconds',
    help: 'Unix time at which the waiver of a control by an owner ends (the earliest, when several do).',
    labelNames: ['control', 'owner'],
    registers: [registry],
  });
  const info = new Gauge({
    name: 'dockersec_waiver_info',
    help: 'Each waiver per control, with its owner, ticket and reason (cut to 160 characters); always 1.',
    labelNames: ['control', 'owner', 'ticket', 'reason'],
    registers: [registry],
  });
  const earliest = new Map<string, { control: string; owner: string; at: number }>();
  for (const w of waivers.entries) {
    const owner = labelValue(w.owner);
    for (const control of w.controls) {
      const key = JSON.stringify([control, owner]);
      const seen = earliest.get(key);
      if (!seen || w.expiresAtSeconds < seen.at)
        earliest.set(key, { control, owner, at: w.expiresAtSeconds });
      info.set(
        { control, owner, ticket: labelValue(w.ticket ?? ''), reason: labelValue(shortReason(w.reason)) },
        1,
      );
    }
  }
  for (const { control, owner, at } of earliest.values()) expiry.set({ control, owner }, at);
}
