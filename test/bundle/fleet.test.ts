// The simulated fleet in small (bench/fleet.ts runs it at 6 or 8 hosts): three sandboxed dockerd hosts,
// each in its own network namespace, with a TLS daemon whose certificates expire soon, a daemon.json
// edited after the start, and a created privileged container; one exporter each; two Prometheus agents
// ("sites") remote-writing to a central Prometheus that evaluates the bundle's rules with every `for`
// at 10 s. Everything is checked from the central Prometheus, the fleet dashboard's queries included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dockerdUnavailableReason } from '../support/dockerd.js';
import { FleetStartError, startFleet } from '../support/fleet/fleet.js';
import { type FleetRunResult, fleetRules, runFleet } from '../support/fleet/run.js';
import { distMissingReason } from './support/exporterProcess.js';

const skip = dockerdUnavailableReason() ?? distMissingReason();

describe('a fleet of three Docker hosts on one central Prometheus', { skip, timeout: 300_000 }, () => {
  let result: FleetRunResult | undefined;
  const log: string[] = [];

  test('runs, and is torn down', async () => {
    result = await runFleet({
      profiles: ['tls', 'pending-restart', 'privileged'],
      hostsPerSite: 2,
      scrapeInterval: '2s',
      evaluationInterval: '1s',
      forDuration: '10s',
      measureSeconds: 5,
      log: (m) => log.push(m),
    });
    assert.equal(result.sites, 2);
  });

  const names = [
    'every host present in the central Prometheus with its instance and site',
    'each host fails what its daemon.json sets up',
    'every exporter serves fewer than 1500 series',
    'fleet recording rules match the exporters',
    'alerts fire per host, naming it',
    'every query of dockersec-fleet',
    'a killed dockerd',
    'everything torn down',
  ];
  for (const name of names) {
    test(name, { skip: false }, () => {
      assert.ok(result, `the fleet did not run:\n${log.join('\n')}`);
      const c = result.checks.find((x) => x.name.startsWith(name));
      assert.ok(c, `check "${name}" did not run:\n${log.join('\n')}`);
      assert.deepEqual(c.problems, [], c.name);
    });
  }

  test('the central Prometheus holds every host under the per-host budget', () => {
    const m = result?.measurement;
    assert.ok(m, 'not measured');
    assert.equal(m.exporterSeries.length, 3);
    assert.ok(m.samplesPerSecond > 0);
    assert.ok(m.centralSeriesPerHost > 500, `only ${m.centralSeriesPerHost} series per host arrived`);
  });
});

describe('a fleet that fails to start', { skip, timeout: 180_000 }, () => {
  test('is torn down: a host whose dockerd refuses its daemon.json leaves nothing behind', async () => {
    const failure = await startFleet({
      profiles: ['default', 'broken'],
      hostsPerSite: 2,
      scrapeInterval: '2s',
      evaluationInterval: '1s',
      rules: fleetRules('10s'),
      startConcurrency: 2,
    }).then(
      async (fleet) => {
        await fleet.stop();
        return null;
      },
      (e: unknown) => e,
    );
    assert.ok(failure instanceof FleetStartError, `expected the start to fail, got ${String(failure)}`);
    assert.match(failure.message, /dockerd .* exited|not-a-dockerd-option/);
    assert.deepEqual(failure.leftovers, []);
  });
});
