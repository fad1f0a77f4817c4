// Deadlines of one evaluation, shared by `serve` (the monitor's watchdog) and `check`, which imports this alone
// (not the monitor and its file watcher).

/**
 * How long one evaluation may take, from the per-request deadline. Each request ends by its deadline, so a hung
 * daemon costs a few of them one after the other (list, inspect, top; a second list when the events stream came back
 * meanwhile); the file reads and probes beside them have their own limits. Past this, something else is stuck.
 */
export function evaluationDeadlineMs(dockerTimeoutMs: number): number {
  return Math.max(8 * dockerTimeoutMs, 30_000);
}

/** Stops waiting on `work` after `ms`; true when it finished in time (a rejection counts as finished). */
export function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const done = work.then(
    () => true,
    () => true,
  );
  return Promise.race([done, deadline]).finally(() => clearTimeout(timer));
}
