// `check`: one evaluation, a report, and an exit code for CI. It never exits 0 without a complete report: an
// evaluation that cannot finish within its deadline is exit 2 with the reason on stderr.
import { constants } from 'node:fs';
import { access, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type ControlDefinition, SECTIONS, SEVERITIES } from '../controls/types.js';
import type { FactCollector } from '../evaluation/collector.js';
import { evaluationDeadlineMs, within } from '../evaluation/deadline.js';
import type { Evaluation } from '../evaluation/types.js';
import type { BuildInfo } from '../outputs/buildInfo.js';
import type { WaiverSettings } from '../policy/waivers.js';
import { statPath } from '../sources/fileStats.js';
import { HostPaths } from '../sources/hostPaths.js';
import { EXIT_COULD_NOT_JUDGE, EXIT_FINDINGS, EXIT_OK } from './exitCodes.js';
import { type CheckOptions, UsageError } from './flags.js';
import { wire } from './wiring.js';

/**
 * The controls --controls, --sections and --skip select, in catalog order: those named or in a named section
 * (every control when neither is given), minus the skipped ones. An unknown name is a usage error.
 */
export function selectControls(
  catalog: readonly ControlDefinition[],
  scope: CheckOptions['scope'],
): readonly ControlDefinition[] {
  const ids = new Set(catalog.map((c) => c.id));
  for (const [flag, names] of [
    ['controls', scope.controls],
    ['skip', scope.skip],
  ] as const) {
    const unknown = (names ?? []).filter((n) => !ids.has(n));
    if (unknown.length > 0)
      throw new UsageError(
        `--${flag}: unknown control id ${unknown.map((n) => JSON.stringify(n)).join(', ')}`,
      );
  }
  const unknownSections = (scope.sections ?? []).filter((s) => !Object.hasOwn(SECTIONS, s));
  if (unknownSections.length > 0) {
    throw new UsageError(
      `--sections: unknown section ${unknownSections.map((n) => JSON.stringify(n)).join(', ')} (known: ${Object.keys(SECTIONS).join(', ')})`,
    );
  }
  const picked = scope.controls === undefined && scope.sections === undefined;
  const selected = catalog.filter(
    (c) =>
      (picked || scope.controls?.includes(c.id) || scope.sections?.includes(c.section)) &&
      !scope.skip?.includes(c.id),
  );
  if (selected.length === 0)
    throw new UsageError('--controls, --sections and --skip leave no control to judge');
  return selected;
}

/** A --docker.config-file given on purpose must be there: judging dockerd's defaults instead would pass CI. */
async function explicitConfigProblem(opts: CheckOptions, paths: HostPaths): Promise<string | null> {
  if (opts.configFile === undefined) return null;
  const s = await statPath(paths, opts.configFile);
  if (s.denied) return `--docker.config-file ${opts.configFile}: permission denied to the exporter's user`;
  if (!s.exists) return `--docker.config-file ${opts.configFile}: no such file`;
  return null;
}

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
  /** Where --docker.config-file is looked for (default: under --host.root). */
  readonly paths?: HostPaths;
  /** How long the evaluation may take (evaluationDeadlineMs of --docker.timeout). */
  readonly deadlineMs: number;
  /** The clock waivers are judged by. */
  readonly now?: () => number;
}

function defaultDeps(opts: CheckOptions): CheckDeps {
  const { collector, paths } = wire(opts);
  return { collector, paths, deadlineMs: evaluationDeadlineMs(opts.dockerTimeoutMs) };
}

/**
 * The catalog, the evaluation and (with --waivers.file) the waiver loader. `check` imports them while the facts
 * are read, which mostly waits on the daemon, instead of before (issue 12: start-up cost).
 */
async function loadJudging(opts: CheckOptions) {
  const [{ CATALOG }, { evaluate }, waiverPolicy] = await Promise.all([
    import('../controls/catalog.js'),
    import('../evaluation/evaluate.js'),
    opts.waiversFile ? import('../evaluation/waiverPolicy.js') : undefined,
  ]);
  return { CATALOG, evaluate, waiverPolicy };
}

