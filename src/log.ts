// A small leveled logger in the Prometheus style: logfmt (default) or json, to stderr.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

function logfmtValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=\\]/.test(s ?? '') || s === '' ? JSON.stringify(s) : String(s);
}

export function createLogger(
  level: LogLevel = 'info',
  format: LogFormat = 'logfmt',
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Logger {
  const log = (lvl: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const record = { ts: new Date().toISOString(), level: lvl, msg, ...fields };
    write(
      format === 'json'
        ? JSON.stringify(record)
        : Object.entries(record)
            .map(([k, v]) => `${k}=${logfmtValue(v)}`)
            .join(' '),
    );
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A logger whose lines wait until `release()` (then written in order, and later ones at once) or are dropped by
 * `discard()`. `serve` runs its first evaluation while it starts to listen: what that evaluation logs is only
 * news once the exporter serves, and a flag that stops it must stay the one line on stderr.
 */
export function heldLogger(target: Logger): Logger & { release(): void; discard(): void } {
  let held: [LogLevel, string, Record<string, unknown> | undefined][] | null = [];
  const log = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (held) held.push([lvl, msg, fields]);
    else target[lvl](msg, fields);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    release() {
      const lines = held ?? [];
      held = null;
      for (const [lvl, msg, fields] of lines) target[lvl](msg, fields);
    },
    discard() {
      if (held) held.length = 0;
    },
  };
}
