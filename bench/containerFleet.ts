// A sandboxed dockerd holding a fleet of containers for the scale benchmarks: `created` containers never
// started and `running` ones started with --init (busybox sleep). Without a bridge (--bridge=none, the sandbox
// default), running containers get --network=none, which costs dockerd no veth or iptables work per container.
// Run alone it holds a fleet for manual profiling until Ctrl-C:
//   npx tsx bench/containerFleet.ts [--created 900] [--running 100]
// and prints the DOCKER_HOST to point the exporter at.
import { type SandboxDaemon, startDaemon } from '../test/support/dockerd.js';

/** Runs `work` over `items`, `limit` at a time. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function api(daemon: SandboxDaemon, method: string, path: string, body?: unknown) {
  const res = await daemon.request(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.body}`);
  return res;
}

/** What `docker run -d --init --network=none busybox sleep 1d` sends, minus the CLI. */
export const SPEC = {
  Image: 'busybox',
  Cmd: ['sleep', '1d'],
  HostConfig: { Init: true, NetworkMode: 'none' },
};

/** Creates (and starts, when `start`) `n` containers named prefix0..prefixN-1, 8 requests in flight. */
export async function createContainers(
  daemon: SandboxDaemon,
  prefix: string,
  n: number,
  start: boolean,
  from = 0,
): Promise<void> {
  await pool(
    Array.from({ length: n }, (_, i) => `${prefix}${from + i}`),
    8,
    async (name) => {
      await api(daemon, 'POST', `/containers/create?name=${name}`, SPEC);
      if (start) await api(daemon, 'POST', `/containers/${name}/start`);
    },
  );
}

export interface Fleet {
  readonly daemon: SandboxDaemon;
  readonly version: string;
  /** Adds created containers up to `created` (never removes). */
  grow(created: number): Promise<void>;
}

/** A sandboxed dockerd (no bridge) with `running` running and `created` created containers. */
export async function startFleet(running: number, created: number): Promise<Fleet> {
  const daemon = await startDaemon({ config: {} });
  try {
    await daemon.importBusybox();
    const version = (JSON.parse((await api(daemon, 'GET', '/version')).body) as { Version: string }).Version;
    await createContainers(daemon, 'run', running, true);
    let have = 0;
    const grow = async (n: number) => {
      if (n <= have) return;
      await createContainers(daemon, 'created', n - have, false, have);
      have = n;
    };
    await grow(created);
    return { daemon, version, grow };
  } catch (e) {
    await daemon.destroy();
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const t = performance.now();
  const fleet = await startFleet(arg('running', 100), arg('created', 900));
  console.log(
    `dockerd ${fleet.version} ready in ${((performance.now() - t) / 1000).toFixed(0)} s: DOCKER_HOST=${fleet.daemon.host}`,
  );
  const stop = () => void fleet.daemon.destroy().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => {}, 1 << 30);
}
