// The value checks dockerd applies to daemon.json entries (moby opts/, go-units, net), each returning
// dockerd's error text or null, so a finding quotes what dockerd would print.
import { isIPv4, isIPv6 } from 'node:net';
import { goQuote } from './goFormat.js';

/** net.ParseIP: dotted IPv4 (no leading zeros) or IPv6 without a zone. */
export function isGoIP(s: string): boolean {
  if (s.includes('%')) return false;
  if (isIPv4(s)) return !s.split('.').some((p) => p.length > 1 && p.startsWith('0'));
  return isIPv6(s);
}

export interface Cidr {
  readonly v6: boolean;
  readonly bits: number;
}

/** net.ParseCIDR. */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  if (!isGoIP(ip) || !/^\d{1,3}$/.test(bitsText)) return null;
  const v6 = !isIPv4(ip);
  const bits = Number(bitsText);
  if (bits > (v6 ? 128 : 32)) return null;
  return { v6, bits };
}

/** go-units RAMInBytes, as opts.MemBytes uses it for default-shm-size. */
export function ramInBytesError(size: string): string | null {
  if (/^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.test(size)) return null;
  return `invalid size: '${size}'`;
}

/** opts.ValidateIPAddress (dns in 20.10-era Validate; the message dockerd prints). */
export function ipAddressError(value: string): string | null {
  return isGoIP(value.trim()) ? null : `${value} is not an ip address`;
}

const ALPHA = /[a-zA-Z]/;
// moby's domainRegexp, including its `(:?` typo that lets a domain start with ':'.
const DOMAIN =
  /^(:?(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))$/;

/** opts.ValidateDNSSearch. */
export function dnsSearchError(value: string): string | null {
  const val = value.replace(/^ +| +$/g, '');
  if (val === '.') return null;
  const m = DOMAIN.exec(val);
  if (ALPHA.test(val) && m && m[0].length < 255) return null;
  return `${val} is not a valid domain`;
}

/** opts.ValidateLabel, with the reserved-namespace check dockerd 20.10+ enforces for daemon labels. */
export function labelError(label: string): string | null {
  if (!label.includes('=')) return `bad attribute format: ${label}`;
  const lowered = label.toLowerCase();
  if (['com.docker.', 'io.docker.', 'org.dockerproject.'].some((p) => lowered.startsWith(p))) {
    return `label ${label} is not allowed: the namespaces com.docker.*, io.docker.*, and org.dockerproject.* are reserved for internal use`;
  }
  return null;
}

/** config.GetConflictFreeLabels: the same label key with two values. */
export function labelConflictError(labels: readonly string[]): string | null {
  const seen = new Map<string, string>();
  for (const label of labels) {
    const eq = label.indexOf('=');
    if (eq < 0) continue;
    const key = label.slice(0, eq);
    const val = label.slice(eq + 1);
    const prev = seen.get(key);
    if (prev !== undefined && prev !== val) return `conflict labels for ${key}=${val} and ${key}=${prev}`;
    seen.set(key, val);
  }
  return null;
}

/** ParseGenericResources: every term is name=value. */
export function genericResourceError(term: string): string | null {
  const parts = term.split('=');
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return null;
  return `could not parse GenericResource: incorrect term ${term}, missing '=' or malformed expression`;
}

/** registry.ValidateMirror. */
export function mirrorError(value: string): string | null {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value)?.[1] ?? '';
  if (scheme !== 'http' && scheme !== 'https') {
    return `invalid mirror: unsupported scheme ${goQuote(scheme)} in ${goQuote(value)}`;
  }
  let u: URL;
  try {
    u = new URL(value);
  } catch (err) {
    // The refusal is the finding: dockerd's url.Parse fails on the same values.
    if (!(err instanceof TypeError)) throw err;
    return `invalid mirror: ${goQuote(value)} is not a valid URI`;
  }
  if ((u.pathname !== '' && u.pathname !== '/') || u.search !== '' || u.hash !== '') {
    return `invalid mirror: path, query, or fragment at end of the URI ${goQuote(value)}`;
  }
  if (u.username !== '' || u.password !== '') {
    return `invalid mirror: username/password not allowed in URI ${goQuote(value)}`;
  }
  return null;
}

