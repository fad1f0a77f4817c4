// Applies the waiver policy to the verdicts of one evaluation, after the controls ran: a pure step between the
// controls and the outputs. A waived control is still evaluated; only its status, the containers it counts as
// failing and the waivers beside it change. Time is an argument, so the same verdicts judged later can turn a
// waiver from active to expiring to expired without any new fact.
import type { ContainerFinding, ControlResult, WaivedContainer, WaiverRef } from '../controls/types.js';
import { type ContainerIdentity, covers } from './match.js';
import {
  type ContainerScope,
  type Waiver,
  type WaiverSettings,
  type WaiverState,
  waiverName,
} from './waivers.js';

/** One waiver of the file and its state at the time the policy was applied. */
export interface WaiverStatus extends WaiverRef {
  readonly controls: readonly string[];
  readonly containers: ContainerScope | null;
  readonly state: WaiverState;
  /** Unix time (s) from which it no longer applies. */
  readonly expiresAtSeconds: number;
}

export interface WaiversSummary {
  readonly file: string;
  readonly entries: readonly WaiverStatus[];
}

export interface AppliedWaivers {
  readonly results: readonly ControlResult[];
  readonly waivers: WaiversSummary;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export const waiverRef = (w: Waiver): WaiverRef => ({
  index: w.index,
  reason: w.reason,
  owner: w.owner,
  expires: iso(w.expiresAt),
  ticket: w.ticket,
});

/** "waiver waivers[1] (owner platform-team, ticket SEC-1234) expired 2027-03-31T00:00:00Z". */
const expiredNote = (w: Waiver): string =>
  `waiver ${waiverName(w)} (owner ${w.owner}${w.ticket ? `, ticket ${w.ticket}` : ''}) expired ${iso(w.expiresAt)}`;

const SHOWN_IN_REASON = 3;

/** The reason of a per-container control once some of its failing containers are waived: it names the others. */
function remainingReason(
  r: ControlResult,
  remaining: readonly ContainerFinding[],
  waived: readonly WaivedContainer[],
): string {
  const total = typeof r.observed?.containers === 'number' ? r.observed.containers : null;
  const shown = remaining
    .slice(0, SHOWN_IN_REASON)
    .map((f) => `${f.name} (${f.reason})`)
    .join(', ');
  const more = remaining.length > SHOWN_IN_REASON ? ` and ${remaining.length - SHOWN_IN_REASON} more` : '';
  const unknown =
    typeof r.observed?.unknown === 'number' && r.observed.unknown > 0
      ? `; ${r.observed.unknown} more could not be checked`
      : '';
  const of = total === null ? '' : ` of ${total}`;
  return `${remaining.length}${of} containers not waived: ${shown}${more}${unknown}; ${waived.length} waived`;
}

/**
 * The verdicts with the live waivers applied, and the state of every waiver. `identities` gives the name,
 * image and label digests of the containers in scope, by id.
 */
export function applyWaivers(
  results: readonly ControlResult[],
  settings: WaiverSettings,
  identities: ReadonlyMap<string, ContainerIdentity>,
  now: number,
): AppliedWaivers {
  const { waivers } = settings.policy;
  const live = (w: Waiver) => now < w.expiresAt;
  const used = new Set<number>();
  /** Waivers that name a control that was not decided (error) or not judged: their use is unknown. */
  const undecided = new Set<number>();
  const judged = new Set(results.map((r) => r.id));
  for (const w of waivers) if (w.controls.every((id) => !judged.has(id))) undecided.add(w.index);

  const out = results.map((r): ControlResult => {
    const named = waivers.filter((w) => w.controls.includes(r.id));
    if (named.length === 0) return r;
    if (r.status === 'error') for (const w of named) undecided.add(w.index);
    if (r.status !== 'fail') return r;

    if (r.containers && r.containers.length > 0) {
      const remaining: ContainerFinding[] = [];
      const waived: WaivedContainer[] = [];
      const expired = new Map<number, Waiver>();
      for (const f of r.containers) {
        const who = identities.get(f.id) ?? { name: f.name, image: f.image, labelDigests: [] };
        const w = named.find((x) => live(x) && covers(x, r.id, who));
        if (w) {
          waived.push({ ...f, waiver: waiverRef(w) });
          used.add(w.index);
          continue;
        }
        remaining.push(f);
        for (const x of named) if (!live(x) && covers(x, r.id, who)) expired.set(x.index, x);
      }
      if (waived.length === 0 && expired.size === 0) return r;
      const applied = [...new Set(waived.map((c) => c.waiver.index))].map((i) => waiverRef(waivers[i]!));
      const notes = [...expired.values()].map(expiredNote);
      const unknown = typeof r.observed?.unknown === 'number' ? r.observed.unknown : 0;
      // Waived failures leave containers that could not be checked: not judged, as the control says of them
      // when nothing fails (a waiver accepts what was seen, never what could not be).
      const unjudged = remaining.length === 0 && unknown > 0;
      const base = unjudged
        ? `every failing container is waived, but ${unknown}${typeof r.observed?.containers === 'number' ? ` of ${r.observed.containers}` : ''} containers could not be checked`
        : remaining.length === 0
          ? r.reason
          : remainingReason(r, remaining, waived);
      return {
        ...r,
        status: unjudged ? 'error' : remaining.length === 0 ? 'waived' : 'fail',
        reason: [base, ...notes].join('; '),
        observed: r.observed ? { ...r.observed, waived: waived.length } : r.observed,
        containers: remaining,
        ...(applied.length > 0 ? { waivers: applied, waivedContainers: waived } : {}),
        ...(notes.length > 0 ? { expiredWaivers: [...expired.values()].map(waiverRef) } : {}),
      };
    }

    const covering = named.filter((w) => live(w) && covers(w, r.id));
    if (covering.length > 0) {
      for (const w of covering) used.add(w.index);
      return { ...r, status: 'waived', waivers: covering.map(waiverRef) };
    }
    const expired = named.filter((w) => !live(w) && covers(w, r.id));
    if (expired.length === 0) return r;
    return {
      ...r,
      reason: [r.reason, ...expired.map(expiredNote)].join('; '),
      expiredWaivers: expired.map(waiverRef),
    };
  });

  const stateOf = (w: Waiver): WaiverState => {
    if (!live(w)) return 'expired';
    if (!used.has(w.index) && !undecided.has(w.index)) return 'unused';
    return w.expiresAt - now <= settings.expiryWarningMs ? 'expiring' : 'active';
  };
  const entries = waivers.map(
    (w): WaiverStatus => ({
      ...waiverRef(w),
      controls: w.controls,
      containers: w.containers,
      state: stateOf(w),
      expiresAtSeconds: w.expiresAt / 1000,
    }),
  );
  return { results: out, waivers: { file: settings.policy.file, entries } };
}

/**
 * When the state of some waiver changes next by time alone (entering its warning period, or expiring), after
 * `now`; null when none will.
 */
export function nextWaiverTransition(settings: WaiverSettings, now: number): number | null {
  let next: number | null = null;
  for (const w of settings.policy.waivers) {
    for (const t of [w.expiresAt - settings.expiryWarningMs, w.expiresAt]) {
      if (t > now && (next === null || t < next)) next = t;
    }
  }
  return next;
}
