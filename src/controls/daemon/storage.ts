// The storage driver and its options.

import { defineControl } from '../define.js';
import { apiOf, fail, pass } from '../support.js';

const DEPRECATED_DRIVERS = new Set(['aufs', 'devicemapper']);

export const storageDriver = defineControl({
  id: 'storage_driver',
  cis: { '1.6.0': '2.6' },
  section: 'daemon_configuration',
  title: 'The aufs and devicemapper storage drivers are not used',
  severity: 'low',
  remediation:
    'Move to overlay2: set "storage-driver": "overlay2" in daemon.json, migrate images and restart dockerd.',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const driver = apiOf(facts).info.driver;
    const observed = { runtime: driver, configured: settings.peek('storage-driver')?.value ?? null };
    return DEPRECATED_DRIVERS.has(driver)
      ? fail(
          `the daemon uses the ${driver} storage driver`,
          observed,
          'overlay2 or another supported driver',
          ['storage-driver'],
        )
      : pass(
          `the daemon uses the ${driver || 'unknown'} storage driver`,
          observed,
          'not aufs or devicemapper',
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
