// Which failures a waiver covers. Globs are matched without regular expressions, in time proportional to
// pattern times text at worst, so a hostile container name cannot make matching slow.
import { type ContainerFacts, labelDigest } from '../facts/containers.js';
import type { ContainerScope, Waiver } from './waivers.js';

/** `*` any run of characters (`/` included), `?` exactly one; everything else stands for itself. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === '?' || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      // Let the last star swallow one more character and try again from there.
      p = starP + 1;
      t = ++starT;
    } else return false;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** What a container scope is matched against: name, image, and the digests of its labels. */
export type ContainerIdentity = Pick<ContainerFacts, 'name' | 'image' | 'labelDigests'>;

export function scopeMatches(scope: ContainerScope, c: ContainerIdentity): boolean {
  if (scope.names && !scope.names.some((g) => globMatch(g, c.name))) return false;
  if (scope.images && !scope.images.some((g) => globMatch(g, c.image))) return false;
  if (scope.labels) {
    const digests = new Set(c.labelDigests);
    for (const [k, v] of Object.entries(scope.labels)) if (!digests.has(labelDigest(k, v))) return false;
  }
  return true;
}

/**
 * Whether a waiver covers a failure of this control: on the container given for per-container controls (a
 * waiver without a scope covers every container), or the control as a whole.
 */
export function covers(w: Waiver, control: string, container?: ContainerIdentity): boolean {
  if (!w.controls.includes(control)) return false;
  if (!w.containers) return true;
  return container !== undefined && scopeMatches(w.containers, container);
}
