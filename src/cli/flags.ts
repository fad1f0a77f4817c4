// Flags in the Prometheus exporter style (kingpin): --name=value or --name value, --flag / --no-flag for booleans.
import { CIS_VERSIONS, type CisVersion, SEVERITIES, type Severity } from '../controls/types.js';
import type { LogFormat, LogLevel } from '../log.js';
import { wrap } from '../outputs/report/wrap.js';
import { defaultDockerHost } from '../sources/dockerApi/endpoint.js';
import { parseListenAddress } from '../web/listenAddress.js';

export class UsageError extends Error {}

type Kind = 'string' | 'bool' | 'duration';
type Group = 'docker' | 'host' | 'web' | 'logging' | 'policy' | 'report';
const GROUPS: Record<Group, string> = {
  docker: 'Docker (what is audited, and how it is reached)',
  host: 'Host (files read on the machine dockerd runs on)',
  web: 'Web (serve: listeners, /metrics)',
  logging: 'Logging',
  policy: 'Policy (what is judged, and how strictly)',
  report: 'Report (check)',
};
interface FlagDef {
  readonly name: string;
  readonly kind: Kind;
  readonly help: string;
  readonly default?: string;
  readonly choices?: readonly string[];
  readonly commands: readonly ('serve' | 'check')[];
  /** Where --help lists it. */
  readonly group: Group;
  /** What the value is, in --help (`--docker.host=URL`); booleans have none. */
  readonly placeholder?: string;
  /** May be given several times; every value is kept. */
  readonly repeatable?: boolean;
}

