// Factories for the CIS section 3 file checks, so each file is one small catalog entry.
import type { Facts, FileStat, HostFacts } from '../../facts/types.js';
import { defineControl } from '../define.js';
import { ControlError, fail, hostOf, notApplicable, octal, pass } from '../support.js';
import type { CisIds, ControlDefinition, EvaluationContext, Observed, Severity, Verdict } from '../types.js';

interface FileControlBase {
  readonly id: string;
  readonly cis: CisIds;
  readonly title: string;
  readonly severity: Severity;
  readonly remediation: string;
  /**
   * The file to judge, or several (registry certificates, a unit and its drop-ins); null or none means
   * the control does not apply (with `absentReason`).
   */
  readonly target: (ctx: EvaluationContext) => FileStat | readonly FileStat[] | null;
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
): FileStat[] | { verdict: ReturnType<typeof notApplicable> } {
  const target = base.target(ctx);
  const files = target === null ? [] : 'path' in target ? [target] : [...target];
  if (files.length === 0) return { verdict: notApplicable(base.absentReason) };
  const denied = files.filter((f) => f.denied);
  if (denied.length > 0) {
    throw new ControlError(
      `cannot stat ${denied.map((f) => f.path).join(', ')}: permission denied to the exporter's user on a directory ` +
        'of the path (root, or CAP_DAC_READ_SEARCH, would see it)',
    );
  }
  const present = files.filter((f) => f.exists);
  if (present.length === 0) {
    const names = files.map((f) => f.path).join(', ');
    if (base.missing === 'error') throw new ControlError(`${names} does not exist`);
    return {
      verdict: notApplicable(
        `${names} does not exist`,
        files.length === 1 ? { path: files[0]!.path } : { paths: files.map((f) => f.path) },
      ),
    };
  }
  return present;
}

interface FileJudgement {
  readonly ok: boolean;
  readonly reason: string;
  readonly observed: Observed;
}

/** One file gives its own verdict; several pass together or fail with the files that break the rule. */
function combine(judged: readonly FileJudgement[], expected: string): Verdict {
  if (judged.length === 1) {
    const [j] = judged;
    return j!.ok ? pass(j!.reason, j!.observed, expected) : fail(j!.reason, j!.observed, expected);
  }
  const observed = { files: judged.map((j) => j.observed) };
  const bad = judged.filter((j) => !j.ok);
  if (bad.length > 0) return fail(bad.map((j) => j.reason).join('; '), observed, expected);
  return pass(
    `all ${judged.length} files conform: ${judged.map((j) => j.reason).join('; ')}`,
    observed,
    expected,
  );
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
  return defineControl({
    ...header(base, ['file_stats', 'host']),
    evaluate(ctx) {
      const located = locate(base, ctx);
      if ('verdict' in located) return located.verdict;
      const host = hostOf(ctx.facts);
      const users = base.rule.users(ctx, host);
      const groups = base.rule.groups(ctx, host);
      const judge = (file: FileStat): FileJudgement => {
        const owner = `${nameOf(host.users, file.uid)}:${nameOf(host.groups, file.gid)}`;
        const observed = { path: file.path, owner, uid: file.uid, gid: file.gid };
        if (base.expectKind && file.kind !== base.expectKind) {
          return { ok: false, reason: `${file.path} is a ${file.kind}, not a ${base.expectKind}`, observed };
        }
        const ok = users.includes(file.uid) && groups.includes(file.gid);
        return { ok, reason: `${file.path} is owned by ${owner}`, observed };
      };
      return combine(located.map(judge), base.rule.expected);
    },
  });
}

export function permissionsControl(base: FileControlBase & { readonly maxMode: number }): ControlDefinition {
  return defineControl({
    ...header(base, ['file_stats']),
    evaluate(ctx) {
      const located = locate(base, ctx);
      if ('verdict' in located) return located.verdict;
      const expected = `${octal(base.maxMode)} or stricter`;
      const judge = (file: FileStat): FileJudgement => {
        const observed = { path: file.path, mode: octal(file.mode) };
        if (base.expectKind && file.kind !== base.expectKind) {
          return { ok: false, reason: `${file.path} is a ${file.kind}, not a ${base.expectKind}`, observed };
        }
        // A bitmask test: 622 is not "stricter than 644" although it is a smaller number. On a socket the
        // setuid, setgid and sticky bits grant nothing (rootlesskit sets the sticky bit, 1660, so that
        // cleaners of $XDG_RUNTIME_DIR leave the socket alone): only the access bits count there.
        const mode = file.kind === 'socket' ? file.mode & 0o777 : file.mode;
        const extra = mode & ~base.maxMode;
        return extra === 0
          ? { ok: true, reason: `${file.path} has mode ${octal(file.mode)}`, observed }
          : {
              ok: false,
              reason: `${file.path} has mode ${octal(file.mode)}, which grants ${octal(extra)} beyond ${octal(base.maxMode)}`,
              observed,
            };
      };
      return combine(located.map(judge), expected);
    },
  });
}

export const rootOnly = (ctx: EvaluationContext): number[] => {
  const r = rootlessUid(ctx.facts);
  return r === null ? [0] : [0, r];
};

/** root:root, or the daemon's own user and group when it runs rootless. */
export const rootOwned: OwnershipRule = {
  users: rootOnly,
  groups: (ctx, host) => {
    const uid = rootlessUid(ctx.facts);
    return uid !== null && host.users[uid] ? [0, ...groupIds(host, [host.users[uid]!])] : [0];
  },
  expected: 'root:root',
};

export function groupIds(host: HostFacts, names: readonly string[]): number[] {
  return Object.entries(host.groups)
    .filter(([, n]) => names.includes(n))
    .map(([id]) => Number(id));
}
