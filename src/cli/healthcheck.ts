// `dockersec-exporter healthcheck [serve's flags]`: exit 0 when the exporter started with these flags answers
// on its listener, 1 when it does not or its web config cannot be read (the exit codes of a Docker HEALTHCHECK),
// 2 on a usage error.
import type { HealthcheckOptions } from './flags.js';

/** Docker's health check timeout is 30 s by default; a probe must give its answer well before. */
const PROBE_TIMEOUT_MS = 5_000;

export async function runHealthcheck(opts: HealthcheckOptions): Promise<number> {
  const { loadWebConfig, probeHealth, WebConfigError } = await import('../web/index.js');
  let web: Awaited<ReturnType<typeof loadWebConfig>> | undefined;
  try {
    web = opts.webConfigFile ? await loadWebConfig(opts.webConfigFile) : undefined;
  } catch (err) {
    // Docker reserves exit code 2: a web config this probe cannot read makes the container unhealthy, loudly.
    if (!(err instanceof WebConfigError) && !(err as NodeJS.ErrnoException).syscall) throw err;
    process.stderr.write(`unhealthy: cannot read the web config: ${(err as Error).message}\n`);
    return 1;
  }
  // With several --web.listen-address values the exporter serves the same on each: the first one answers for all.
  const result = await probeHealth(opts.listenAddresses[0]!, web, PROBE_TIMEOUT_MS);
  (result.healthy ? process.stdout : process.stderr).write(
    `${result.healthy ? 'healthy' : 'unhealthy'}: ${result.detail}\n`,
  );
  return result.healthy ? 0 : 1;
}
