// A fault-injection Docker Engine API on a unix socket: plausible answers for every endpoint the exporter reads, and
// per endpoint a fault (cut-off body, hang, slow, malformed or non-JSON body, huge body, error status), plus events
// streams that flap, carry garbage lines or never send a newline. Point --docker.host=unix://SOCKET at it.
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Endpoint = 'ping' | 'version' | 'info' | 'bridge' | 'list' | 'inspect' | 'top' | 'events';

export type Fault =
  /** Headers (with the full Content-Length) and part of the body, then the socket is destroyed. */
  | { readonly kind: 'cut'; readonly fraction?: number }
  /** The request is read and never answered. */
  | { readonly kind: 'hang' }
  /** The right answer, after `ms`. */
  | { readonly kind: 'slow'; readonly ms: number }
  /** JSON cut short, with a Content-Length that matches it: a complete but malformed answer. */
  | { readonly kind: 'malformed' }
  /** An HTML page, as a misrouted proxy would answer. */
  | { readonly kind: 'nonJson' }
  /** A JSON document of `bytes`, streamed chunked (no Content-Length), as fast as the client reads. */
  | { readonly kind: 'huge'; readonly bytes: number }
  | { readonly kind: 'status'; readonly code: number };

export type EventsMode =
  /** Connected and silent until an event is pushed. */
  | 'ok'
  /** The stream ends right after its headers. */
  | 'flap'
  /** Garbage lines between real events, one every 100 ms; a real event is split across two chunks. */
  | 'garbage'
  /** Bytes without a newline, as fast as the client reads. */
  | 'noNewline';

export interface FakeContainer {
  readonly id: string;
  readonly name: string;
  state: 'running' | 'created' | 'paused';
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly endpoint: Endpoint | 'other';
}

/** What one events connection did: bytes written to it and whether the client closed it. */
export interface EventsConnection {
  bytesSent: number;
  closed: boolean;
}

const API_VERSION = '1.43';

export class FakeDockerApi {
  readonly requests: SeenRequest[] = [];
  readonly events: EventsConnection[] = [];
  readonly containers: FakeContainer[] = [];
  private readonly faults = new Map<Endpoint, Fault>();
  eventsMode: EventsMode = 'ok';
  /** Bytes written by `huge` answers, per request. */
  readonly hugeBytesSent: number[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly openEvents = new Set<http.ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    private readonly dir: string,
    private readonly server: http.Server,
    readonly socketPath: string,
  ) {}

  static async start(containers = 0): Promise<FakeDockerApi> {
    const dir = await mkdtemp(join(tmpdir(), 'dockersec-fake-'));
    const socketPath = join(dir, 'docker.sock');
    let api: FakeDockerApi | null = null;
    const server = http.createServer((req, res) => api!.handle(req, res));
    api = new FakeDockerApi(dir, server, socketPath);
    server.on('connection', (s: Socket) => {
      api!.sockets.add(s);
      s.on('close', () => api!.sockets.delete(s));
    });
    for (let i = 0; i < containers; i++) api.addContainer(`c${i}`);
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    return api;
  }

  get host(): string {
    return `unix://${this.socketPath}`;
  }

  addContainer(name: string, state: FakeContainer['state'] = 'running'): FakeContainer {
    const id = `${(this.containers.length + 1).toString(16).padStart(12, '0')}${'f'.repeat(52)}`;
    const c = { id, name, state };
    this.containers.push(c);
    return c;
  }

  fault(endpoint: Endpoint, fault: Fault | null): void {
    if (fault) this.faults.set(endpoint, fault);
    else this.faults.delete(endpoint);
  }

  clearFaults(): void {
    this.faults.clear();
    this.eventsMode = 'ok';
  }

  count(endpoint?: Endpoint): number {
    return endpoint ? this.requests.filter((r) => r.endpoint === endpoint).length : this.requests.length;
  }

  /** Sends one event on every open 'ok' stream. */
  push(event: Record<string, unknown>): void {
    for (const res of this.openEvents) res.write(`${JSON.stringify(event)}\n`);
  }

