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

/** "1.1.10" after "1.1.9": section numbers compare part by part. */
function compareCisIds(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Report order: by section, then by CIS id in the default version; controls beyond the benchmark close their
 * section, by id.
 */
export function compareControls(a: ControlDefinition, b: ControlDefinition): number {
  return (
    SECTION_ORDER.indexOf(a.section) - SECTION_ORDER.indexOf(b.section) ||
    compareCisIds(cisId(a), cisId(b)) ||
    a.id.localeCompare(b.id)
  );
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
  return Object.freeze([...found].sort(compareControls));
}
