// `check`: one evaluation, a report, and an exit code for CI. It never exits 0 without a complete report: an
// evaluation that cannot finish within its deadline is exit 2 with the reason on stderr.
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CATALOG } from '../controls/catalog.js';
import { SEVERITIES } from '../controls/types.js';
import type { FactCollector } from '../evaluation/collector.js';
import { evaluate } from '../evaluation/evaluate.js';
import { evaluationDeadlineMs, within } from '../evaluation/monitor.js';
import type { Evaluation } from '../evaluation/types.js';
import type { BuildInfo } from '../outputs/buildInfo.js';
import { jsonReport } from '../outputs/report/jsonReport.js';
import { sarifReport } from '../outputs/report/sarifReport.js';
import { textReport } from '../outputs/report/textReport.js';
import { EXIT_COULD_NOT_JUDGE, EXIT_FINDINGS, EXIT_OK } from './exitCodes.js';
import { type CheckOptions, UsageError } from './flags.js';
import { wire } from './wiring.js';

/** 1 when a control at or above the threshold fails, else 0. */
export function exitCodeFor(evaluation: Evaluation, failOn: CheckOptions['failOn']): 0 | 1 {
  if (failOn === 'none') return EXIT_OK;
  const threshold = SEVERITIES.indexOf(failOn);
  return evaluation.results.some((r) => r.status === 'fail' && SEVERITIES.indexOf(r.severity) <= threshold)
    ? EXIT_FINDINGS
    : EXIT_OK;
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
  // An --output that cannot be written is a usage error found before the evaluation, not after it.
  if (opts.output) await assertWritable(opts.output);
  const collecting = deps.collector.collect('all');
  if (!(await within(collecting, deps.deadlineMs))) {
    process.stderr.write(
      `dockersec-exporter: check could not judge: the evaluation did not finish within ${deps.deadlineMs} ms ` +
        `(--docker.timeout ${opts.dockerTimeoutMs} ms per request); no report\n`,
    );
    return EXIT_COULD_NOT_JUDGE;
  }
  const evaluation = evaluate(await collecting, CATALOG);
  const colour = opts.color ?? (!opts.output && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const body =
    opts.format === 'json'
      ? `${JSON.stringify(jsonReport(evaluation), null, 2)}\n`
      : opts.format === 'sarif'
        ? `${JSON.stringify(sarifReport(evaluation, build), null, 2)}\n`
        : textReport(evaluation, colour);
  if (opts.output) {
    try {
      await writeFile(opts.output, body);
    } catch (e) {
      throw new UsageError(`--output ${opts.output}: cannot write the report (${describeFsError(e)})`);
    }
  } else await new Promise<void>((resolve) => process.stdout.write(body, () => resolve()));
  return exitCodeFor(evaluation, opts.failOn);
}

function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: 'no such directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    EROFS: 'read-only file system',
    ENOTDIR: 'a parent is not a directory',
    ENOSPC: 'no space left on device',
  };
  return err.code && known[err.code] ? `${known[err.code]}, ${err.code}` : err.message;
}

async function assertWritable(path: string): Promise<void> {
  const full = resolve(path);
  try {
    const st = await stat(full).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await access(st ? full : dirname(full), constants.W_OK);
  } catch (e) {
    throw new UsageError(`--output ${path}: cannot write the report (${describeFsError(e)})`);
  }
}
