// Config.Validate() and the platform checks, plus the value checks dockerd makes while starting (listeners,
// registry mirrors, network pools, cgroup driver, runtimes), on the values the file sets.
import type { ConfigView } from '../configView.js';
import {
  cgroupDriverError,
  cgroupDriverOf,
  daemonHostError,
  defaultCgroupnsModeError,
  defaultIpcModeError,
  dnsSearchError,
  execOptError,
  genericResourceError,
  ipAddressError,
  labelConflictError,
  labelError,
  mirrorError,
  parseCidr,
} from '../dockerdValues.js';
import { type ConfigFinding, finding } from '../findings.js';
import { releaseLabel, V23, V25, V28, V29 } from '../releaseRules.js';

const LOG_LEVELS = ['panic', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const NON_NEGATIVE: readonly [string, string][] = [
  ['max-concurrent-downloads', 'invalid max concurrent downloads'],
  ['max-concurrent-uploads', 'invalid max concurrent uploads'],
  ['max-download-attempts', 'invalid max download attempts'],
];

/** A firewall mark or mask as strconv.ParseUint(s, 0, 32) reads it. */
const isUint32 = (s: string) => /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(s) && Number(s) <= 0xffffffff;

export function valueFindings(view: ConfigView): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const invalid = (keys: string[], message: string | null) => {
    if (message) out.push(finding('invalid_value', keys, message, true));
  };

  const logLevel = view.fileString('log-level');
  if (logLevel) {
    // logrus.ParseLevel (before 25.0) also took "warning"; 25.0 lists the levels itself.
    const levels = view.atLeast(V25) ? LOG_LEVELS : [...LOG_LEVELS, 'warning'];
    if (!levels.includes(logLevel.toLowerCase())) {
      invalid(
        ['log-level'],
        view.atLeast(V23)
          ? `invalid logging level: ${logLevel}`
          : `unable to parse logging level: ${logLevel}`,
      );
    }
  }
  const logFormat = view.fileString('log-format');
  if (logFormat && logFormat !== 'text' && logFormat !== 'json')
    invalid(['log-format'], `invalid log format: ${logFormat}`);

  for (const d of view.fileStrings('dns')) invalid(['dns'], ipAddressError(d));
  for (const d of view.fileStrings('dns-search')) invalid(['dns-search'], dnsSearchError(d));
  for (const l of view.fileStrings('labels')) invalid(['labels'], labelError(l));
  if (view.fileSetting('labels')) invalid(['labels'], labelConflictError(view.fileStrings('labels')));

  const nonNegative = view.atLeast(V23)
    ? [...NON_NEGATIVE, ['mtu', 'invalid default MTU'] as const]
    : NON_NEGATIVE;
  for (const [key, text] of nonNegative) {
    const n = view.fileInt(key);
    if (n !== undefined && n < 0) invalid([key], `${text}: ${n}`);
  }
  const diagPort = view.fileInt('network-diagnostic-port');
  if (view.atLeast(V29) && diagPort !== undefined && (diagPort < 0 || diagPort > 65535)) {
    invalid(
      ['network-diagnostic-port'],
      `invalid network-diagnostic-port (${diagPort}): value must be between 0 and 65535`,
    );
  }
  const stopTimeout = view.fileInt('default-stop-timeout');
  if (stopTimeout !== undefined && stopTimeout < 0) {
    invalid(['default-stop-timeout'], `invalid default stop timeout: ${stopTimeout}`);
  }
  for (const g of view.fileStrings('node-generic-resources'))
    invalid(['node-generic-resources'], genericResourceError(g));
  for (const h of view.fileStrings('hosts')) {
    const err = daemonHostError(h);
    // 20.10 finds a bad host only when it sets up the listeners, and says so.
    invalid(['hosts'], err && (view.atLeast(V23) ? err : `error parsing -H ${h}: ${err}`));
  }
  for (const m of view.fileStrings('registry-mirrors')) invalid(['registry-mirrors'], mirrorError(m));

  const ipc = view.fileString('default-ipc-mode');
  if (ipc !== undefined) invalid(['default-ipc-mode'], defaultIpcModeError(ipc));
  const cgroupns = view.fileString('default-cgroupns-mode');
  if (cgroupns !== undefined)
    invalid(['default-cgroupns-mode'], defaultCgroupnsModeError(cgroupns, view.atLeast(V25)));
  const fixedV6 = view.fileString('fixed-cidr-v6');
  if (view.atLeast(V25) && fixedV6 && !parseCidr(fixedV6)?.v6) {
    invalid(['fixed-cidr-v6'], `invalid fixed-cidr-v6: ${fixedV6} is not an IPv6 subnet`);
  }
  const firewall = view.fileString('firewall-backend');
  if (firewall && firewall !== 'iptables' && firewall !== 'nftables') {
    invalid(['firewall-backend'], 'invalid firewall-backend: allowed values are "iptables" and "nftables"');
  }
  const fwmark = view.fileString('bridge-accept-fwmark');
  if (fwmark) {
    const [mark = '', mask] = fwmark.split('/', 2);
    if (!isUint32(mark) || (mask !== undefined && !isUint32(mask))) {
      invalid(['bridge-accept-fwmark'], `invalid bridge-accept-fwmark: invalid firewall mark "${fwmark}"`);
    }
  }
  const proxyPath = view.fileString('userland-proxy-path');
  if (
    view.atLeast(V25) &&
    proxyPath &&
    !proxyPath.startsWith('/') &&
    view.boolSetting('userland-proxy', true).value === true
  ) {
    invalid(['userland-proxy-path'], `invalid userland-proxy-path: must be an absolute path: ${proxyPath}`);
  }
  const seccomp = view.fileString('seccomp-profile');
  if (!view.atLeast(V23) && (seccomp === 'builtin' || seccomp === 'unconfined')) {
    invalid(
      ['seccomp-profile'],
      `opening seccomp profile (${seccomp}) failed: open ${seccomp}: no such file or directory (${releaseLabel(view.version)} reads seccomp-profile as a file path; "builtin" and "unconfined" are special values from 23.0)`,
    );
  }

  const execOpts = view.fileStrings('exec-opts');
  // Measured: 28.5.2's --validate refuses these ("merged configuration validation ... failed"), 26.1.5 does
  // not; the releases between were not run, and 28.0 is taken as the first.
  if (view.atLeast(V28)) for (const o of execOpts) invalid(['exec-opts'], execOptError(o));
  const driver = cgroupDriverOf(execOpts);
  if (driver !== null) invalid(['exec-opts'], cgroupDriverError(driver));

  // Runtimes: the reserved name, and a default runtime that must exist.
  const runtimes = view.fileSetting('runtimes');
  const runtimeNames = runtimes ? Object.keys(runtimes.value as object) : [];
  if (runtimeNames.includes('runc')) invalid(['runtimes'], "runtime name 'runc' is reserved");
  const defaultRuntime = view.setting('default-runtime');
  if (
    typeof defaultRuntime?.value === 'string' &&
    defaultRuntime.value !== '' &&
    (defaultRuntime.origin === 'file' || runtimes)
  ) {
    const name = defaultRuntime.value;
    const builtin =
      name === 'runc' ||
      name === 'io.containerd.runc.v2' ||
      (view.atLeast(V25) && /^io\.containerd\.[^.]+\.v\d+$/.test(name));
    if (!builtin && !runtimeNames.includes(name)) {
      invalid(
        ['default-runtime', ...(runtimes ? ['runtimes'] : [])],
        `specified default runtime '${name}' does not exist`,
      );
    }
  }

  const pools = view.fileSetting('default-address-pools')?.value;
  for (const p of Array.isArray(pools) ? pools : []) {
    const base = (p as Record<string, unknown> | null)?.base;
    if (typeof base === 'string' && !parseCidr(base)) {
      invalid(
        ['default-address-pools'],
        `Error initializing network controller: invalid base pool "${base}": invalid CIDR address: ${base}`,
      );
    }
  }
  if (view.atLeast(V28) && view.top.has('host-gateway-ip') && view.top.has('host-gateway-ips')) {
    invalid(
      ['host-gateway-ip', 'host-gateway-ips'],
      'host-gateway-ip and host-gateway-ips must not both be specified in the config file',
    );
  }
  if (view.validateSwitchOn) {
    invalid(
      ['validate'],
      '"validate": true turns on dockerd\'s --validate switch (boolean flags are re-set from the file), so dockerd prints "configuration OK" and exits instead of starting (code reading)',
    );
  }
  return out;
}
