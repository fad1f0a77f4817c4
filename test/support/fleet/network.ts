// A host of the simulated fleet lives in a network namespace of its own (its docker0 and iptables are its
// own). A veth pair gives it one address the root namespace can reach, as a real host has one on the
// network: only its TCP listeners (insecure and TLS profiles) use it, and only the exporters' exposure
// probes connect to it. The pair goes away with the namespace, which the dockerd harness deletes.
import { spawnSync } from 'node:child_process';
import { netnsExists } from '../cleanup.js';
import type { HostAddress } from './profiles.js';

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

/**
 * Addresses 10.<second>.<index>.0/30 for host `index`: the root side .1, the namespace side .2. The
 * second octet comes from the process id, so two runs at once (a test and a benchmark) do not collide.
 */
export function addressPlan(index: number, pid = process.pid): { root: string; ns: string; link: string } {
  const second = 200 + (pid % 50);
  const base = `10.${second}.${index}`;
  // Interface names are at most 15 bytes.
  return { root: `${base}.1`, ns: `${base}.2`, link: `dsf${(pid % 100_000).toString(36)}h${index}` };
}

/** Creates the namespace `netns` (if the harness has not yet) with loopback up and a veth pair into it. */
export function wireNamespace(netns: string, index: number): HostAddress {
  if (!netnsExists(netns)) ip(['netns', 'add', netns]);
  ip(['-n', netns, 'link', 'set', 'lo', 'up']);
  const plan = addressPlan(index);
  ip(['link', 'add', plan.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  ip(['addr', 'add', `${plan.root}/30`, 'dev', plan.link]);
  ip(['link', 'set', plan.link, 'up']);
  ip(['-n', netns, 'addr', 'add', `${plan.ns}/30`, 'dev', 'eth0']);
  ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
  return { ip: plan.ns };
}

/** Removes the root side of a host's veth pair (gone already when its namespace was deleted). */
export function unwire(index: number): void {
  const { link } = addressPlan(index);
  spawnSync('ip', ['link', 'delete', link], { stdio: 'ignore' });
}
