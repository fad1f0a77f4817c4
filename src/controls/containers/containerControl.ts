// The factory behind every per-container control: a rule judges one container, the control fails when at
// least one container in scope fails and names each of them with the reason.
import type { ContainerFacts } from '../../facts/containers.js';
import type { SourceName } from '../../facts/types.js';
import { defineControl } from '../define.js';
import { ControlError, fail, notApplicable, pass } from '../support.js';
import type { CisIds, ContainerFinding, ControlDefinition, Section, Severity, Verdict } from '../types.js';
import { type ContainerContext, containerContext } from './context.js';

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
    evaluate({ facts, dockerd }): Verdict {
      const ctx = containerContext(facts, dockerd);
      const all = ctx.inventory.containers;
      const na = rule.appliesTo?.(ctx);
      if (na) return { ...notApplicable(na, { containers: all.length }), containers: [] };
      const findings: ContainerFinding[] = [];
      const unknowns: string[] = [];
      for (const c of all) {
        const outcome = rule.check(c, ctx);
        if (outcome === null) continue;
        if (typeof outcome === 'string')
          findings.push({ id: c.id, name: c.name, image: c.image, reason: outcome });
        else unknowns.push(`${c.name}: ${outcome.unknown}`);
      }
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