/**
 * opts.ParseDaemonHost as dockerd applies it to `hosts` (20.10 when loading listeners, 23+ in Validate):
 * tcp (also without a scheme), unix, npipe and fd; anything else is refused.
 */
export function daemonHostError(value: string): string | null {
  const addr = value.trim();
  if (addr === '') return null;
  const sep = addr.indexOf('://');
  const proto = sep >= 0 ? addr.slice(0, sep) : 'tcp';
  const rest = sep >= 0 ? addr.slice(sep + 3) : addr;
  switch (proto) {
    case 'fd':
      return null;
    case 'unix':
      return rest.includes('://') ? `Invalid proto, expected unix: ${rest}` : null;
    case 'npipe':
      return 'npipe:// listeners exist only on Windows';
    case 'tcp': {
      if (rest === '') return null;
      if (rest.includes('://')) return `Invalid proto, expected tcp: ${addr}`;
      const m = /^(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?([/?#].*)?$/.exec(rest);
      if (!m) return `Invalid bind address format: ${addr}`;
      const port = m[2];
      if (port !== undefined && port !== '' && !/^\d+$/.test(port)) {
        return `parse ${goQuote(`tcp://${rest}`)}: invalid port ${goQuote(`:${port}`)} after host`;
      }
      if (port !== undefined && port !== '' && Number(port) > 65535) {
        return `invalid bind address (${addr}): invalid port ${port}`;
      }
      if (m[3] !== undefined && m[3] !== '/') {
        return `invalid bind address (${addr}): should not contain a path element`;
      }
      return null;
    }
    default:
      return `Invalid bind address format: ${addr}`;
  }
}

/** IpcMode.Valid() plus the private/shareable rule for the default, with dockerd's wording. */
export function defaultIpcModeError(mode: string): string | null {
  const hint = 'use "shareable" or "private"';
  const valid =
    mode === '' ||
    ['none', 'private', 'host', 'shareable'].includes(mode) ||
    (mode.startsWith('container:') && mode.length > 'container:'.length);
  if (!valid) return `default IPC mode setting (${mode}) is invalid; ${hint}`;
  if (mode !== '' && mode !== 'private' && mode !== 'shareable') {
    return `IPC mode "${mode}" is not supported as default value; ${hint}`;
  }
  return null;
}

export function defaultCgroupnsModeError(mode: string, newWording: boolean): string | null {
  if (mode === '' || mode === 'host' || mode === 'private') return null;
  return newWording
    ? `invalid default cgroup namespace (${mode}): use "host" or "private"`
    : `default cgroup namespace mode (${mode}) is invalid; use "host" or "private"`;
}

/** The native.cgroupdriver exec-opt, as dockerd's getCD reads it (first match, key case-insensitive). */
export function cgroupDriverOf(execOpts: readonly string[]): string | null {
  for (const opt of execOpts) {
    const eq = opt.indexOf('=');
    if (eq < 0) continue;
    if (opt.slice(0, eq).trim().toLowerCase() === 'native.cgroupdriver') return opt.slice(eq + 1).trim();
  }
  return null;
}

export function cgroupDriverError(driver: string): string | null {
  if (driver === '' || driver === 'cgroupfs' || driver === 'systemd') return null;
  if (driver === 'none')
    return `native.cgroupdriver option ${driver} is internally used and cannot be specified manually`;
  return `native.cgroupdriver option ${driver} not supported`;
}

/** parseExecOptions (dockerd 29): opt=value, only the options Linux knows. */
export function execOptError(opt: string): string | null {
  const eq = opt.indexOf('=');
  const k = eq < 0 ? '' : opt.slice(0, eq).trim().toLowerCase();
  const v = eq < 0 ? '' : opt.slice(eq + 1).trim();
  if (eq < 0 || k === '' || v === '') return `invalid exec-opt (${opt}): must be formatted 'opt=value'`;
  if (k === 'isolation') return `invalid exec-opt (${opt}): option '${k}' is only supported on windows`;
  if (k !== 'native.cgroupdriver') return `invalid exec-opt (${opt}): unknown option: '${k}'`;
  return null;
}
