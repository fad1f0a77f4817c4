// Starting and stopping the real daemons the bundle tests talk to, on loopback only.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { getFreePort } from '../../support/ports.js';
import { waitFor } from '../../support/wait.js';

export { getFreePort as freePort } from '../../support/ports.js';
export { sleep, waitFor } from '../../support/wait.js';

export interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function startDaemon(name: string, cmd: string, args: readonly string[]): Daemon {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Resolves once `url` answers 200, failing early when the process dies. */
export async function waitReady(daemon: Daemon, url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${daemon.name} at ${url}`,
    async () => {
      if (daemon.child.exitCode !== null) throw new Error(`${daemon.name} exited:\n${daemon.log()}`);
      const r = await fetch(url).catch(() => null);
      return r?.ok ? true : undefined;
    },
    timeoutMs,
  );
}

export interface LoopbackServer {
  readonly url: string;
  readonly daemon: Daemon;
  stop(): Promise<void>;
}

/** Starts a server binary on a free loopback port, waits for its /-/ready, and removes `dir` when stopped. */
export async function startLoopbackServer(
  name: string,
  bin: string,
  dir: string,
  args: (port: number) => readonly string[],
): Promise<LoopbackServer> {
  const port = await getFreePort();
  const daemon = startDaemon(name, bin, args(port));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(daemon, `${url}/-/ready`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, daemon, stop };
}
