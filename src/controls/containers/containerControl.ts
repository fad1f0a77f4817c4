// The factory behind every per-container control: a rule judges one container, the control fails when at
// least one container in scope fails and names each of them with the reason.
import type { ContainerFacts } from '../../facts/containers.js';
import type { SourceName } from '../../facts/types.js';
import { defineControl } from '../define.js';
import { ControlError, fail, notApplicable, pass } from '../support.js';
import type { CisIds, ContainerFinding, ControlDefinition, Section, Severity, Verdict } from '../types.js';
import { type ContainerContext, containerContext } from './context.js';
import { RuleCache } from './ruleCache.js';

/** A container whose verdict cannot be known (its process list failed, a needed default is unreadable). */
export interface Unknown {
  readonly unknown: string;
}
export const unknown = (why: string): Unknown => ({ unknown: why });

/** A reason the container fails, null when it passes. */
export type RuleOutcome = string | null | Unknown;

/** Every finding about one container in one reason; null when there is none. */
export const reasons = (found: readonly string[]): string | null =>
  found.length > 0 ? found.join('; ') : null;

export interface ContainerRule {
  readonly id: string;
  readonly cis: CisIds;
  readonly title: string;
  readonly severity: Severity;
  readonly remediation: string;
  /** What a passing container looks like, for reports. */
  readonly expected: string;
  readonly section?: Section;
  /** Sources beyond the container inventory this rule needs. */
  readonly requires?: readonly SourceName[];
  /** A reason the rule cannot apply on this host (no AppArmor, ...), or null. */
  readonly appliesTo?: (ctx: ContainerContext) => string | null;
  readonly check: (container: ContainerFacts, ctx: ContainerContext) => RuleOutcome;
}

const SHOWN_IN_REASON = 3;

/** A rule's outcome for one container as the control reports it: a finding, an unknown, or nothing. */
type Judgement = ContainerFinding | Unknown | null;

function judgement(c: ContainerFacts, outcome: RuleOutcome): Judgement {
  if (outcome === null) return null;
  if (typeof outcome === 'string') return { id: c.id, name: c.name, image: c.image, reason: outcome };
  return { unknown: `${c.name}: ${outcome.unknown}` };
}

function summary(findings: readonly ContainerFinding[], total: number): string {
  const shown = findings
    .slice(0, SHOWN_IN_REASON)
    .map((f) => `${f.name} (${f.reason})`)
    .join(', ');
  const more = findings.length > SHOWN_IN_REASON ? ` and ${findings.length - SHOWN_IN_REASON} more` : '';
  return `${findings.length} of ${total} containers: ${shown}${more}`;
}

export function containerControl(rule: ContainerRule): ControlDefinition {
  return defineControl({
    id: rule.id,
    cis: rule.cis,
    section: rule.section ?? 'container_runtime',
    title: rule.title,
    severity: rule.severity,
    remediation: rule.remediation,
    requires: ['containers', ...(rule.requires ?? [])],
    perContainer: true,
    evaluate({ facts, dockerd, memo }): Verdict {
      const ctx = containerContext(facts, dockerd);
      const all = ctx.inventory.containers;
      const na = rule.appliesTo?.(ctx);
      if (na) return { ...notApplicable(na, { containers: all.length }), containers: [] };
      // Incremental evaluation: containers (and context) unchanged since the last pass keep their judgement,
      // finding object included (no new objects per container and evaluation).
      const cache = memo ? new RuleCache<Judgement>(memo, ctx) : null;
      const judge = (c: ContainerFacts, context: ContainerContext) => judgement(c, rule.check(c, context));
      const findings: ContainerFinding[] = [];
      const unknowns: string[] = [];
      for (const c of all) {
        const j = cache ? cache.outcome(c, judge) : judge(c, ctx);
        if (j === null) continue;
        if ('unknown' in j) unknowns.push(j.unknown);
        else findings.push(j);
      }
      cache?.done();
      const observed = { containers: all.length, failing: findings.length, unknown: unknowns.length };
      if (findings.length > 0) {
        const note = unknowns.length > 0 ? `; ${unknowns.length} more could not be checked` : '';
        return {
          ...fail(`${summary(findings, all.length)}${note}`, observed, rule.expected),
          containers: findings,
        };
      }
      // Nothing failed, but a container that could not be judged must not count as passing.
      if (unknowns.length > 0) {
        const more = unknowns.length > 1 ? ` (and ${unknowns.length - 1} more)` : '';
        throw new ControlError(
          `${unknowns.length} of ${all.length} containers could not be checked: ${unknowns[0]}${more}`,
        );
      }
      const reason =
        all.length === 0
          ? 'no containers in scope (created, running, restarting or paused)'
          : `all ${all.length} containers in scope pass`;
      return { ...pass(reason, observed, rule.expected), containers: [] };
    },
  });
}
