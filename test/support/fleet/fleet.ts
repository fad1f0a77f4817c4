// The simulated fleet: N sandboxed dockerd hosts, each in its own network namespace with its own
// daemon.json, one exporter per host on a loopback port of the root namespace (reaching its dockerd
// through the unix socket), one Prometheus agent per site remote-writing to one central Prometheus that
// evaluates the bundle's rules. stop() tears everything down, and so does an exit or a signal midway.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningExporter, startExporterProcess } from '../../bundle/support/exporterProcess.js';
import type { LoopbackServer } from '../../bundle/support/processes.js';
import { buildBusyboxTar } from '../busybox.js';
import { makePki } from '../certs.js';
import { isAlive, mountsUnder, netnsExists, netnsNameFor, sandboxProcesses } from '../cleanup.js';
import { createDaemon, type SandboxDaemon } from '../dockerd.js';
import { addressPlan, unwire, wireNamespace } from './network.js';
import { FLEET_CERT_DAYS, PROFILE_DEFS, type ProfileName } from './profiles.js';
import { type CentralPrometheus, startAgent, startCentral } from './prometheus.js';

export const FLEET_JOB = 'dockersec';

export interface FleetOptions {
  readonly profiles: readonly ProfileName[];
  /** Hosts per Prometheus agent ("site"). */
  readonly hostsPerSite: number;
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  /** The rule file the central Prometheus loads. */
  readonly rules: string;
  /** How many hosts start at once (dockerd starts are CPU-bound). */
  readonly startConcurrency?: number;
  readonly log?: (message: string) => void;
}

export interface FleetHost {
  readonly index: number;
  /** Its `instance` label. */
  readonly instance: string;
  readonly profile: ProfileName;
  readonly site: string;
  readonly daemon: SandboxDaemon;
  readonly exporter: RunningExporter;
  readonly ip: string;
}

export interface Fleet {
  readonly hosts: readonly FleetHost[];
  readonly sites: readonly { readonly name: string; readonly agent: LoopbackServer }[];
  readonly central: CentralPrometheus;
  /** Central RSS right after it started, before any sample arrived. */
  readonly centralBaselineRss: number;
  readonly startSeconds: number;
  stop(): Promise<void>;
  /** After stop(): what is still there (processes, namespaces, veth links, folders); empty when all is gone. */
  leftovers(): string[];
}

/** A fleet that failed to start, torn down again; `leftovers` is what that teardown left (nothing, normally). */
export class FleetStartError extends Error {
  constructor(
    readonly reason: unknown,
    readonly leftovers: readonly string[],
  ) {
    super(`the fleet did not start: ${reason instanceof Error ? reason.message : String(reason)}`, {
      cause: reason,
    });
  }
}

/** Everything started so far, for the teardown of a failed start, an exit or a signal. */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<void>; pid?: () => number | undefined }[] = [];
  private readonly hosts: { instance: string; index: number; dir: string }[] = [];
  private done: Promise<void> | null = null;
  private readonly onExit = (): void => this.killSync();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`fleet: ${signal}, tearing down\n`);
    void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };

  constructor(readonly dir: string) {
    process.on('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  add(name: string, run: () => Promise<void>, pid?: () => number | undefined): void {
    this.steps.push({ name, run, ...(pid ? { pid } : {}) });
  }

  /** A host's sandbox, to look for after the teardown. */
  addHost(host: { readonly instance: string; readonly index: number; readonly dir: string }): void {
    this.hosts.push(host);
  }

  /** What is still there after run(): processes, sandboxes, namespaces, veth links, mounts, folders. */
  leftovers(): string[] {
    const out: string[] = [];
    if (existsSync(this.dir)) out.push(`folder ${this.dir}`);
    for (const step of this.steps) {
      const pid = step.pid?.();
      if (pid !== undefined && pid > 1 && isAlive(pid)) out.push(`${step.name} (pid ${pid})`);
    }
    for (const h of this.hosts) {
      if (existsSync(h.dir)) out.push(`sandbox ${h.dir} of ${h.instance}`);
      const netns = netnsNameFor(h.dir);
      if (netnsExists(netns)) out.push(`network namespace ${netns} of ${h.instance}`);
      if (existsSync(`/sys/class/net/${addressPlan(h.index).link}`)) out.push(`veth of ${h.instance}`);
      const processes = sandboxProcesses(h.dir);
      if (processes.length > 0) out.push(`processes ${processes.join(', ')} of ${h.instance}`);
      if (mountsUnder(h.dir).length > 0) out.push(`mounts under ${h.dir}`);
    }
    return out;
  }

  /** In reverse order of start; one failing step does not stop the others. */
  run(): Promise<void> {
    this.done ??= (async () => {
      const errors: string[] = [];
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (e) {
          errors.push(`${step.name}: ${(e as Error).message}`);
        }
      }
      rmSync(this.dir, { recursive: true, force: true });
      process.off('exit', this.onExit);
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      if (errors.length > 0) throw new Error(`fleet teardown: ${errors.join('; ')}`);
    })();
    return this.done;
  }

  /** Process exit without stop(): no awaiting possible, so kill what runs (the dockerd harness reaps its own). */
  private killSync(): void {
    for (const step of this.steps) {
      const pid = step.pid?.();
      if (pid !== undefined && pid > 1) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `f` over `items`, `size` at a time. Every call of a batch settles before a failure is thrown, so the
 * teardown sees everything the other calls started.
 */
async function inBatches<T, R>(items: readonly T[], size: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    const settled = await Promise.allSettled(items.slice(i, i + size).map(f));
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      out.push(s.value);
    }
  }
  return out;
}