const BOTH = ['serve', 'check'] as const;
const FLAGS: readonly FlagDef[] = [
  {
    name: 'docker.host',
    group: 'docker',
    placeholder: 'URL',
    kind: 'string',
    help: 'Docker Engine API address (unix:///path or tcp://host:port). Default: $DOCKER_HOST, else (as a non-root user) $XDG_RUNTIME_DIR/docker.sock when that socket exists (a rootless daemon), else unix:///var/run/docker.sock.',
    commands: BOTH,
  },
  {
    name: 'docker.config-file',
    group: 'docker',
    placeholder: 'PATH',
    kind: 'string',
    help: "daemon.json to audit. Default: the running dockerd's --config-file, else /etc/docker/daemon.json (rootless: ~/.config/docker/daemon.json).",
    commands: BOTH,
  },
  {
    name: 'docker.tls',
    group: 'docker',
    kind: 'bool',
    help: 'Use TLS to reach a tcp:// Docker host (implied by the other --docker.tls-* flags or $DOCKER_TLS_VERIFY).',
    commands: BOTH,
  },
  {
    name: 'docker.tls-verify',
    group: 'docker',
    kind: 'bool',
    help: "Verify the daemon's certificate against the CA.",
    default: 'true',
    commands: BOTH,
  },
  {
    name: 'docker.tls-ca',
    group: 'docker',
    placeholder: 'PATH',
    kind: 'string',
    help: 'CA certificate for the Docker host (default $DOCKER_CERT_PATH/ca.pem with $DOCKER_TLS_VERIFY).',
    commands: BOTH,
  },
  {
    name: 'docker.tls-cert',
    group: 'docker',
    placeholder: 'PATH',
    kind: 'string',
    help: 'Client certificate for the Docker host.',
    commands: BOTH,
  },
  {
    name: 'docker.tls-key',
    group: 'docker',
    placeholder: 'PATH',
    kind: 'string',
    help: 'Client key for the Docker host.',
    commands: BOTH,
  },
  {
    name: 'docker.timeout',
    group: 'docker',
    placeholder: 'DURATION',
    kind: 'duration',
    help: 'Deadline of one Docker API request, its whole answer included.',
    default: '10s',
    commands: BOTH,
  },
  {
    name: 'host.root',
    group: 'host',
    placeholder: 'PATH',
    kind: 'string',
    help: "Where the host's / is mounted (when the exporter runs in a container).",
    default: '/',
    commands: BOTH,
  },
  {
    name: 'host.docker-socket',
    group: 'host',
    placeholder: 'PATH',
    kind: 'string',
    help: "The daemon's unix socket as the host sees it, when --docker.host reaches the daemon another way (a read-only API proxy): dockerd is identified by it, and its owner and mode are checked (CIS 3.15, 3.16). Default: --docker.host's socket.",
    commands: BOTH,
  },
  {
    name: 'host.trusted-users',
    group: 'host',
    placeholder: 'USER,...',
    kind: 'string',
    help: 'Comma-separated users allowed in the group that owns the Docker socket (CIS 1.1.2). Without it the members are listed, not judged.',
    commands: BOTH,
  },
  {
    name: 'tls.expiry-warning',
    group: 'policy',
    placeholder: 'DURATION',
    kind: 'duration',
    help: 'tls_cert_expiry fails when a daemon TLS certificate has less validity left than this.',
    default: '30d',
    commands: BOTH,
  },
  {
    name: 'log.level',
    group: 'logging',
    placeholder: 'LEVEL',
    kind: 'string',
    help: 'Log level.',
    default: 'info',
    choices: ['debug', 'info', 'warn', 'error'],
    commands: BOTH,
  },
  {
    name: 'log.format',
    group: 'logging',
    placeholder: 'FORMAT',
    kind: 'string',
    help: 'Log format.',
    default: 'logfmt',
    choices: ['logfmt', 'json'],
    commands: BOTH,
  },
  {
    name: 'web.listen-address',
    group: 'web',
    placeholder: '[HOST]:PORT',
    kind: 'string',
    help: 'Address to listen on for HTTP; repeat the flag to listen on several.',
    default: ':9612',
    commands: ['serve'],
    repeatable: true,
  },
  {
    name: 'web.systemd-socket',
    group: 'web',
    kind: 'bool',
    help: 'Use the listening sockets systemd passes (socket activation) instead of --web.listen-address.',
    commands: ['serve'],
  },
  {
    name: 'web.telemetry-path',
    group: 'web',
    placeholder: 'PATH',
    kind: 'string',
    help: 'Path under which to expose metrics.',
    default: '/metrics',
    commands: ['serve'],
  },
  {
    name: 'web.config.file',
    group: 'web',
    placeholder: 'PATH',
    kind: 'string',
    help: 'exporter-toolkit web configuration file (TLS, basic auth, headers).',
    commands: ['serve'],
  },
  {
    name: 'web.max-connections',
    group: 'web',
    placeholder: 'COUNT',
    kind: 'string',
    help: 'Most open HTTP connections; more are closed at once (one client address may hold a quarter of them).',
    default: '256',
    commands: ['serve'],
  },
  {
    name: 'web.disable-exporter-metrics',
    group: 'web',
    kind: 'bool',
    help: 'Exclude process_* and nodejs_* metrics of the exporter itself.',
    commands: ['serve'],
  },
  {
    name: 'docker.resync-interval',
    group: 'docker',
    placeholder: 'DURATION',
    kind: 'duration',
    help: 'Full re-evaluation interval, a safety net behind file watches and Docker events.',
    default: '5m',
    commands: ['serve'],
  },
  {
    name: 'files.poll-interval',
    group: 'host',
    placeholder: 'DURATION',
    kind: 'duration',
    help: 'How often to stat the socket and daemon.json for ownership/permission changes.',
    default: '2s',
    commands: ['serve'],
  },
  {
    name: 'cis.version',
    group: 'policy',
    placeholder: 'VERSION',
    kind: 'string',
    help: 'CIS Docker Benchmark version whose ids metrics (dockersec_control_info{cis}), reports and SARIF show.',
    default: CIS_VERSIONS[CIS_VERSIONS.length - 1],
    choices: CIS_VERSIONS,
    commands: BOTH,
  },
  {
    name: 'waivers.file',
    group: 'policy',
    placeholder: 'PATH',
    kind: 'string',
    help: 'YAML file of accepted exceptions (controls, reason, owner, expires, ticket, containers); hot-reloaded by serve.',
    commands: BOTH,
  },
  {
    name: 'waivers.max-duration',
    group: 'policy',
    placeholder: 'DURATION',
    kind: 'duration',
    help: 'A waiver that expires further away than this is refused.',
    default: '1y',
    commands: BOTH,
  },
  {
    name: 'waivers.expiry-warning',
    group: 'policy',
    placeholder: 'DURATION',
    kind: 'duration',
    help: 'A waiver ending within this is counted as expiring.',
    default: '14d',
    commands: BOTH,
  },
  {
    name: 'swarm.expected',
    group: 'policy',
    kind: 'bool',
    help: 'Swarm mode is meant to run on this host: an active swarm then passes swarm_mode (CIS 5.1).',
    commands: BOTH,
  },
  {
    name: 'containers.max-series',
    group: 'web',
    placeholder: 'COUNT',
    kind: 'string',
    help: 'Most dockersec_container_control_failing series per scrape; counts stay exact and dockersec_container_series_dropped_total counts the rest.',
    default: '500',
    commands: ['serve'],
  },
  {
    name: 'docker.release',
    group: 'docker',
    placeholder: 'VERSION',
    kind: 'string',
    help: "Judge daemon.json by the rules of this dockerd release (e.g. 28.5 or 26.1.5), without a daemon; the running daemon's version otherwise, else the newest release known.",
    commands: ['check'],
  },
  {
    name: 'format',
    group: 'report',
    placeholder: 'FORMAT',
    kind: 'string',
    help: 'Report format.',
    default: 'text',
    choices: ['text', 'table', 'json', 'sarif'],
    commands: ['check'],
  },
  {
    name: 'fail-on',
    group: 'policy',
    placeholder: 'SEVERITY',
    kind: 'string',
    help: 'Exit 1 when a control of this severity or higher fails (none: never).',
    default: 'low',
    choices: [...SEVERITIES, 'none'],
    commands: ['check'],
  },
  {
    name: 'controls',
    group: 'policy',
    placeholder: 'ID,...',
    kind: 'string',
    help: 'Comma-separated control ids: judge only these (with --sections: these and the sections).',
    commands: ['check'],
  },
  {
    name: 'sections',
    group: 'policy',
    placeholder: 'SECTION,...',
    kind: 'string',
    help: 'Comma-separated sections (host_configuration, daemon_configuration, daemon_files, container_images, container_runtime): judge only their controls.',
    commands: ['check'],
  },
  {
    name: 'skip',
    group: 'policy',
    placeholder: 'ID,...',
    kind: 'string',
    help: 'Comma-separated control ids not to judge.',
    commands: ['check'],
  },
  {
    name: 'output',
    group: 'report',
    placeholder: 'PATH',
    kind: 'string',
    help: 'Write the report to this file instead of stdout.',
    commands: ['check'],
  },
  {
    name: 'color',
    group: 'report',
    kind: 'bool',
    help: 'Colour the text report (default: when stdout is a terminal and NO_COLOR is unset).',
    commands: ['check'],
  },
  {
    name: 'width',
    group: 'report',
    placeholder: 'COLUMNS',
    kind: 'string',
    help: 'Line width of the text report (default: the terminal width, else 80).',
    commands: ['check'],
  },
  {
    name: 'quiet',
    group: 'report',
    kind: 'bool',
    help: 'Text report: one line per failing control and the summary, nothing else.',
    commands: ['check'],
  },
];

