// Per-container findings as metrics: an exact count per control, and one series per failing (control,
// container) pair up to a budget, so a host with thousands of containers cannot blow up Prometheus.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ContainerFinding, ControlResult } from '../../controls/types.js';
import { SEVERITIES } from '../../controls/types.js';
import type { Evaluation } from '../../evaluation/types.js';
import { labelValue } from './labelValue.js';

/** Lives as long as the exporter: the dropped counter must keep growing across renders. */
export class ContainerSeriesBudget {
  droppedTotal = 0;
  /** Rendering is idempotent per evaluation: one rendered twice counts its drops once. */
  private readonly counted = new WeakSet<Evaluation>();
  constructor(readonly maxSeries = 500) {}

  addDropped(evaluation: Evaluation, n: number): void {
    if (this.counted.has(evaluation)) return;
    this.counted.add(evaluation);
    this.droppedTotal += n;
  }
}

interface Pair {
  readonly result: ControlResult;
  readonly finding: ContainerFinding;
}

const rank = (r: ControlResult) => SEVERITIES.indexOf(r.severity);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The most severe controls keep their series first; the order is stable so series do not flap. */
const byControl = (a: ControlResult, b: ControlResult): number => rank(a) - rank(b) || byString(a.id, b.id);

/**
 * The first `max` failing pairs by control importance, then container name: the controls are sorted and each
 * one's findings (already by name, as the inventory lists them) taken in order, so 100,000 pairs at 5,000
 * containers cost no sort of them all.
 */
function keptPairs(failing: readonly ControlResult[], max: number): Pair[] {
  const kept: Pair[] = [];
  for (const result of [...failing].sort(byControl)) {
    if (kept.length >= max) break;
    let findings = result.containers ?? [];
    for (let i = 1; i < findings.length; i++) {
      if (byString(findings[i - 1]!.name, findings[i]!.name) > 0) {
        findings = [...findings].sort((a, b) => byString(a.name, b.name));
        break;
      }
    }
    for (const finding of findings.slice(0, max - kept.length)) kept.push({ result, finding });
  }
  return kept;
}

export function renderContainerMetrics(
  registry: Registry,
  evaluation: Evaluation,
  budget: ContainerSeriesBudget = new ContainerSeriesBudget(),
): void {
  const count = new Gauge({
    name: 'dockersec_control_failing_containers',
    help: 'Number of containers in scope (created, running, restarting, paused) that fail each runtime control.',
    labelNames: ['control'],
    registers: [registry],
  });
  const failing = new Gauge({
    name: 'dockersec_container_control_failing',
    help: 'A container that fails a runtime control (1), capped by --containers.max-series.',
    labelNames: ['control', 'container', 'image'],
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'dockersec_container_series_dropped_total',
    help: 'dockersec_container_control_failing series left out over --containers.max-series, summed over every evaluation.',
    registers: [registry],
  });
  const failingControls: ControlResult[] = [];
  let pairs = 0;
  for (const result of evaluation.results) {
    // An errored control has no findings: its count is unknown, not zero.
    if (!result.containers) continue;
    count.set({ control: result.id }, result.containers.length);
    if (result.status !== 'fail') continue;
    failingControls.push(result);
    pairs += result.containers.length;
  }
  const kept = keptPairs(failingControls, budget.maxSeries);
  for (const { result, finding } of kept) {
    failing.set(
      { control: result.id, container: labelValue(finding.name), image: labelValue(finding.image) },
      1,
    );
  }
  budget.addDropped(evaluation, pairs - kept.length);
  dropped.inc(budget.droppedTotal);
}
