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

/**
 * `unless` clause that silences an alert read from a metric other than the control's verdict while the
 * control is waived: a waiver covers every alert about its control, not only DockerSecControlFailing.
 * `ownLabels` are the labels of the alert's metric that the control status does not have.
 */
export function unlessWaived(config: BundleConfig, control: string, ownLabels: readonly string[]): string {
  // `ignoring` rather than `on (job, instance)`, so fleet labels (site, ...) keep two hosts apart.
  const ignored = [...ownLabels, 'control', 'status'].join(', ');
  return `unless ignoring (${ignored}) (dockersec_control_status${matchers(config, `control="${control}"`, 'status="waived"')} == 1)`;
}