export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
  // Prometheus' units: a week is 7 days, a year 365 days.
  const units = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 7 * 86_400_000,
    y: 365 * 86_400_000,
  };
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * units[m[2] as keyof typeof units];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0)
    throw new UsageError(`invalid duration ${JSON.stringify(text)} (use e.g. 500ms, 30s, 5m, 14d, 1y)`);
  return total;
}

/** A duration flag's value; an invalid one is a usage error naming the flag. */
function durationFlag(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    throw new UsageError(`--${name}=${text}: ${(e as Error).message}`);
  }
}

function reportWidth(text: string): number {
  const n = parseCount('width', text);
  if (n < 40 || n > 1000) throw new UsageError(`--width=${text}: between 40 and 1000 columns`);
  return n;
}

function parseCount(name: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`--${name} takes a whole number (got ${JSON.stringify(text)})`);
  return n;
}

export interface CommonOptions {
  readonly dockerHost: string;
  readonly configFile: string | undefined;
  readonly tls: { enabled?: boolean; verify?: boolean; ca?: string; cert?: string; key?: string };
  readonly dockerTimeoutMs: number;
  readonly hostRoot: string;
  /** --host.docker-socket: a host path, undefined when not given. */
  readonly hostDockerSocket: string | undefined;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly swarmExpected: boolean;
  /** --cis.version. */
  readonly cisVersion: CisVersion;
  /** --host.trusted-users, undefined when not given. */
  readonly trustedUsers: readonly string[] | undefined;
  readonly tlsExpiryWarningMs: number;
  /** --waivers.file, undefined when not given. */
  readonly waiversFile: string | undefined;
  readonly waiversMaxDurationMs: number;
  readonly waiversExpiryWarningMs: number;
}

