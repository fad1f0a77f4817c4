// One fleet run, as the benchmark and the fleet test both do it: start, check, measure, break two hosts,
// tear down. The rules are the shipped ones with every `for` shortened (and no keep_firing_for), so the
// alerting windows fit a run of minutes; everything else about them is as shipped.

import { join } from 'node:path';
import { renderRuleFile } from '../../../alerts/src/bundle.js';
import { defaultConfig, durationSeconds, withShortDurations } from '../../../alerts/src/config.js';
import { REPO } from '../../bundle/support/paths.js';
import {
  alertsCheck,
  type CheckResult,
  fleetNumbersCheck,
  type OutageResult,
  outageCheck,
  presenceCheck,
  profileCheck,
} from './checks.js';
import { dashboardQueriesCheck } from './dashboardChecks.js';
import { type Fleet, startFleet } from './fleet.js';
import { type FleetMeasurement, measureFleet, SERIES_PER_HOST_BUDGET } from './measure.js';
import type { ProfileName } from './profiles.js';
import { fleetTruth } from './truth.js';

export interface FleetRunOptions {
  readonly profiles: readonly ProfileName[];
  readonly hostsPerSite: number;
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  /** Every alert's `for` in this run. */
  readonly forDuration: string;
  /** How long samples/s are counted. */
  readonly measureSeconds: number;
  readonly log?: (message: string) => void;
}

export interface FleetRunResult {
  readonly checks: readonly CheckResult[];
  readonly measurement: FleetMeasurement | null;
  readonly outage: OutageResult | null;
  readonly sites: number;
  readonly startSeconds: number;
  /** What the teardown left behind (nothing, when it worked). */
  readonly leftovers: readonly string[];
}

const FLEET_DASHBOARD = join(REPO, 'grafana', 'dashboards', 'dockersec-fleet.json');

export const fleetRules = (forDuration: string): string =>
  renderRuleFile(withShortDurations(defaultConfig, forDuration));

export async function runFleet(opts: FleetRunOptions): Promise<FleetRunResult> {
  const log = opts.log ?? (() => undefined);
  const scrape = durationSeconds(opts.scrapeInterval);
  const evaluation = durationSeconds(opts.evaluationInterval);
  const forSeconds = durationSeconds(opts.forDuration);
  // An alert fires `for` after the first evaluation that sees the condition: a scrape to see it, a
  // remote-write batch (1 s deadline) to deliver it, an evaluation, and slack for a loaded machine.
  const window = forSeconds + 2 * scrape + 2 * evaluation + 20;
  const fleet = await startFleet({ ...opts, rules: fleetRules(opts.forDuration), log });
  const checks: CheckResult[] = [];
  const record = (c: CheckResult): void => {
    checks.push(c);
    log(
      `${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.seconds.toFixed(1)} s)${c.ok ? '' : `\n       ${c.problems.slice(0, 20).join('\n       ')}`}`,
    );
  };
  let measurement: FleetMeasurement | null = null;
  let outage: OutageResult | null = null;
  try {
    log(`fleet of ${fleet.hosts.length} hosts up in ${fleet.startSeconds.toFixed(0)} s`);
    record(await presenceCheck(fleet));
    const truth = await fleetTruth(fleet.hosts);
    record(profileCheck(fleet, truth));
    const over = truth.hosts.filter((h) => h.series >= SERIES_PER_HOST_BUDGET);
    record({
      name: `every exporter serves fewer than ${SERIES_PER_HOST_BUDGET} series`,
      ok: over.length === 0,
      problems: over.map((h) => `${h.instance}: ${h.series}`),
      seconds: 0,
    });
    record(await fleetNumbersCheck(fleet.central, truth));
    record(await alertsCheck(fleet, truth, (window + forSeconds) * 1000));
    // Grafana's $__rate_interval is at least four scrape intervals.
    record(await dashboardQueriesCheck(fleet, FLEET_DASHBOARD, `${4 * scrape}s`, 60_000));
    measurement = await measureFleet(
      fleet,
      truth,
      { scrapeSeconds: scrape, evaluationSeconds: evaluation },
      opts.measureSeconds,
    );
    // The dockerd of a host that is not the exporter's, so both outages are told apart.
    const victims = pickVictims(fleet);
    log(`killing the dockerd of ${victims.daemon.instance} and the exporter of ${victims.exporter.instance}`);
    outage = await outageCheck(fleet, victims.daemon, victims.exporter, window);
    record(outage.check);
  } finally {
    await fleet.stop();
    const left = fleet.leftovers();
    log(left.length === 0 ? 'fleet torn down' : `fleet teardown left: ${left.join('; ')}`);
  }
  const leftovers = fleet.leftovers();
  record({
    name: 'everything torn down: processes, mounts, network namespaces, veth links, folders',
    ok: leftovers.length === 0,
    problems: leftovers,
    seconds: 0,
  });
  return {
    checks,
    measurement,
    outage,
    sites: fleet.sites.length,
    startSeconds: fleet.startSeconds,
    leftovers,
  };
}

/** A dockerd of a default-like host (not the TLS one, whose certificates other views show) and another host's exporter. */
function pickVictims(fleet: Fleet): { daemon: Fleet['hosts'][number]; exporter: Fleet['hosts'][number] } {
  const order: ProfileName[] = ['default', 'hardened', 'privileged', 'insecure', 'pending-restart', 'tls'];
  const sorted = [...fleet.hosts].sort((a, b) => order.indexOf(a.profile) - order.indexOf(b.profile));
  return { daemon: sorted[0]!, exporter: sorted[1]! };
}