const siteName = (i: number): string => `site-${String.fromCharCode(97 + i)}`;

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const started = performance.now();
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'dockersec-fleet-'));
  const teardown = new Teardown(dir);
  try {
    const central = await startCentral(join(dir, 'central'), {
      rules: opts.rules,
      evaluationInterval: opts.evaluationInterval,
    });
    teardown.add(
      'central prometheus',
      () => central.stop(),
      () => central.daemon.child.pid,
    );
    const centralBaselineRss = central.rssBytes();
    log(`central Prometheus at ${central.url}`);

    const busyboxTar = await buildBusyboxTar(join(dir, 'busybox.tar'));
    const needsTls = opts.profiles.some((p) => PROFILE_DEFS[p].needsTls);

    const startHost = async (index: number): Promise<FleetHost> => {
      const profile = PROFILE_DEFS[opts.profiles[index]!];
      const instance = `host${index + 1}-${profile.name}`;
      const site = siteName(Math.floor(index / opts.hostsPerSite));
      const daemon = await createDaemon({ bridge: true, hostNetwork: false, startTimeoutMs: 180_000 });
      teardown.addHost({ instance, index, dir: daemon.dir });
      teardown.add(`dockerd of ${instance}`, async () => {
        await daemon.destroy();
        unwire(index);
      });
      const address = wireNamespace(netnsNameFor(daemon.dir), index);
      let tls = null;
      if (profile.needsTls) {
        const pkiDir = join(dir, `pki-${index}`);
        mkdirSync(pkiDir);
        const pki = await makePki({ dir: pkiDir, days: FLEET_CERT_DAYS, serverNames: [address.ip] });
        // Modes CIS 3.10, 3.12 and 3.14 ask for: this host fails only the certificates' expiry.
        chmodSync(pki.caCert, 0o444);
        chmodSync(pki.serverCert, 0o444);
        chmodSync(pki.serverKey, 0o400);
        tls = { caCert: pki.caCert, serverCert: pki.serverCert, serverKey: pki.serverKey };
      }
      const ctx = { daemon, address, tls, busyboxTar };
      await daemon.writeConfig(profile.config(ctx));
      await daemon.start();
      await profile.after?.(ctx);
      const exporter = await startExporterProcess([
        `--docker.host=unix://${daemon.socketPath}`,
        `--docker.config-file=${daemon.configPath}`,
        '--log.level=warn',
      ]);
      teardown.add(
        `exporter of ${instance}`,
        () => exporter.stop(),
        () => exporter.daemon.child.pid,
      );
      log(
        `${instance}: dockerd ${daemon.pid} in netns ${daemon.netns} (${address.ip}), exporter ${exporter.address}`,
      );
      return { index, instance, profile: profile.name, site, daemon, exporter, ip: address.ip };
    };
    if (needsTls) log('making the TLS host certificates');
    const indexes = opts.profiles.map((_, i) => i);
    const hosts = await inBatches(indexes, opts.startConcurrency ?? 3, startHost);

    const siteNames = [...new Set(hosts.map((h) => h.site))];
    const sites = await Promise.all(
      siteNames.map(async (name) => {
        const agent = await startAgent(join(dir, `agent-${name}`), {
          site: name,
          job: FLEET_JOB,
          centralUrl: central.url,
          scrapeInterval: opts.scrapeInterval,
          targets: hosts
            .filter((h) => h.site === name)
            .map((h) => ({ address: h.exporter.address, instance: h.instance })),
        });
        teardown.add(
          `agent ${name}`,
          () => agent.stop(),
          () => agent.daemon.child.pid,
        );
        return { name, agent };
      }),
    );
    log(`${sites.length} agents remote-writing to the central Prometheus`);
    return {
      hosts,
      sites,
      central,
      centralBaselineRss,
      startSeconds: (performance.now() - started) / 1000,
      stop: () => teardown.run(),
      leftovers: () => teardown.leftovers(),
    };
  } catch (e) {
    await teardown.run().catch((t: Error) => log(t.message));
    throw new FleetStartError(e, teardown.leftovers());
  }
}
