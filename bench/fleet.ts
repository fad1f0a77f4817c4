// The simulated fleet (issue 14): N sandboxed dockerd hosts, each in its own network namespace with a
// different daemon.json, one exporter per host, Prometheus agents per site remote-writing to a central
// Prometheus that loads the bundle's rules. Checks the fleet views and alerts from the central Prometheus,
// measures series, ingestion and memory, and extrapolates. Run as root after `npm run build`:
//   npm run bench:fleet -- [--hosts 6] [--hosts-per-site 3] [--scrape-interval 5s] [--for 15s] [--measure 30]
// The last line printed is the summary; the exit code is 1 when a check failed.
import { durationSeconds } from '../alerts/src/config.js';
import { distMissingReason } from '../test/bundle/support/exporterProcess.js';
import { dockerdUnavailableReason } from '../test/support/dockerd.js';
import { FleetStartError } from '../test/support/fleet/fleet.js';
import { describeMeasurement, summaryNumbers } from '../test/support/fleet/measure.js';
import { profilesFor } from '../test/support/fleet/profiles.js';
import { runFleet } from '../test/support/fleet/run.js';
import { runBench } from './support.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};

async function main(): Promise<void> {
  const hosts = Number(arg('hosts', '6'));
  const hostsPerSite = Number(arg('hosts-per-site', '3'));
  const scrapeInterval = arg('scrape-interval', '5s');
  const forDuration = arg('for', '15s');
  if (!Number.isInteger(hosts) || hosts < 2 || hosts > 40) throw new Error('--hosts: 2 to 40');
  if (!Number.isInteger(hostsPerSite) || hostsPerSite < 1) throw new Error('--hosts-per-site: 1 or more');
  durationSeconds(scrapeInterval);
  durationSeconds(forDuration);
  const unavailable = dockerdUnavailableReason() ?? distMissingReason();
  if (unavailable) throw new Error(unavailable);

  const t0 = performance.now();
  const log = (m: string): void =>
    console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
  let result: Awaited<ReturnType<typeof runFleet>>;
  try {
    result = await runFleet({
      profiles: profilesFor(hosts),
      hostsPerSite,
      scrapeInterval,
      evaluationInterval: '2s',
      forDuration,
      measureSeconds: Number(arg('measure', '30')),
      log,
    });
  } catch (e) {
    // The summary stays the last line, also when the fleet could not be built.
    console.error(e);
    const left =
      e instanceof FleetStartError && e.leftovers.length > 0
        ? `; left behind: ${e.leftovers.join(', ')}`
        : '';
    console.log(`fleet: FAIL ${hosts} hosts: ${(e as Error).message}${left}`);
    process.exitCode = 1;
    return;
  }
  if (result.measurement) for (const line of describeMeasurement(result.measurement)) console.log(line);
  const o = result.outage;
  if (o)
    console.log(
      `outage detection (for: ${forDuration}): DockerSecDockerApiUnreachable after ${o.apiUnreachableSeconds?.toFixed(0) ?? '-'} s, ` +
        `DockerSecExporterDown after ${o.exporterDownSeconds?.toFixed(0) ?? '-'} s`,
    );
  const failed = result.checks.filter((c) => !c.ok);
  if (failed.length > 0) process.exitCode = 1;
  console.log(
    `fleet: ${failed.length === 0 ? 'PASS' : 'FAIL'} ${hosts} hosts in ${result.sites} sites, ` +
      `${result.checks.length - failed.length}/${result.checks.length} checks; started in ${result.startSeconds.toFixed(0)} s; ` +
      `${result.measurement ? summaryNumbers(result.measurement) : 'not measured'}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

runBench(main);
