// The one way to declare a control. Helpers for container, file and audit controls build their definitions
// through it, so every control is checked the same way and the catalog can tell a control from anything else
// a module exports.

import { completeCisIds } from './cisVersions.js';
import {
  CIS_VERSIONS,
  type CisVersion,
  type ControlDefinition,
  DEFAULT_CIS_VERSION,
  SECTIONS,
  SEVERITIES,
} from './types.js';

const DEFINED = new WeakSet<object>();
/** Every control defined so far, in definition order: the catalog test finds the ones no module exports. */
const EVER_DEFINED: ControlDefinition[] = [];

const ID = /^[a-z][a-z0-9_]*$/;
const CIS_ID = /^\d+(\.\d+)+$/;

/** A declaration mistake is a programming error: it stops the exporter at start-up and fails every test. */
export class ControlDeclarationError extends Error {}

export function defineControl(spec: ControlDefinition): ControlDefinition {
  const problem = (what: string) => new ControlDeclarationError(`control ${spec.id || '(no id)'}: ${what}`);
  if (!ID.test(spec.id)) throw problem('id must be snake_case');
  if (!Object.hasOwn(SECTIONS, spec.section)) throw problem(`unknown section ${spec.section}`);
  if (!SEVERITIES.includes(spec.severity)) throw problem(`unknown severity ${spec.severity}`);
  if (!spec.title.trim() || !spec.remediation.trim()) throw problem('title and remediation are required');
  for (const [version, id] of Object.entries(spec.cis)) {
    if (!CIS_VERSIONS.includes(version as CisVersion)) throw problem(`unknown CIS version ${version}`);
    if (id !== null && !CIS_ID.test(id ?? ''))
      throw problem(`CIS ${version} id ${id} is not a section number`);
  }
  const control: ControlDefinition = Object.freeze({
    ...spec,
    cis: Object.freeze({ ...completeCisIds(spec.cis) }),
    requires: Object.freeze([...spec.requires]),
  });
  DEFINED.add(control);
  EVER_DEFINED.push(control);
  return control;
}

const looksLikeControl = (x: unknown): x is { id: string } =>
  typeof x === 'object' && x !== null && 'id' in x && 'evaluate' in x;

export const definedControls = (): readonly ControlDefinition[] => [...EVER_DEFINED];

export const isControl = (x: unknown): x is ControlDefinition =>
  typeof x === 'object' && x !== null && DEFINED.has(x);

/** The control's id in a CIS benchmark version (the reports' one by default), or null. */
export const cisId = (c: ControlDefinition, version: CisVersion = DEFAULT_CIS_VERSION): string | null =>
  c.cis[version] ?? null;

const SECTION_ORDER = Object.keys(SECTIONS);

/** What a control sorts by: section, then CIS id part by part ("1.1.10" after "1.1.9"), then id. */
interface SortKey {
  readonly section: number;
  /** Null for a control beyond the benchmark: it closes its section. */
  readonly cis: readonly number[] | null;
  readonly id: string;
}

const sortKey = (c: ControlDefinition): SortKey => ({
  section: SECTION_ORDER.indexOf(c.section),
  cis: cisId(c)?.split('.').map(Number) ?? null,
  id: c.id,
});

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.section !== b.section) return a.section - b.section;
  if (a.cis === null || b.cis === null) {
    if (a.cis !== b.cis) return a.cis === null ? 1 : -1;
  } else {
    for (let i = 0; i < Math.max(a.cis.length, b.cis.length); i++) {
      const d = (a.cis[i] ?? -1) - (b.cis[i] ?? -1);
      if (d !== 0) return d;
    }
  }
  // Ids are ASCII snake_case: code-unit order, without a locale's collation (slow to set up at start).
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Report order: by section, then by CIS id in the default version; controls beyond the benchmark close their
 * section, by id.
 */
export function compareControls(a: ControlDefinition, b: ControlDefinition): number {
  return compareKeys(sortKey(a), sortKey(b));
}

/**
 * The controls a set of modules export (singly or in exported arrays), each once, in report order. A module
 * needs no list of its own: declaring a control with defineControl and exporting it is enough.
 */
export function controlsIn(...modules: readonly object[]): readonly ControlDefinition[] {
  const found = new Set<ControlDefinition>();
  const visit = (x: unknown) => {
    if (isControl(x)) found.add(x);
    else if (Array.isArray(x)) for (const y of x) visit(y);
    else if (looksLikeControl(x)) {
      throw new ControlDeclarationError(`control ${x.id} is not declared with defineControl`);
    }
  };
  for (const m of modules) for (const v of Object.values(m)) visit(v);
  const byId = new Map<string, ControlDefinition>();
  for (const c of found) {
    if (byId.has(c.id)) throw new ControlDeclarationError(`control ${c.id} is declared twice`);
    byId.set(c.id, c);
  }
  // Each key computed once, not once per comparison: this runs at every start.
  const keyed = [...found].map((c) => ({ c, key: sortKey(c) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return Object.freeze(keyed.map((k) => k.c));
}
