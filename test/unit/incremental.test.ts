// Incremental evaluation gives exactly the results of a full one: random sequences of changes (daemon.json
// edits, dockerd flags, API answers, container events, host and exposure changes, sources failing and coming
// back) applied the way the collector applies them (an unchanged source keeps its object, an unchanged
// container keeps its facts object), each snapshot evaluated both ways and compared whole.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { CATALOG } from '../../src/controls/catalog.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { IncrementalEvaluator } from '../../src/evaluation/incremental.js';
import type { ContainerFacts } from '../../src/facts/containers.js';
import type { Facts } from '../../src/facts/types.js';
import { compliantContainer, makeContainer } from '../support/containerFacts.js';
import { type FactsOverrides, makeFacts } from '../support/facts.js';

/** Seeded, so a failure can be replayed (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONFIGS: (Record<string, unknown> | string | undefined)[] = [
  undefined,
  {},
  { icc: false, 'no-new-privileges': true, 'userns-remap': 'default' },
  { 'live-restore': true, 'log-driver': 'syslog', ip: '127.0.0.1' },
  { hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375'] },
  { hosts: ['unix:///run/other.sock'], 'no-new-privileges': false, userland_proxy: false },
  { 'seccomp-profile': 'unconfined', 'default-ulimits': { nofile: { Name: 'nofile', Hard: 64, Soft: 64 } } },
  '{ "icc": false, ',
  { 'no-new-privileges': true, tlsverify: true, tlscacert: '/etc/docker/ca.pem' },
];
const ARGS = [
  undefined,
  ['-H', 'fd://', '--containerd=/run/containerd/containerd.sock', '--no-new-privileges'],
  ['-H', 'fd://', '--icc=false', '--userns-remap=default'],
];
const SECURITY_OPTIONS = [
  ['name=seccomp,profile=default'],
  ['name=seccomp,profile=default', 'name=userns', 'name=no-new-privileges'],
  ['name=apparmor', 'name=seccomp,profile=default', 'name=rootless'],
  [],
];
const VERSIONS = ['20.10.24', '24.0.7', '27.3.1'];

const CONTAINER_CHANGES: ((c: ContainerFacts) => Partial<ContainerFacts>)[] = [
  () => ({ privileged: true }),
  () => ({ user: 'root' }),
  () => ({ user: '1000' }),
  () => ({ usernsMode: 'host' }),
  () => ({ sshd: true }),
  () => ({ sshd: null, processListError: 'top failed' }),
  () => ({ state: 'created', sshd: false }),
  () => ({ noNewPrivsProc: true }),
  () => ({ securityOpt: ['seccomp=unconfined', 'apparmor=unconfined'] }),
  () => ({ ports: [{ containerPort: '80/tcp', hostIp: '', hostPort: '80' }] }),
  () => ({ mounts: [bindMount('/var/run/docker.sock', '/run/docker.sock')] }),
  () => ({ mounts: [bindMount('/run/other.sock', '/run/other.sock')] }),
  () => ({ networkMode: 'host', networks: [] }),
  () => ({ memory: 1 << 26, pidsLimit: 100 }),
  () => ({ capAdd: ['SYS_ADMIN'] }),
  (c) => ({ name: `${c.name}x` }),
];

function bindMount(source: string, hostPath: string): ContainerFacts['mounts'][number] {
  return { type: 'bind', source, destination: '/sock', rw: true, propagation: 'rprivate', hostPath };
}

/** The next snapshot as the collector builds it: objects of what did not change are the previous ones. */
function collect(prev: Facts | null, state: FactsOverrides, at: number): Facts {
  const next = { ...makeFacts(state), collectedAt: at } as Record<string, unknown>;
  if (!prev) return next as unknown as Facts;
  const old = prev as unknown as Record<string, unknown>;
  for (const k of Object.keys(next)) {
    if (k === 'collectedAt') continue;
    if (k === 'containers' && !isDeepStrictEqual(old[k], next[k])) {
      // A new inventory snapshot; containers the event did not touch are the same objects.
      const was = prev.containers.ok ? new Map(prev.containers.value.containers.map((c) => [c.id, c])) : null;
      const now = next.containers as Facts['containers'];
      if (was && now.ok) {
        next.containers = {
          ...now,
          value: {
            ...now.value,
            containers: now.value.containers.map((c) => {
              const same = was.get(c.id);
              return same && isDeepStrictEqual(same, c) ? same : c;
            }),
          },
        };
      }
      continue;
    }
    if (isDeepStrictEqual(old[k], next[k])) next[k] = old[k];
  }
  return next as unknown as Facts;
}