export interface ServeOptions extends CommonOptions {
  readonly command: 'serve';
  readonly listenAddresses: readonly string[];
  /** --web.systemd-socket: serve the sockets systemd passes, not listenAddresses. */
  readonly systemdSocket: boolean;
  readonly telemetryPath: string;
  readonly webConfigFile: string | undefined;
  readonly webMaxConnections: number;
  readonly processMetrics: boolean;
  readonly resyncIntervalMs: number;
  readonly statPollIntervalMs: number;
  readonly containersMaxSeries: number;
}

export interface CheckOptions extends CommonOptions {
  readonly command: 'check';
  readonly format: 'text' | 'table' | 'json' | 'sarif';
  /** --width: columns of the text report; undefined: the terminal's, else 80. */
  readonly width: number | undefined;
  /** --quiet: one line per failing control and the summary. */
  readonly quiet: boolean;
  readonly failOn: Severity | 'none';
  /** --docker.release: the dockerd release whose rules apply, instead of the running one's. */
  readonly dockerRelease: string | undefined;
  readonly output: string | undefined;
  readonly color: boolean | undefined;
  /** --controls, --sections, --skip as given (checked against the catalog by check). */
  readonly scope: { controls?: readonly string[]; sections?: readonly string[]; skip?: readonly string[] };
}

/** `healthcheck` takes exactly the flags of `serve`, so the exporter's own command line can be reused. */
export interface HealthcheckOptions extends Omit<ServeOptions, 'command'> {
  readonly command: 'healthcheck';
}

export type ParsedCommand =
  | ServeOptions
  | CheckOptions
  | HealthcheckOptions
  | { command: 'help'; text: string }
  | { command: 'version' };

const COMMANDS: readonly [string, string][] = [
  ['serve', 'Run the exporter: keep evaluating, serve /metrics and the landing page (the default command).'],
  [
    'check',
    'Evaluate once, print a report, exit 0 (nothing at or above --fail-on fails), 1 (something does) or 2 (could not judge).',
  ],
  [
    'healthcheck',
    "Probe a running exporter's /-/healthy with serve's own flags (and web config); exit 0 when healthy.",
  ],
  ['help [COMMAND]', 'Show this help, or the flags of one command (help check).'],
];

const HELP_WIDTH = 80;

