// Published ports and networks of each container.
import type { ContainerFacts, PortBinding } from '../../facts/containers.js';
import { containerControl } from './containerControl.js';
import type { ContainerContext } from './context.js';

/** The lowest host port of "80", "8000-8010"; null for an ephemeral port ("" or "0"). */
function lowestHostPort(b: PortBinding): number | null {
  const low = Number.parseInt(b.hostPort.split('-')[0] ?? '', 10);
  return Number.isInteger(low) && low > 0 ? low : null;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** IPv4 and IPv6 bindings of one port appear twice at runtime; a reason names each once. */
const unique = (items: string[]) => [...new Set(items)];

export const privilegedPorts = containerControl({
  id: 'container_privileged_ports',
  cis: { '1.6.0': '5.8' },
  title: 'Privileged ports are not mapped within containers',
  severity: 'low',
  expected: 'host ports 1024 and above',
  remediation:
    'Publish the container on a host port of 1024 or above (-p 8080:80) and let a reverse proxy or load balancer own the privileged port.',
  check(c) {
    const low = unique(
      c.ports.flatMap((b) => {
        const port = lowestHostPort(b);
        return port !== null && port < 1024 ? [`host port ${b.hostPort} (${b.containerPort})`] : [];
      }),
    );
    return low.length > 0 ? `publishes ${low.join(', ')}` : null;
  },
});

/** On the default bridge, Docker's "ip" option is the default bind address; other networks have their own (0.0.0.0). */
const onDefaultBridgeMode = (c: ContainerFacts) => c.networkMode === 'default' || c.networkMode === 'bridge';

function listenAddress(b: PortBinding, c: ContainerFacts, ctx: ContainerContext): string {
  if (b.hostIp !== '') return b.hostIp;
  return onDefaultBridgeMode(c) ? ctx.defaultBindIp : '0.0.0.0';
}

export const portBinding = containerControl({
  id: 'container_port_binding',
  cis: { '1.6.0': '5.14' },
  title: 'Incoming container traffic is bound to a specific host interface',
  severity: 'medium',
  expected: 'ports published on a specific host address',
  remediation:
    'Publish on the address that should receive the traffic (-p 127.0.0.1:8080:80 or a specific interface IP) instead of all interfaces; or set "ip" in daemon.json to change the default bind address.',
  check(c, ctx) {
    const open = unique(
      c.ports.flatMap((b) => {
        const ip = listenAddress(b, c, ctx);
        if (!WILDCARDS.has(ip)) return [];
        const where = b.hostIp === '' ? `the default address ${ip}` : ip;
        return [`${b.containerPort} on ${where}${b.hostPort ? ` port ${b.hostPort}` : ''}`];
      }),
    );
    return open.length > 0 ? `publishes ${open.join(', ')}` : null;
  },
});

export const defaultBridge = containerControl({
  id: 'container_default_bridge',
  cis: { '1.6.0': '5.30' },
  title: "Docker's default bridge docker0 is not used",
  severity: 'info',
  expected: 'a user-defined network',
  remediation:
    'Attach the container to a user-defined network (docker network create app; docker run --network app ...), which gives DNS between containers and isolation from unrelated ones.',
  check(c, ctx) {
    // The attached networks are the truth: `docker network disconnect bridge` leaves NetworkMode at "default".
    // A daemon without a default bridge (bridge: none) has no docker0 for a container to be on.
    const bridgeExists = ctx.api?.bridge.exists !== false;
    const onBridge =
      bridgeExists && (c.networks.length > 0 ? c.networks.includes('bridge') : onDefaultBridgeMode(c));
    return onBridge ? 'on the default bridge network' : null;
  },
});
