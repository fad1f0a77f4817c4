// dockerd's listener addresses parsed as moby's opts.ParseDaemonHost does, so "0.0.0.0:2375" is a TCP listener too.

export type DaemonListener =
  | { readonly proto: 'unix'; readonly raw: string; readonly path: string }
  | { readonly proto: 'tcp'; readonly raw: string; readonly host: string; readonly port: number }
  | { readonly proto: 'fd' | 'ssh' | 'npipe'; readonly raw: string; readonly address: string };

export class HostParseError extends Error {}

const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';

export function parseDaemonHost(value: string, defaultTcpPort = 2375): DaemonListener {
  const raw = value;
  const address = value.trim();
  if (address === '') return { proto: 'unix', raw, path: DEFAULT_UNIX_SOCKET };
  const sep = address.indexOf('://');
  const proto = sep >= 0 ? address.slice(0, sep) : 'tcp';
  const rest = sep >= 0 ? address.slice(sep + 3) : address;
  switch (proto) {
    case 'unix':
      return { proto: 'unix', raw, path: rest || DEFAULT_UNIX_SOCKET };
    case 'tcp': {
      const m = /^(?:\[([^\]]*)\]|([^:/]*))(?::(\d*))?(\/.*)?$/.exec(rest);
      if (!m) throw new HostParseError(`invalid bind address (${address})`);
      const host = m[1] ?? m[2] ?? '';
      const port = m[3] ? Number(m[3]) : defaultTcpPort;
      if (m[4] && m[4] !== '/')
        throw new HostParseError(`invalid bind address (${address}): path is not allowed`);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new HostParseError(`invalid bind address (${address}): invalid port`);
      }
      return { proto: 'tcp', raw, host: host || 'localhost', port };
    }
    case 'fd':
    case 'ssh':
    case 'npipe':
      return { proto, raw, address: rest };
    default:
      throw new HostParseError(`invalid bind address (${address}): unsupported proto '${proto}'`);
  }
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i;
export const isLoopback = (host: string): boolean => LOOPBACK.test(host);
