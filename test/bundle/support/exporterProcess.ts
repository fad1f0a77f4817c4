// The built exporter (dist/cli.js) as a real process, the way an operator runs it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './paths.js';
import { type Daemon, freePort, startDaemon, waitReady } from './processes.js';

export const DIST_CLI = join(REPO, 'dist', 'cli.js');

export const distMissingReason = (): string | false =>
  existsSync(DIST_CLI) ? false : 'dist/cli.js is missing: run `npm run build` first';

export interface RunningExporter {
  /** host:port, as Prometheus targets it. */
  readonly address: string;
  readonly daemon: Daemon;
  metricsText(): Promise<string>;
  stop(): Promise<void>;
}

export async function startExporterProcess(flags: readonly string[]): Promise<RunningExporter> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const daemon = startDaemon('dockersec-exporter', process.execPath, [
    DIST_CLI,
    `--web.listen-address=${address}`,
    ...flags,
  ]);
  try {
    await waitReady(daemon, `http://${address}/metrics`);
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  return {
    address,
    daemon,
    async metricsText() {
      const r = await fetch(`http://${address}/metrics`);
      if (!r.ok) throw new Error(`GET /metrics: ${r.status}`);
      return r.text();
    },
    stop: () => daemon.stop(),
  };
}

/** Metric family names in an exposition: from `# TYPE` lines and from the samples themselves. */
export function exposedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) /.exec(line);
    if (type) names.add(type[1]!);
    else if (line && !line.startsWith('#')) names.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]);
  }
  return names;
}
