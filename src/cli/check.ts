// `check`: one evaluation, a report, and an exit code for CI.
import { writeFile } from 'node:fs/promises';
import { CATALOG } from '../controls/catalog.js';
import { SEVERITIES } from '../controls/types.js';
import { evaluate } from '../evaluation/evaluate.js';
import type { Evaluation } from '../evaluation/types.js';
import type { BuildInfo } from '../outputs/buildInfo.js';
import { jsonReport } from '../outputs/report/jsonReport.js';
import { sarifReport } from '../outputs/report/sarifReport.js';
import { textReport } from '../outputs/report/textReport.js';
import type { CheckOptions } from './flags.js';
import { wire } from './wiring.js';

/** 1 when a control at or above the threshold fails, else 0. */
export function exitCodeFor(evaluation: Evaluation, failOn: CheckOptions['failOn']): 0 | 1 {
  if (failOn === 'none') return 0;
  const threshold = SEVERITIES.indexOf(failOn);
  return evaluation.results.some((r) => r.status === 'fail' && SEVERITIES.indexOf(r.severity) <= threshold)
    ? 1
    : 0;
}

export async function runCheck(opts: CheckOptions, build: BuildInfo): Promise<number> {
  const { collector } = wire(opts);
  const evaluation = evaluate(await collector.collect('all'), CATALOG);
  const colour = opts.color ?? (!opts.output && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const body =
    opts.format === 'json'
      ? `${JSON.stringify(jsonReport(evaluation), null, 2)}\n`
      : opts.format === 'sarif'
        ? `${JSON.stringify(sarifReport(evaluation, build), null, 2)}\n`
        : textReport(evaluation, colour);
  if (opts.output) await writeFile(opts.output, body);
  else await new Promise<void>((resolve) => process.stdout.write(body, () => resolve()));
  return exitCodeFor(evaluation, opts.failOn);
}
