// Factories for the CIS section 3 file checks, so each file is one small catalog entry.
import type { Facts, FileStat, HostFacts } from '../../facts/types.js';
import { ControlError, fail, hostOf, notApplicable, octal, pass } from '../support.js';
import type { ControlDefinition, EvaluationContext, Severity } from '../types.js';

interface FileControlBase {
  readonly id: string;
  readonly cis: string | null;
  readonly title: string;
  readonly severity: Severity;
  readonly remediation: string;
  /** The file to judge; null means the control does not apply (with `absentReason`). */
  readonly target: (ctx: EvaluationContext) => FileStat | null;
  readonly absentReason: string;
  /** A missing file is an error for files that must exist (the live socket) and not_applicable otherwise. */
  readonly missing: 'error' | 'not_applicable';
  readonly requires?: ControlDefinition['requires'];
  /** Socket checks first make sure the path really is a socket. */
  readonly expectKind?: FileStat['kind'];
}

function locate(
  base: FileControlBase,
  ctx: EvaluationContext,
): FileStat | { verdict: ReturnType<typeof notApplicable> } {
  const file = base.target(ctx);
  if (!file) return { verdict: notApplicable(base.absentReason) };
  if (!file.exists) {
    if (base.missing === 'error') throw new ControlError(`${file.path} does not exist`);
    return { verdict: notApplicable(`${file.path} does not exist`, { path: file.path }) };
  }
  return file;
}

/** The catalog fields every file control shares. */
const header = (base: FileControlBase, requires: ControlDefinition['requires']) => ({
  id: base.id,
  cis: base.cis,
  section: 'daemon_files' as const,
  title: base.title,
  severity: base.severity,
  remediation: base.remediation,
  requires: base.requires ?? requires,
});

const nameOf = (table: Readonly<Record<number, string>>, id: number) => table[id] ?? String(id);

/** The daemon's own uid when it runs rootless: its files belong to that user, not root. */
export function rootlessUid(facts: Facts): number | null {
  return facts.dockerd.ok && facts.dockerd.value.uid !== 0 ? facts.dockerd.value.uid : null;
}

export interface OwnershipRule {
  readonly users: (ctx: EvaluationContext, host: HostFacts) => readonly number[];
  readonly groups: (ctx: EvaluationContext, host: HostFacts) => readonly number[];
  readonly expected: string;
}

export function ownershipControl(
  base: FileControlBase & { readonly rule: OwnershipRule },
): ControlDefinition {
  return {
    ...header(base, ['file_stats', 'host']),
    evaluate(ctx) {
      const located = locate(base, ctx);
      if ('verdict' in located) return located.verdict;
      const host = hostOf(ctx.facts);
      const owner = `${nameOf(host.users, located.uid)}:${nameOf(host.groups, located.gid)}`;
      const observed = { path: located.path, owner, uid: located.uid, gid: located.gid };
      const users = base.rule.users(ctx, host);
      const groups = base.rule.groups(ctx, host);
      if (base.expectKind && located.kind !== base.expectKind) {
        return fail(
          `${located.path} is a ${located.kind}, not a ${base.expectKind}`,
          observed,
          base.rule.expected,
        );
      }
      return users.includes(located.uid) && groups.includes(located.gid)
        ? pass(`${located.path} is owned by ${owner}`, observed, base.rule.expected)
        : fail(`${located.path} is owned by ${owner}`, observed, base.rule.expected);
    },
  };
}

export function permissionsControl(base: FileControlBase & { readonly maxMode: number }): ControlDefinition {
  return {
    ...header(base, ['file_stats']),
    evaluate(ctx) {
      const located = locate(base, ctx);
      if ('verdict' in located) return located.verdict;
      const observed = { path: located.path, mode: octal(located.mode) };
      const expected = `${octal(base.maxMode)} or stricter`;
      if (base.expectKind && located.kind !== base.expectKind) {
        return fail(`${located.path} is a ${located.kind}, not a ${base.expectKind}`, observed, expected);
      }
      // A bitmask test: 622 is not "stricter than 644" although it is a smaller number.
      const extra = located.mode & ~base.maxMode;
      return extra === 0
        ? pass(`${located.path} has mode ${octal(located.mode)}`, observed, expected)
        : fail(
            `${located.path} has mode ${octal(located.mode)}, which grants ${octal(extra)} beyond ${octal(base.maxMode)}`,
            observed,
            expected,
          );
    },
  };
}

export const rootOnly = (ctx: EvaluationContext): number[] => {
  const r = rootlessUid(ctx.facts);
  return r === null ? [0] : [0, r];
};

export function groupIds(host: HostFacts, names: readonly string[]): number[] {
  return Object.entries(host.groups)
    .filter(([, n]) => names.includes(n))
    .map(([id]) => Number(id));
}
