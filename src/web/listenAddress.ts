// Exporter-style `--web.listen-address` values: `:9612`, `127.0.0.1:0`, `[::1]:9612`, `localhost:9612`.

/** Splits an exporter-style listen address; an empty host means all interfaces. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  if (address.startsWith('vsock://')) throw new Error(`listen address ${address}: vsock is not supported`);
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(address);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else {
    const i = address.lastIndexOf(':');
    if (i < 0) throw new Error(`listen address ${address}: missing port (use host:port or :port)`);
    host = address.slice(0, i);
    portText = address.slice(i + 1);
    if (host.includes(':'))
      throw new Error(`listen address ${address}: too many colons (write IPv6 as [addr]:port)`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`listen address ${address}: invalid port "${portText}"`);
  }
  return { host: host === '' ? undefined : host, port: Number(portText) };
}
