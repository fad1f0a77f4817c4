// The waiver policy in force: loaded from --waivers.file at start (a bad file stops the exporter there), then
// watched like daemon.json and reloaded on every change. A reload that fails keeps the last good policy, says
// so once in the log and in dockersec_waivers_last_reload_successful; a policy is only ever replaced whole.
// A timer wakes the monitor when a waiver enters its warning period or expires, so those states change
// without any edit or event.
import { resolve } from 'node:path';
import type { ControlDefinition } from '../controls/types.js';
import type { Logger } from '../log.js';
import { nextWaiverTransition } from '../policy/apply.js';
import { parseWaivers, WaiverFileError } from '../policy/parseWaivers.js';
import type { WaiverSettings } from '../policy/waivers.js';
import { ConfigWatcher } from '../sources/configWatcher.js';
import { readWaiversFile } from '../sources/waiversFile.js';

export { WaiverFileError };

export interface WaiverPolicyOptions {
  readonly file: string;
  readonly catalog: readonly ControlDefinition[];
  /** --waivers.max-duration */
  readonly maxDurationMs: number;
  /** --waivers.expiry-warning */
  readonly expiryWarningMs: number;
  readonly now?: () => number;
}

/** Reads, parses and validates the file: the whole policy or a WaiverFileError of one line. */
export async function loadWaiverPolicy(opts: WaiverPolicyOptions): Promise<WaiverSettings> {
  return (await readPolicy(opts)).settings;
}

async function readPolicy(opts: WaiverPolicyOptions): Promise<{ settings: WaiverSettings; text: string }> {
  const read = await readWaiversFile(opts.file);
  if (!read.ok) throw new WaiverFileError(read.error);
  const policy = parseWaivers(read.text, {
    file: opts.file,
    controls: opts.catalog,
    now: (opts.now ?? Date.now)(),
    maxDurationMs: opts.maxDurationMs,
  });
  return { settings: { policy, expiryWarningMs: opts.expiryWarningMs }, text: read.text };
}

/** Editors write in bursts (truncate, write, rename): reload once after the burst. */
const RELOAD_DEBOUNCE_MS = 50;
/** A timer never waits longer than this before looking again (a clock that jumps, setTimeout's 24.8-day limit). */
const MAX_TIMER_MS = 3_600_000;
/** Wake a little after the transition, so `now` is certainly past it. */
const TIMER_MARGIN_MS = 10;

export type WaiverTrigger = 'waivers_change' | 'waiver_expiry';

export class WaiverPolicySource {
  /** Whether the last (re)load succeeded; the previous policy stays in force otherwise. */
  lastReloadSuccessful = true;
  /** Unix time (s) of the last successful load. */
  lastSuccessSeconds: number;
  private settings: WaiverSettings;
  private watcher: ConfigWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private transition: NodeJS.Timeout | null = null;
  private reloading: Promise<boolean> = Promise.resolve(true);
  private lastLoggedError: string | null = null;
  private closed = false;
  private readonly now: () => number;

  private constructor(
    private readonly opts: WaiverPolicyOptions,
    private readonly logger: Logger,
    first: { settings: WaiverSettings; text: string },
    private text: string = first.text,
  ) {
    this.now = opts.now ?? Date.now;
    this.settings = first.settings;
    this.lastSuccessSeconds = this.now() / 1000;
  }

  /** The first load: a file that cannot be read or is not accepted throws, and the exporter does not start. */
  static async load(opts: WaiverPolicyOptions, logger: Logger): Promise<WaiverPolicySource> {
    const first = await readPolicy(opts);
    logger.info('loaded waivers', { file: opts.file, waivers: first.settings.policy.waivers.length });
    return new WaiverPolicySource(opts, logger, first);
  }

  get current(): WaiverSettings {
    return this.settings;
  }

  /** Follows the file and the waivers' expiries, calling `onChange` whenever the verdicts should be judged again. */
  async watch(onChange: (why: WaiverTrigger) => void): Promise<void> {
    this.onChange = onChange;
    // chokidar reports absolute paths for an absolute watch: a relative --waivers.file is watched resolved.
    this.watcher = new ConfigWatcher(
      resolve(this.opts.file),
      () => {
        if (this.closed) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          this.debounce = null;
          // Only a bug gets here (a bad file is a refused reload): log it, keep serving the last policy.
          this.reload().catch((e: Error) =>
            this.logger.error('reloading the waivers file failed', { err: e.stack ?? String(e) }),
          );
        }, RELOAD_DEBOUNCE_MS);
      },
      (err) =>
        this.logger.warn('watching the waivers file failed', { file: this.opts.file, err: err.message }),
    );
    await this.watcher.target();
    this.scheduleTransition();
    // An edit saved between the first load and the watch being in place is not lost.
    await this.reload();
  }

  private onChange: (why: WaiverTrigger) => void = () => {};

  /** Reads the file again; true when the new policy is in force. Reloads run one at a time. */
  reload(): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      if (this.closed) return false;
      try {
        const next = await readPolicy(this.opts);
        // Watchers report one save several times: the same text in force already changes nothing.
        if (next.text === this.text && this.lastReloadSuccessful) return true;
        this.settings = next.settings;
        this.text = next.text;
      } catch (e) {
        if (!(e instanceof WaiverFileError)) throw e;
        this.lastReloadSuccessful = false;
        // An editor's save can fire several events: say it once per distinct problem.
        if (e.message !== this.lastLoggedError) {
          this.logger.error('reloading the waivers file failed; keeping the last good policy', {
            err: e.message,
          });
          this.lastLoggedError = e.message;
        }
        return false;
      }
      this.lastReloadSuccessful = true;
      this.lastSuccessSeconds = this.now() / 1000;
      this.lastLoggedError = null;
      this.logger.info('reloaded waivers', {
        file: this.opts.file,
        waivers: this.settings.policy.waivers.length,
      });
      this.scheduleTransition();
      this.onChange('waivers_change');
      return true;
    };
    this.reloading = this.reloading.then(run, run);
    return this.reloading;
  }

  private scheduleTransition(): void {
    if (this.transition) clearTimeout(this.transition);
    this.transition = null;
    if (this.closed) return;
    const now = this.now();
    const next = nextWaiverTransition(this.settings, now);
    if (next === null) return;
    const due = next - now <= MAX_TIMER_MS;
    this.transition = setTimeout(
      () => {
        this.transition = null;
        if (due) this.onChange('waiver_expiry');
        this.scheduleTransition();
      },
      Math.min(next - now + TIMER_MARGIN_MS, MAX_TIMER_MS),
    );
    this.transition.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.debounce) clearTimeout(this.debounce);
    if (this.transition) clearTimeout(this.transition);
    await this.watcher?.close();
    // Only waits for a reload in flight to settle; how it ended was logged by whoever started it.
    await this.reloading.catch(() => undefined);
  }
}
