import type { BundleConfig } from './config.js';

/** `{<configured selector>, <extra matchers>}`, without dangling commas when either side is empty. */
export function matchers(config: BundleConfig, ...extra: string[]): string {
  return `{${[config.selector, ...extra].filter((m) => m.trim() !== '').join(', ')}}`;
}

/** A regex alternative matching exactly the given control ids (which never need escaping). */
export function anyOf(ids: readonly string[]): string {
  for (const id of ids) {
    if (!/^[a-z0-9_]+$/.test(id)) throw new Error(`not a control id: ${JSON.stringify(id)}`);
  }
  return ids.join('|');
}

/** Runbook link for a page under docs/runbooks/ (name without `.md`; may hold a template). */
export function runbook(config: BundleConfig, name: string): string {
  return `${config.runbookBaseUrl.replace(/\/+$/, '')}/${name}.md`;
}