function runSequence(seed: number, steps: number): { rerun: number; total: number } {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  let containers: ContainerFacts[] = Array.from({ length: 12 }, (_, i) =>
    i % 3 === 0 ? compliantContainer({ name: `ok${i}` }) : makeContainer({ name: `c${i}` }),
  );
  const state: FactsOverrides = { containers };
  const incremental = new IncrementalEvaluator(CATALOG);
  let prev: Facts | null = null;
  let rerun = 0;
  for (let step = 0; step < steps; step++) {
    const what = Math.floor(random() * 10);
    if (what <= 3) {
      // A container event: one container changes, appears or goes.
      const r = random();
      if (r < 0.15) containers = [...containers, makeContainer({ name: `n${step}` })];
      else if (r < 0.25 && containers.length > 0) containers = containers.filter((_, i) => i !== 0);
      else if (containers.length > 0) {
        const i = Math.floor(random() * containers.length);
        const c = containers[i]!;
        containers = containers.map((x, j) => (j === i ? { ...c, ...pick(CONTAINER_CHANGES)(c) } : x));
      }
      state.containers = [...containers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } else if (what === 4) state.config = pick(CONFIGS);
    else if (what === 5) state.args = pick(ARGS);
    else if (what === 6) {
      state.version = pick(VERSIONS);
      state.info = { securityOptions: pick(SECURITY_OPTIONS) };
    } else if (what === 7) {
      const r = random();
      state.apiDown = r < 0.2;
      state.containersDown =
        r > 0.85 ? 'container inventory out of date: docker events stream ended' : undefined;
      state.hostDown = random() < 0.1;
    } else if (what === 8) {
      state.host = { apparmorSupported: random() < 0.5, selinuxSupported: random() < 0.3 };
      state.bridge =
        random() < 0.5
          ? { exists: true, options: { 'com.docker.network.bridge.host_binding_ipv4': '127.0.0.1' } }
          : undefined;
    } else {
      state.daemonSockets = pick([
        undefined,
        [{ path: '/run/other.sock', hostPath: '/run/other.sock', exporter: false }],
      ]);
      state.socket = pick([undefined, { mode: 0o666 }, null]);
    }
    // Sometimes a source is read again with the same content: a new object, same value.
    const facts = collect(random() < 0.2 ? null : prev, state, 1_700_000_000_000 + step * 1000);
    const now = () => 1_700_000_000_000 + step;
    const full = evaluate(facts, CATALOG, now);
    const inc = incremental.evaluate(facts, now);
    rerun += incremental.lastStats.rerun;
    const strip = (e: typeof full) => ({ ...e, durationSeconds: 0 });
    assert.deepStrictEqual(strip(inc), strip(full), `seed ${seed}, step ${step}`);
    prev = facts;
  }
  return { rerun, total: steps * CATALOG.length };
}

describe('incremental evaluation', () => {
  test('equals a full evaluation after random sequences of changes', () => {
    let rerun = 0;
    let total = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = runSequence(seed, 40);
      rerun += r.rerun;
      total += r.total;
    }
    // It is incremental at all: most controls keep their result from one change to the next.
    assert.ok(rerun < total / 2, `re-ran ${rerun} of ${total} control runs`);
  });

  test('a container event re-judges that container only', () => {
    const containers = Array.from({ length: 50 }, (_, i) =>
      makeContainer({ name: `c${String(i).padStart(2, '0')}` }),
    );
    const incremental = new IncrementalEvaluator(CATALOG);
    const first = collect(null, { containers }, 1);
    incremental.evaluate(first);
    const changed = containers.map((c, i) => (i === 7 ? { ...c, privileged: true } : c));
    const second = collect(first, { containers: changed }, 2);
    let judged = 0;
    // Count rule checks: only the changed container's facts object is new.
    const seen = new Set<ContainerFacts>();
    const handler: ProxyHandler<ContainerFacts> = {
      get(t, p, r) {
        seen.add(t);
        return Reflect.get(t, p, r);
      },
    };
    const inv = second.containers.ok ? second.containers.value : null;
    assert.ok(inv);
    const wrapped = inv.containers.map((c) => (c === changed[7] ? new Proxy(c, handler) : c));
    const facts = { ...second, containers: { ok: true as const, value: { ...inv, containers: wrapped } } };
    const result = incremental.evaluate(facts as Facts);
    judged = seen.size;
    assert.equal(judged, 1);
    assert.deepStrictEqual(
      { ...result, durationSeconds: 0, generatedAt: 0 },
      { ...evaluate(facts as Facts, CATALOG), durationSeconds: 0, generatedAt: 0 },
    );
    // And a daemon.json edit that moves nothing a runtime rule reads re-runs no container check.
    const third = collect(facts as Facts, { containers: changed, config: { 'log-driver': 'syslog' } }, 3);
    incremental.evaluate(third);
    assert.ok(incremental.lastStats.rerun < CATALOG.length);
  });
});
