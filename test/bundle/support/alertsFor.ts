// Which alert of the bundle can fire for a control, read from the rules themselves: shared by the
// runbook test (the Alert column) and the rules test (the alert policy of issue 10).
import { defaultConfig } from '../../../alerts/src/config.js';
import { type Matcher, selectors } from '../../../alerts/src/promql.js';
import type { AlertingRule } from '../../../alerts/src/types.js';

export const holds = (m: Matcher, value: string): boolean => {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(value);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(value);
  }
};

/**
 * Whether an alert can fire for a control: it links the control's page, or it links the page of
 * whatever control it fires for and its selectors let this control (and its severity) through.
 * Selectors after `unless` only silence, so they are not asked.
 */
export function alertFiresFor(alert: AlertingRule, control: { id: string; severity: string }): boolean {
  const page = alert.annotations.runbook_url.slice(defaultConfig.runbookBaseUrl.length + 1, -'.md'.length);
  if (page === control.id) return true;
  if (page !== '{{ $labels.control }}') return false;
  const fires = alert.expr.split(/\bunless\b/)[0]!;
  return selectors(fires).every((s) =>
    s.matchers.every(
      (m) =>
        (m.name !== 'control' || holds(m, control.id)) &&
        (m.name !== 'control_severity' || holds(m, control.severity)),
    ),
  );
}