export async function runCheck(
  opts: CheckOptions,
  build: BuildInfo,
  deps: CheckDeps = defaultDeps(opts),
): Promise<number> {
  const now = deps.now ?? Date.now;
  const loading = loadJudging(opts);
  // Reading the facts judges nothing, so it starts at once; a refused flag or file below abandons it.
  const collecting = deps.collector.collect('all');
  // Met below by `within` and `await`; not an unhandled rejection when a usage error returns first.
  collecting.catch(() => {});
  let judging: Awaited<typeof loading>;
  // Everything the operator configured is checked before anything is judged: one line and exit 2 otherwise.
  let catalog: readonly ControlDefinition[];
  let waivers: WaiverSettings | undefined;
  try {
    judging = await loading;
    catalog = selectControls(judging.CATALOG, opts.scope);
    const configProblem = await explicitConfigProblem(opts, deps.paths ?? new HostPaths(opts.hostRoot));
    if (configProblem) throw new UsageError(configProblem);
    // An --output that cannot be written is a usage error found before the evaluation, not after it.
    if (opts.output) await assertWritable(opts.output);
    waivers =
      opts.waiversFile && judging.waiverPolicy
        ? await judging.waiverPolicy.loadWaiverPolicy({
            file: opts.waiversFile,
            catalog: judging.CATALOG,
            maxDurationMs: opts.waiversMaxDurationMs,
            expiryWarningMs: opts.waiversExpiryWarningMs,
            now,
          })
        : undefined;
  } catch (e) {
    const { waiverPolicy } = await loading.catch(() => ({ waiverPolicy: undefined }));
    if (!(e instanceof UsageError || (waiverPolicy && e instanceof waiverPolicy.WaiverFileError))) throw e;
    process.stderr.write(`dockersec-exporter: ${e.message}\n`);
    return EXIT_COULD_NOT_JUDGE;
  }
  if (!(await within(collecting, deps.deadlineMs))) {
    process.stderr.write(
      `dockersec-exporter: check could not judge: the evaluation did not finish within ${deps.deadlineMs} ms ` +
        `(--docker.timeout ${opts.dockerTimeoutMs} ms per request); no report\n`,
    );
    return EXIT_COULD_NOT_JUDGE;
  }
  const evaluation = judging.evaluate(await collecting, catalog, now, waivers);
  const colour = opts.color ?? (!opts.output && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const body = await render(opts, evaluation, build, colour);
  if (opts.output) {
    try {
      await writeFile(opts.output, body);
    } catch (e) {
      throw new UsageError(`--output ${opts.output}: cannot write the report (${describeFsError(e)})`);
    }
  } else if (!(await writeStdout(body))) return EXIT_COULD_NOT_JUDGE;
  return exitCodeFor(evaluation, opts.failOn);
}

/**
 * The report on stdout; false (and one line on stderr) when it could not be written whole. A reader that stops
 * early (`check | head`) makes the write fail with EPIPE unless the pipe's buffer already took the whole report:
 * then exit 2, never 0 or 1 for a report nobody received, and never an unhandled 'error' event with its stack.
 */
async function writeStdout(body: string): Promise<boolean> {
  let failure: NodeJS.ErrnoException | null = null;
  // Stays on: the stream emits 'error' after the write's callback has been told, and unheard that would crash.
  process.stdout.on('error', (e) => {
    failure ??= e;
  });
  await new Promise<void>((resolve) =>
    process.stdout.write(body, (e) => {
      failure ??= e ?? null;
      resolve();
    }),
  );
  if (!failure) return true;
  const why = (failure as NodeJS.ErrnoException).code ?? (failure as Error).message;
  process.stderr.write(
    `dockersec-exporter: could not write the report to standard output (${why}); no report\n`,
  );
  return false;
}

/** The report in the asked format; only that format's module is loaded (issue 12: start-up cost). */
async function render(
  opts: CheckOptions,
  evaluation: Evaluation,
  build: BuildInfo,
  colour: boolean,
): Promise<string> {
  if (opts.format === 'json') {
    const { jsonReport } = await import('../outputs/report/jsonReport.js');
    return `${JSON.stringify(jsonReport(evaluation), null, 2)}\n`;
  }
  if (opts.format === 'sarif') {
    const { sarifReport } = await import('../outputs/report/sarifReport.js');
    return `${JSON.stringify(sarifReport(evaluation, build), null, 2)}\n`;
  }
  const { textReport } = await import('../outputs/report/textReport.js');
  return textReport(evaluation, {
    colour,
    failOn: opts.failOn,
    width: opts.width ?? (!opts.output && process.stdout.isTTY ? process.stdout.columns : undefined),
    layout: opts.format === 'table' ? 'table' : opts.quiet ? 'quiet' : 'text',
  });
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
