// `check`: one evaluation, a report, and an exit code for CI. It never exits 0 without a complete report: an
// evaluation that cannot finish within its deadline is exit 2 with the reason on stderr.
import { writeFile } from 'node:fs/promises';
import { SEVERITIES } from '../controls/types.js';
import type { FactCollector } from '../evaluation/collector.js';
import { evaluationDeadlineMs, within } from '../evaluation/deadline.js';
import type { Evaluation } from '../evaluation/types.js';
import type { BuildInfo } from '../outputs/buildInfo.js';
import { EXIT_COULD_NOT_JUDGE, EXIT_FINDINGS, EXIT_OK } from './exitCodes.js';
import type { CheckOptions } from './flags.js';
import { wire } from './wiring.js';

/** 1 when a control at or above the threshold fails, else 0. */
export function exitCodeFor(evaluation: Evaluation, failOn: CheckOptions['failOn']): 0 | 1 {
  if (failOn === 'none') return EXIT_OK;
  const threshold = SEVERITIES.indexOf(failOn);
  return evaluation.results.some((r) => r.status === 'fail' && SEVERITIES.indexOf(r.severity) <= threshold)
    ? EXIT_FINDINGS
    : EXIT_OK;
}

/** The report in the asked format; only that format's module is loaded. */
async function render(
  format: CheckOptions['format'],
  evaluation: Evaluation,
  build: BuildInfo,
  colour: boolean,
): Promise<string> {
  if (format === 'json') {
    const { jsonReport } = await import('../outputs/report/jsonReport.js');
    return `${JSON.stringify(jsonReport(evaluation), null, 2)}\n`;
  }
  if (format === 'sarif') {
    const { sarifReport } = await import('../outputs/report/sarifReport.js');
    return `${JSON.stringify(sarifReport(evaluation, build), null, 2)}\n`;
  }
  const { textReport } = await import('../outputs/report/textReport.js');
  return textReport(evaluation, colour);
}

export interface CheckDeps {
  readonly collector: Pick<FactCollector, 'collect'>;
  /** How long the evaluation may take (evaluationDeadlineMs of --docker.timeout). */
  readonly deadlineMs: number;
}

export async function runCheck(
  opts: CheckOptions,
  build: BuildInfo,
  deps: CheckDeps = {
    collector: wire(opts).collector,
    deadlineMs: evaluationDeadlineMs(opts.dockerTimeoutMs),
  },
): Promise<number> {
  const collecting = deps.collector.collect('all');
  // The catalog and the evaluation load while the facts are read (they wait on the daemon, not on the CPU).
  const loading = Promise.all([import('../controls/catalog.js'), import('../evaluation/evaluate.js')]);
  if (!(await within(collecting, deps.deadlineMs))) {
    process.stderr.write(
      `dockersec-exporter: check could not judge: the evaluation did not finish within ${deps.deadlineMs} ms ` +
        `(--docker.timeout ${opts.dockerTimeoutMs} ms per request); no report\n`,
    );
    return EXIT_COULD_NOT_JUDGE;
  }
  const [{ CATALOG }, { evaluate }] = await loading;
  const evaluation = evaluate(await collecting, CATALOG);
  const colour = opts.color ?? (!opts.output && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const body = await render(opts.format, evaluation, build, colour);
  if (opts.output) await writeFile(opts.output, body);
  else await new Promise<void>((resolve) => process.stdout.write(body, () => resolve()));
  return exitCodeFor(evaluation, opts.failOn);
}
