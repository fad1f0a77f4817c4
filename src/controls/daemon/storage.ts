// The storage driver and its options.

import { runningVersion } from '../../dockerd/index.js';
import { compareVersions, parseVersion } from '../../facts/dockerd/releases.js';
import { defineControl } from '../define.js';
import { apiIfUp, apiOf, ControlError, fail, pass } from '../support.js';

/**
 * CIS 2.6 in every version: aufs (removed in dockerd 24.0). devicemapper has its own control (CIS 1.8.0 2.7,
 * devicemapper_storage), judged whatever --cis.version is, so one driver never fails two controls.
 */
export const storageDriver = defineControl({
  id: 'storage_driver',
  cis: { '1.6.0': '2.6' },
  section: 'daemon_configuration',
  title: 'The aufs storage driver is not used',
  severity: 'low',
  remediation:
    'Move to overlay2: set "storage-driver": "overlay2" in daemon.json, migrate images and restart dockerd. dockerd 24.0 and later no longer have aufs.',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const driver = apiOf(facts).info.driver;
    const observed = { runtime: driver, configured: settings.peek('storage-driver')?.value ?? null };
    return driver === 'aufs'
      ? fail('the daemon uses the aufs storage driver', observed, 'not aufs', ['storage-driver'])
      : pass(`the daemon uses the ${driver || 'unknown'} storage driver`, observed, 'not aufs');
  },
});

/**
 * CIS 1.8.0 2.7. Judged on the running daemon when the API answers, else on the configured driver (check
 * without a daemon). devicemapper was removed in dockerd 25.0: a newer daemon configured with it does not start.
 */
export const devicemapperStorage = defineControl({
  id: 'devicemapper_storage',
  cis: { '1.8.0': '2.7' },
  section: 'daemon_configuration',
  title: 'The devicemapper storage driver is not used',
  severity: 'low',
  remediation:
    'Move to overlay2: save the images, set "storage-driver": "overlay2" in daemon.json (or remove the key), restart dockerd and pull or load the images again. dockerd 25.0 and later no longer have devicemapper at all.',
  requires: [],
  evaluate({ facts, dockerd, settings }) {
    const api = apiIfUp(facts);
    const runtime = api?.info.driver ?? null;
    // Without the running driver the configured one decides: a daemon.json that cannot be read is not judged
    // (get() throws), never taken for "not set".
    const configured =
      (runtime === null ? settings.get('storage-driver') : settings.peek('storage-driver'))?.value ?? null;
    // The release the daemon runs (or --docker.release), else the one whose rules apply: the newest known.
    const release = facts.exporter.dockerRelease ?? runningVersion(facts) ?? dockerd.release.tag;
    const observed = { runtime, configured, release };
    const removed = compareVersions(parseVersion(release) ?? [0, 0, 0], [25, 0, 0]) >= 0;
    if (runtime === 'devicemapper')
      return fail('the daemon uses the devicemapper storage driver', observed, 'not devicemapper', [
        'storage-driver',
      ]);
    if (configured === 'devicemapper') {
      const why = removed
        ? `; dockerd ${release} has no devicemapper driver (removed in 25.0) and will not start with it`
        : '';
      return fail(`storage-driver is set to devicemapper${why}`, observed, 'not devicemapper', [
        'storage-driver',
      ]);
    }
    if (runtime !== null)
      return pass(`the daemon uses the ${runtime || 'unknown'} storage driver`, observed, 'not devicemapper');
    if (!facts.daemonConfig.ok && !facts.dockerd.ok)
      throw new ControlError('neither the running daemon nor its configuration can be seen');
    return pass(
      `storage-driver is ${configured === null ? 'not set (overlay2 on supported systems)' : JSON.stringify(configured)}; the running driver is unknown (Docker API unavailable)`,
      observed,
      'not devicemapper',
    );
  },
});

export const baseDeviceSize = defineControl({
  id: 'base_device_size',
  cis: { '1.6.0': '2.11' },
  section: 'daemon_configuration',
  title: 'The base device size is not changed until needed',
  severity: 'low',
  remediation:
    'Remove dm.basesize from "storage-opts" in daemon.json (and --storage-opt) unless a reviewed need exists.',
  requires: ['daemon_config'],
  evaluate({ settings }) {
    const opts = settings.list('storage-opts').value;
    const hit = opts.filter((o) => /^dm\.basesize\s*=/.test(o));
    const observed = { configured: opts };
    return hit.length > 0
      ? fail(`storage option ${hit.join(', ')} is set`, observed, 'dm.basesize unset', ['storage-opts'])
      : pass('dm.basesize is not set', observed, 'dm.basesize unset');
  },
});
