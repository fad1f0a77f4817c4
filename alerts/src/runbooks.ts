// docs/runbooks/ is part of the bundle: every alert links there. A control's runbook opens with a
// table naming the control, its CIS id and severity, so tests can hold it to the exporter's catalog.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNBOOK_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'runbooks');

export interface Runbook {
  /** File name without `.md`: a control id, or an exporter alert's page such as `exporter-down`. */
  readonly name: string;
  readonly title: string;
  /** From the header table of a control's runbook; null for the exporter-health pages. */
  readonly control: { readonly id: string; readonly cis: string | null; readonly severity: string } | null;
  readonly text: string;
}

/**
 * `| \`tls\` | 2.8 (1.6.0, 1.7.0: 2.7) | critical | … |`: the first data row of the header table (cells may be
 * padded). The CIS cell leads with the newest version's id; older ones that differ follow in brackets.
 */
const CONTROL_ROW =
  /^\|\s*`([a-z0-9_]+)`\s*\|\s*([0-9.]+|none)(?:\s*\([^)|]*\))?\s*\|\s*(critical|high|medium|low|info)\s*\|/m;

export function parseRunbook(name: string, text: string): Runbook {
  const title = /^# (.+)$/m.exec(text)?.[1];
  if (!title) throw new Error(`runbook ${name}: no "# " title`);
  const row = CONTROL_ROW.exec(text);
  const control = row ? { id: row[1]!, cis: row[2] === 'none' ? null : row[2]!, severity: row[3]! } : null;
  return { name, title, control, text };
}

/** Every runbook except the index, sorted by name. */
export function readRunbooks(dir = RUNBOOK_DIR): Runbook[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort()
    .map((f) => parseRunbook(f.slice(0, -3), readFileSync(join(dir, f), 'utf8')));
}
