// The configured daemon settings: daemon.json merged with dockerd's flags, with where each value came from.
import { type ParsedDockerdArgs, parseDockerdArgs, parseFlagBool } from '../facts/dockerd/flags.js';
import { type DockerdRelease, releaseFor } from '../facts/dockerd/releases.js';
import type { Facts } from '../facts/types.js';
import { UndecidableError } from './errors.js';

export type Origin = 'file' | 'flag' | 'default';

export interface Setting<T> {
  readonly value: T;
  readonly origin: Origin;
}

/** Thrown when a configured value cannot be known; the evaluator turns it into an `error` verdict. */
export class ConfigUnknownError extends UndecidableError {}

export interface DaemonSettingsInput {
  /** The decoded daemon.json, or null when it could not be decoded. */
  readonly file: Readonly<Record<string, unknown>> | null;
  readonly fileProblem: string | null;
  /** dockerd's parsed flags, or null when its command line is unknown. */
  readonly flags: ParsedDockerdArgs | null;
  readonly flagsProblem: string | null;
  readonly release: DockerdRelease;
}

function flagValue(type: string, values: readonly string[]): unknown {
  const last = values[values.length - 1]!;
  if (type === 'bool') return parseFlagBool(last) ?? last;
  if (type === 'integer') return Number.isFinite(Number(last)) ? Number(last) : last;
  if (type.startsWith('array')) return [...values];
  if (type.startsWith('object: name -> {Name')) {
    // --default-ulimit nofile=1024:2048
    const out: Record<string, unknown> = {};
    for (const v of values) {
      const [name = '', limits = ''] = v.split('=', 2);
      const [soft, hard] = limits.split(':');
      out[name] = { Name: name, Soft: Number(soft), Hard: Number(hard ?? soft) };
    }
    return out;
  }
  if (type.startsWith('object')) {
    const out: Record<string, unknown> = {};
    for (const v of values) {
      const eq = v.indexOf('=');
      if (eq > 0) out[v.slice(0, eq)] = v.slice(eq + 1);
    }
    return out;
  }
  return last;
}

export class DaemonSettings {
  readonly file: Readonly<Record<string, unknown>> | null;
  readonly fileProblem: string | null;
  readonly flags: ParsedDockerdArgs | null;
  readonly flagsProblem: string | null;
  readonly release: DockerdRelease;
  private readonly flagValues = new Map<string, unknown>();

  constructor(input: DaemonSettingsInput) {
    this.file = input.file;
    this.fileProblem = input.fileProblem;
    this.flags = input.flags;
    this.flagsProblem = input.flagsProblem;
    this.release = input.release;
    const grouped = new Map<string, { type: string; values: string[] }>();
    for (const o of input.flags?.occurrences ?? []) {
      const type = this.release.flags.get(o.flag)?.type ?? 'string';
      const g = grouped.get(o.key) ?? { type, values: [] };
      g.values.push(o.value);
      grouped.set(o.key, g);
    }
    for (const [key, g] of grouped) this.flagValues.set(key, flagValue(g.type, g.values));
  }

  /** A short note for reasons when one of the configuration sources is missing. */
  get caveat(): string | null {
    return this.flagsProblem ? `dockerd flags unknown (${this.flagsProblem})` : null;
  }

  private requireFile(): Readonly<Record<string, unknown>> {
    if (!this.file) throw new ConfigUnknownError(this.fileProblem ?? 'daemon.json could not be read');
    return this.file;
  }

  /** The configured value of a key, or undefined when neither the file nor a flag sets it. */
  get(key: string): Setting<unknown> | undefined {
    // A flag and a file entry for the same key is a conflict dockerd refuses at start; the flag is what ran.
    if (this.flagValues.has(key)) return { value: this.flagValues.get(key), origin: 'flag' };
    const file = this.requireFile();
    if (Object.hasOwn(file, key)) return { value: file[key], origin: 'file' };
    return undefined;
  }

  /** Like get(), but never throws: for values only reported beside a verdict. */
  peek(key: string): Setting<unknown> | undefined {
    try {
      return this.get(key);
    } catch (err) {
      if (err instanceof UndecidableError) return undefined;
      throw err;
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  bool(key: string, fallback: boolean): Setting<boolean> {
    const s = this.get(key);
    if (!s) return { value: fallback, origin: 'default' };
    if (typeof s.value !== 'boolean') {
      throw new ConfigUnknownError(
        `"${key}" is ${JSON.stringify(s.value)} (${s.origin}); dockerd expects a boolean and would refuse it`,
      );
    }
    return { value: s.value, origin: s.origin };
  }

  string(key: string): Setting<string> | undefined {
    const s = this.get(key);
    if (!s) return undefined;
    if (typeof s.value !== 'string') {
      throw new ConfigUnknownError(
        `"${key}" is ${JSON.stringify(s.value)} (${s.origin}); dockerd expects a string and would refuse it`,
      );
    }
    return { value: s.value, origin: s.origin };
  }

  list(key: string): Setting<readonly string[]> {
    const s = this.get(key);
    if (!s) return { value: [], origin: 'default' };
    if (!Array.isArray(s.value) || s.value.some((v) => typeof v !== 'string')) {
      throw new ConfigUnknownError(
        `"${key}" is ${JSON.stringify(s.value)} (${s.origin}); dockerd expects a list of strings and would refuse it`,
      );
    }
    return { value: s.value as string[], origin: s.origin };
  }

  object(key: string): Setting<Readonly<Record<string, unknown>>> | undefined {
    const s = this.get(key);
    if (!s) return undefined;
    if (typeof s.value !== 'object' || s.value === null || Array.isArray(s.value)) {
      throw new ConfigUnknownError(
        `"${key}" is ${JSON.stringify(s.value)} (${s.origin}); dockerd expects an object and would refuse it`,
      );
    }
    return { value: s.value as Record<string, unknown>, origin: s.origin };
  }
}

/** The running dockerd's version as the API reports it; null while the API is unreachable. */
export function runningVersion(facts: Pick<Facts, 'api'>): string | null {
  const api = facts.api.ok ? facts.api.value : null;
  return api?.version.version || api?.info.serverVersion || null;
}

/** The settings dockerd runs with as far as the facts show: daemon.json, its command line, its release's rules. */
export function readSettings(
  facts: Pick<Facts, 'api' | 'daemonConfig' | 'dockerd'>,
  dockerRelease?: string,
): DaemonSettings {
  const { release } = releaseFor(dockerRelease || runningVersion(facts));
  let file: DaemonSettings['file'] = null;
  let fileProblem: string | null = null;
  if (!facts.daemonConfig.ok) fileProblem = facts.daemonConfig.error;
  else if (facts.daemonConfig.value.parsed === null) {
    const e = facts.daemonConfig.value.parseError;
    fileProblem = `${facts.daemonConfig.value.path} is not valid JSON${e ? ` (line ${e.line}, column ${e.column}: ${e.message})` : ''}; configured values unknown`;
  } else file = facts.daemonConfig.value.parsed;
  return new DaemonSettings({
    file,
    fileProblem,
    flags: facts.dockerd.ok ? parseDockerdArgs(facts.dockerd.value.args, release) : null,
    flagsProblem: facts.dockerd.ok ? null : facts.dockerd.error,
    release,
  });
}
