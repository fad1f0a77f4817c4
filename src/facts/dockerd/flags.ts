// dockerd's command line read the way pflag reads it, so a flag counts exactly when dockerd would honour it.
import { posix } from 'node:path';
import { type DockerdRelease, releaseFor, SHORTHANDS } from './releases.js';

export interface FlagOccurrence {
  /** Long flag name, e.g. "icc" (shorthands resolved). */
  readonly flag: string;
  /** The daemon.json key the flag sets, e.g. "hosts" for -H. */
  readonly key: string;
  /** Raw text value; "true" for a bare boolean flag. */
  readonly value: string;
  /** As written, for messages. */
  readonly written: string;
}

export interface ParsedDockerdArgs {
  readonly occurrences: readonly FlagOccurrence[];
  readonly unknown: readonly string[];
  readonly positional: readonly string[];
}

export function parseDockerdArgs(args: readonly string[], release: DockerdRelease): ParsedDockerdArgs {
  const occurrences: FlagOccurrence[] = [];
  const unknown: string[] = [];
  const positional: string[] = [];
  const add = (flag: string, value: string, written: string) => {
    const spec = release.flags.get(flag);
    if (!spec) {
      unknown.push(written);
      return;
    }
    occurrences.push({ flag, key: spec.key, value, written });
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const spec = release.flags.get(name);
      if (eq >= 0) add(name, body.slice(eq + 1), arg);
      else if (!spec) unknown.push(arg);
      // pflag gives a bare bool flag the value true and never consumes the next word for it.
      else if (spec.isBool) add(name, 'true', arg);
      else if (i + 1 < args.length) {
        add(name, args[i + 1]!, `${arg} ${args[i + 1]}`);
        i++;
      } else unknown.push(arg);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Shorthand cluster: bool shorthands may be grouped (-D); a value shorthand takes the rest or the next word.
      let j = 1;
      while (j < arg.length) {
        const c = arg[j]!;
        const long = SHORTHANDS[c];
        const spec = long ? release.flags.get(long) : undefined;
        if (!long || !spec) {
          unknown.push(`-${c}`);
          break;
        }
        const rest = arg.slice(j + 1);
        if (rest.startsWith('=')) {
          add(long, rest.slice(1), arg);
          break;
        }
        if (spec.isBool) {
          add(long, 'true', `-${c}`);
          j++;
          continue;
        }
        if (rest.length > 0) add(long, rest, arg);
        else if (i + 1 < args.length) {
          add(long, args[i + 1]!, `${arg} ${args[i + 1]}`);
          i++;
        } else unknown.push(arg);
        break;
      }
      continue;
    }
    positional.push(arg);
  }
  return { occurrences, unknown, positional };
}

/** Parses a pflag boolean the way strconv.ParseBool does. */
export function parseFlagBool(value: string): boolean | null {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  return null;
}

/**
 * Every value dockerd's command line gives a daemon.json key, in order (the last one wins for a scalar). The
 * newest release's flags serve when the running release is not known yet: -H and --config-file never changed.
 */
export function flagValues(
  args: readonly string[],
  key: string,
  release: DockerdRelease = releaseFor(null).release,
): string[] {
  return parseDockerdArgs(args, release)
    .occurrences.filter((o) => o.key === key)
    .map((o) => o.value);
}

/** The daemon.json dockerd's --config-file names (relative to its working directory), or null for its default. */
export function dockerdConfigFile(args: readonly string[], cwd: string | null): string | null {
  const file = flagValues(args, 'config-file').at(-1);
  if (!file) return null;
  return posix.isAbsolute(file) || !cwd ? file : posix.join(cwd, file);
}
