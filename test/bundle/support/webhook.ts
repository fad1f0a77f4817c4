// A webhook receiver standing in for the pager and the ticket system: it records what Alertmanager
// delivers, per path (the receiver's name).
import { createServer, type Server } from 'node:http';

export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Alertmanager's webhook payload, as far as the tests read it. */
export interface WebhookMessage {
  readonly path: string;
  readonly receiver: string;
  readonly status: 'firing' | 'resolved';
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly alerts: readonly WebhookAlert[];
}

export interface WebhookReceiver {
  readonly url: string;
  readonly messages: WebhookMessage[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const messages: WebhookMessage[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      try {
        messages.push({ path: req.url ?? '', ...(JSON.parse(body) as Omit<WebhookMessage, 'path'>) });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || !addr) throw new Error('webhook receiver has no address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The last state each alert reached at a receiver, keyed by alertname plus the labels that tell
 * alerts apart in these tests.
 */
export function latestStates(
  messages: readonly WebhookMessage[],
  receiver: string,
): Map<string, WebhookAlert> {
  const states = new Map<string, WebhookAlert>();
  for (const m of messages.filter((x) => x.receiver === receiver)) {
    for (const a of m.alerts) states.set(alertKey(a.labels), a);
  }
  return states;
}

export function alertKey(labels: Readonly<Record<string, string>>): string {
  return ['alertname', 'instance', 'control', 'container', 'source']
    .filter((k) => labels[k])
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