export function usage(command: 'serve' | 'check'): string {
  const lines =
    command === 'serve'
      ? [
          'Usage: dockersec-exporter [COMMAND] [FLAGS]',
          '',
          'Audits the security of a Docker daemon (CIS Docker Benchmark) for Prometheus.',
          '',
          'Commands:',
          ...COMMANDS.flatMap(([name, help]) =>
            wrap(`  ${name.padEnd(16)}`, help, HELP_WIDTH, ' '.repeat(18)),
          ),
        ]
      : ['Usage: dockersec-exporter check [FLAGS]', '', ...wrap('', COMMANDS[1]![1], HELP_WIDTH, '')];
  const own = FLAGS.filter((d) => d.commands.includes(command));
  for (const [group, heading] of Object.entries(GROUPS) as [Group, string][]) {
    const flags = own.filter((f) => f.group === group);
    if (flags.length === 0) continue;
    lines.push('', `${heading}:`);
    for (const f of flags) {
      const arg = f.kind === 'bool' ? `--[no-]${f.name}` : `--${f.name}=${f.placeholder ?? 'VALUE'}`;
      const extra = [
        f.choices ? `one of ${f.choices.join(', ')}` : '',
        f.default !== undefined ? `default ${f.default}` : '',
        f.repeatable ? 'repeatable' : '',
      ]
        .filter(Boolean)
        .join('; ');
      lines.push(
        `  ${arg}`,
        ...wrap('      ', `${f.help}${extra ? ` (${extra})` : ''}`, HELP_WIDTH, '      '),
      );
    }
  }
  lines.push(
    '',
    'Other:',
    '  -h, --help',
    '      Show this help.',
    '  --version',
    '      Show the version and exit.',
  );
  if (command === 'serve') lines.push('', 'Run `dockersec-exporter help check` for the flags of check.');
  return lines.join('\n');
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ParsedCommand {
  let command: 'serve' | 'check' = 'serve';
  let args = [...argv];
  if (args[0] === 'help') {
    const topic = args[1];
    if (
      args.length > 2 ||
      (topic !== undefined && topic !== 'serve' && topic !== 'check' && topic !== 'healthcheck')
    )
      throw new UsageError(
        `help takes one of serve, check, healthcheck (got ${JSON.stringify(args.slice(1).join(' '))})`,
      );
    return { command: 'help', text: usage(topic === 'check' ? 'check' : 'serve') };
  }
  const healthcheck = args[0] === 'healthcheck';
  if (healthcheck) args = args.slice(1);
  else if (args[0] === 'check' || args[0] === 'serve') {
    command = args[0];
    args = args.slice(1);
  }
  const values = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') return { command: 'help', text: usage(command) };
    if (arg === '--version') return { command: 'version' };
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    let name = eq >= 0 ? body.slice(0, eq) : body;
    let negated = false;
    let def = FLAGS.find((f) => f.name === name);
    if (!def && name.startsWith('no-')) {
      def = FLAGS.find((f) => f.name === name.slice(3) && f.kind === 'bool');
      negated = Boolean(def);
      name = name.slice(3);
    }
    if (!def) throw new UsageError(`unknown flag --${name}`);
    if (!def.commands.includes(command))
      throw new UsageError(`--${name} is not a flag of the ${command} command`);
    let value: string;
    if (def.kind === 'bool') {
      value = eq >= 0 ? body.slice(eq + 1) : negated ? 'false' : 'true';
      if (!['true', 'false'].includes(value)) throw new UsageError(`--${name} takes true or false`);
      if (negated && eq >= 0) throw new UsageError(`--no-${name} takes no value`);
    } else if (eq >= 0) value = body.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i]!;
    else throw new UsageError(`--${name} needs a value`);
    if (def.choices && !def.choices.includes(value)) {
      throw new UsageError(
        `--${name} must be one of ${def.choices.join(', ')} (got ${JSON.stringify(value)})`,
      );
    }
    values.set(name, value);
    if (def.repeatable) repeated.set(name, [...(repeated.get(name) ?? []), value]);
  }
  const get = (n: string): string | undefined => values.get(n) ?? FLAGS.find((f) => f.name === n)?.default;
  const bool = (n: string): boolean | undefined => (values.has(n) ? values.get(n) === 'true' : undefined);
  const dockerTimeoutMs = durationFlag('docker.timeout', get('docker.timeout')!);
  if (dockerTimeoutMs <= 0)
    throw new UsageError('--docker.timeout must be more than 0 (every request has a deadline)');
  const common: CommonOptions = {
    dockerHost: values.get('docker.host') || env.DOCKER_HOST || defaultDockerHost(env),
    configFile: values.get('docker.config-file'),
    tls: {
      enabled: bool('docker.tls'),
      verify: bool('docker.tls-verify'),
      ca: values.get('docker.tls-ca'),
      cert: values.get('docker.tls-cert'),
      key: values.get('docker.tls-key'),
    },
    dockerTimeoutMs,
    hostRoot: get('host.root')!,
    hostDockerSocket: values.get('host.docker-socket') || undefined,
    logLevel: get('log.level') as LogLevel,
    logFormat: get('log.format') as LogFormat,
    swarmExpected: bool('swarm.expected') ?? false,
    cisVersion: get('cis.version') as CisVersion,
    trustedUsers: values.has('host.trusted-users')
      ? values
          .get('host.trusted-users')!
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean)
      : undefined,
    tlsExpiryWarningMs: durationFlag('tls.expiry-warning', get('tls.expiry-warning')!),
    waiversFile: values.get('waivers.file'),
    waiversMaxDurationMs: durationFlag('waivers.max-duration', get('waivers.max-duration')!),
    waiversExpiryWarningMs: durationFlag('waivers.expiry-warning', get('waivers.expiry-warning')!),
  };
  if (values.get('waivers.file') === '') throw new UsageError('--waivers.file needs a path');
  if (command === 'check') {
    const dockerRelease = values.get('docker.release');
    if (dockerRelease !== undefined && !/^v?\d{1,4}\.\d{1,4}(\.\d{1,4})?$/.test(dockerRelease)) {
      throw new UsageError(
        `--docker.release must be a dockerd version such as 28.5 or 26.1.5 (got ${JSON.stringify(dockerRelease)})`,
      );
    }
    const list = (n: string): string[] | undefined => {
      if (!values.has(n)) return undefined;
      const items = values
        .get(n)!
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      if (items.length === 0) throw new UsageError(`--${n} needs at least one name`);
      return items;
    };
    const scope = { controls: list('controls'), sections: list('sections'), skip: list('skip') };
    return {
      ...common,
      command,
      format: get('format') as CheckOptions['format'],
      failOn: get('fail-on') as CheckOptions['failOn'],
      dockerRelease,
      output: values.get('output'),
      color: bool('color'),
      width: values.has('width') ? reportWidth(values.get('width')!) : undefined,
      quiet: bool('quiet') ?? false,
      scope: Object.fromEntries(Object.entries(scope).filter(([, v]) => v !== undefined)),
    };
  }
  const telemetryPath = get('web.telemetry-path')!;
  if (!telemetryPath.startsWith('/')) throw new UsageError('--web.telemetry-path must start with /');
  const listenAddresses = repeated.get('web.listen-address') ?? [get('web.listen-address')!];
  for (const listenAddress of listenAddresses) {
    try {
      parseListenAddress(listenAddress);
    } catch (e) {
      throw new UsageError(
        `--web.listen-address=${listenAddress}: ${(e as Error).message.replace(/^listen address \S+: /, '')}`,
      );
    }
  }
  const webMaxConnections = parseCount('web.max-connections', get('web.max-connections')!);
  if (webMaxConnections < 1) throw new UsageError('--web.max-connections must be at least 1');
  return {
    ...common,
    command: healthcheck ? 'healthcheck' : command,
    listenAddresses,
    systemdSocket: bool('web.systemd-socket') ?? false,
    telemetryPath,
    webConfigFile: values.get('web.config.file'),
    webMaxConnections,
    processMetrics: !(bool('web.disable-exporter-metrics') ?? false),
    resyncIntervalMs: durationFlag('docker.resync-interval', get('docker.resync-interval')!),
    statPollIntervalMs: durationFlag('files.poll-interval', get('files.poll-interval')!),
    containersMaxSeries: parseCount('containers.max-series', get('containers.max-series')!),
  };
}