  /** Ends every open events stream (the daemon went away for a moment). */
  dropEvents(): void {
    for (const res of this.openEvents) res.socket?.destroy();
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private route(path: string): { endpoint: Endpoint | 'other'; id?: string } {
    const bare = path.split('?')[0]!.replace(/^\/v\d+\.\d+/, '');
    if (bare === '/_ping') return { endpoint: 'ping' };
    if (bare === '/version') return { endpoint: 'version' };
    if (bare === '/info') return { endpoint: 'info' };
    if (bare === '/networks/bridge') return { endpoint: 'bridge' };
    if (bare === '/containers/json') return { endpoint: 'list' };
    if (bare === '/events') return { endpoint: 'events' };
    const m = /^\/containers\/([^/]+)\/(json|top)$/.exec(bare);
    if (m) return { endpoint: m[2] === 'json' ? 'inspect' : 'top', id: decodeURIComponent(m[1]!) };
    return { endpoint: 'other' };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? '/';
    const { endpoint, id } = this.route(path);
    this.requests.push({ method: req.method ?? '', path, endpoint });
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Server', 'Docker/24.0.7 (linux)');
    if (endpoint === 'other') {
      this.json(res, 404, { message: `page not found: ${path}` });
      return;
    }
    if (endpoint === 'events') {
      this.serveEvents(res);
      return;
    }
    const container = id ? this.containers.find((c) => c.id === id || c.name === id) : undefined;
    if (id && !container) {
      this.json(res, 404, { message: `No such container: ${id}` });
      return;
    }
    const body = this.answer(endpoint, container);
    const fault = this.faults.get(endpoint);
    if (!fault) {
      this.send(res, body);
      return;
    }
    switch (fault.kind) {
      case 'hang':
        return;
      case 'slow': {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!res.destroyed) this.send(res, body);
        }, fault.ms);
        this.timers.add(t);
        return;
      }
      case 'cut': {
        const text = endpoint === 'ping' ? body : JSON.stringify(body);
        const bytes = Buffer.from(typeof text === 'string' ? text : '');
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
        const part = bytes.subarray(0, Math.floor(bytes.length * (fault.fraction ?? 0.5)));
        res.write(part, () => res.socket?.destroy());
        return;
      }
      case 'malformed': {
        const text = JSON.stringify(body);
        this.raw(res, 200, 'application/json', text.slice(0, Math.floor(text.length / 2)));
        return;
      }
      case 'nonJson':
        this.raw(res, 200, 'text/html', '<html><body><h1>Welcome to nginx!</h1></body></html>');
        return;
      case 'status':
        this.json(res, fault.code, { message: `injected HTTP ${fault.code}` });
        return;
      case 'huge':
        this.huge(res, fault.bytes);
        return;
    }
  }

  private send(res: http.ServerResponse, body: unknown): void {
    if (typeof body === 'string') this.raw(res, 200, 'text/plain; charset=utf-8', body);
    else this.json(res, 200, body);
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    this.raw(res, status, 'application/json', `${JSON.stringify(body)}\n`);
  }

  private raw(res: http.ServerResponse, status: number, type: string, text: string): void {
    const bytes = Buffer.from(text);
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length });
    res.end(bytes);
  }

  private huge(res: http.ServerResponse, total: number): void {
    const slot = this.hugeBytesSent.push(0) - 1;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const filler = Buffer.from(`"${'x'.repeat(64 * 1024 - 3)}",`);
    let sent = 0;
    res.write('[');
    const pump = () => {
      while (sent < total && !res.destroyed) {
        sent += filler.length;
        this.hugeBytesSent[slot] = sent;
        if (!res.write(filler)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end('"end"]');
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  }

  private serveEvents(res: http.ServerResponse): void {
    const conn: EventsConnection = { bytesSent: 0, closed: false };
    this.events.push(conn);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    res.on('close', () => {
      conn.closed = true;
      this.openEvents.delete(res);
    });
    const write = (text: string | Buffer): boolean => {
      conn.bytesSent += Buffer.byteLength(text);
      return res.write(text);
    };
    switch (this.eventsMode) {
      case 'ok':
        this.openEvents.add(res);
        return;
      case 'flap':
        res.end();
        return;
      case 'garbage': {
        const event = JSON.stringify(this.daemonEvent());
        const t = setInterval(() => {
          if (res.destroyed) {
            clearInterval(t);
            this.timers.delete(t);
            return;
          }
          write('this is not json\n{"Type": "container", "Act\n\u0000\u00ff garbage\n');
          // One real event, split across two writes.
          write(event.slice(0, 10));
          setTimeout(() => {
            if (!res.destroyed) write(`${event.slice(10)}\n`);
          }, 5);
        }, 100);
        this.timers.add(t);
        return;
      }
      case 'noNewline': {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (!res.destroyed) {
            if (!write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return;
      }
    }
  }

  private daemonEvent(): Record<string, unknown> {
    return {
      Type: 'daemon',
      Action: 'reload',
      Actor: { ID: 'FAKE:DAEMON', Attributes: { name: 'fake' } },
      time: Math.floor(Date.now() / 1000),
      timeNano: Date.now() * 1e6,
    };
  }

  private answer(endpoint: Endpoint, container: FakeContainer | undefined): unknown {
    switch (endpoint) {
      case 'ping':
        return 'OK';
      case 'version':
        return {
          Platform: { Name: 'Docker Engine - Community' },
          Version: '24.0.7',
          ApiVersion: API_VERSION,
          MinAPIVersion: '1.12',
          GitCommit: '311b9ff',
          GoVersion: 'go1.20.10',
          Os: 'linux',
          Arch: 'amd64',
          KernelVersion: '6.1.0-13-amd64',
          BuildTime: '2023-10-26T09:07:41.000000000+00:00',
        };
      case 'info':
        return {
          ID: 'FAKE:DAEMON',
          Containers: this.containers.length,
          ContainersRunning: this.containers.filter((c) => c.state === 'running').length,
          Driver: 'overlay2',
          DriverStatus: [
            ['Backing Filesystem', 'extfs'],
            ['Supports d_type', 'true'],
          ],
          Plugins: { Authorization: null, Log: ['json-file', 'local'] },
          LoggingDriver: 'json-file',
          CgroupDriver: 'systemd',
          CgroupVersion: '2',
          KernelVersion: '6.1.0-13-amd64',
          OperatingSystem: 'Debian GNU/Linux 12 (bookworm)',
          DockerRootDir: '/var/lib/docker',
          Debug: false,
          ExperimentalBuild: false,
          LiveRestoreEnabled: false,
          Name: 'fakehost',
          Labels: [],
          ServerVersion: '24.0.7',
          SecurityOptions: ['name=seccomp,profile=builtin', 'name=cgroupns'],
          Warnings: null,
          DefaultRuntime: 'runc',
          RegistryConfig: {
            InsecureRegistryCIDRs: ['127.0.0.0/8'],
            IndexConfigs: { 'docker.io': { Name: 'docker.io', Secure: true, Official: true } },
          },
          Swarm: { LocalNodeState: 'inactive', ControlAvailable: false },
        };
      case 'bridge':
        return {
          Name: 'bridge',
          Id: 'b'.repeat(64),
          Driver: 'bridge',
          Options: {
            'com.docker.network.bridge.default_bridge': 'true',
            'com.docker.network.bridge.enable_icc': 'true',
            'com.docker.network.bridge.enable_ip_masquerade': 'true',
            'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
            'com.docker.network.bridge.name': 'docker0',
            'com.docker.network.driver.mtu': '1500',
          },
        };
      case 'list':
        return this.containers.map((c) => ({
          Id: c.id,
          Names: [`/${c.name}`],
          Image: 'busybox:latest',
          ImageID: `sha256:${'9'.repeat(64)}`,
          Command: 'sleep 1d',
          Created: 1_700_000_000,
          Ports: [],
          Labels: {},
          State: c.state,
          Status: c.state === 'running' ? 'Up 5 minutes' : 'Created',
          HostConfig: { NetworkMode: 'default' },
          NetworkSettings: { Networks: { bridge: { NetworkID: 'b'.repeat(64) } } },
          Mounts: [],
        }));
      case 'inspect': {
        const c = container!;
        return {
          Id: c.id,
          Name: `/${c.name}`,
          Image: `sha256:${'9'.repeat(64)}`,
          // Pid 0: the exporter reads nothing of this container under /proc.
          State: { Status: c.state, Running: c.state === 'running', Pid: 0 },
          AppArmorProfile: 'docker-default',
          ProcessLabel: '',
          Mounts: [],
          Config: { Image: 'busybox:latest', User: '', Env: ['PATH=/usr/bin'], Labels: {} },
          HostConfig: {
            NetworkMode: 'default',
            PortBindings: {},
            PublishAllPorts: false,
            Privileged: false,
            CapAdd: null,
            SecurityOpt: null,
            PidsLimit: null,
            RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
            Memory: 0,
          },
          NetworkSettings: { Ports: {}, Networks: { bridge: {} } },
        };
      }
      case 'top':
        return {
          Titles: ['PID', 'COMMAND'],
          Processes: [['4242', 'sleep']],
        };
      case 'events':
        return null;
    }
  }
}
