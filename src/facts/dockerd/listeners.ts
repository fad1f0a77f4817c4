// TCP listeners as dockerd's configuration declares them: `hosts` / -H values and systemd ListenStream= lines.
import type { DeclaredListener } from '../locations.js';
import { HostParseError, parseDaemonHost } from './hosts.js';

/** A `hosts` entry or -H value; null for unix://, fd:// and anything dockerd would refuse. */
export function declaredFromHost(
  value: string,
  origin: 'hosts_file' | 'hosts_flag',
): DeclaredListener | null {
  try {
    const l = parseDaemonHost(value);
    return l.proto === 'tcp' ? { text: value, origin, host: l.host, port: l.port } : null;
  } catch (e) {
    if (e instanceof HostParseError) return null;
    throw e;
  }
}

/**
 * A systemd `ListenStream=`: a bare port binds every address (dual-stack "::"), "[v6]:port" and
 * "v4:port" bind one. Paths, abstract sockets and vsock are not TCP.
 */
export function declaredFromListenStream(value: string): DeclaredListener | null {
  const text = `ListenStream=${value}`;
  const v = value.trim();
  if (/^\d+$/.test(v)) return { text, origin: 'listen_stream', host: '::', port: Number(v) };
  const v6 = /^\[([^\]%]+)(?:%[^\]]*)?\]:(\d+)$/.exec(v);
  if (v6) return { text, origin: 'listen_stream', host: v6[1]!, port: Number(v6[2]) };
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d+)$/.exec(v);
  if (v4) return { text, origin: 'listen_stream', host: v4[1]!, port: Number(v4[2]) };
  return null;
}
