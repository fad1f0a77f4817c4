// What the web layer refused, among the exporter's own metrics: failed TLS handshakes, connections over the
// caps, basic-auth checks throttled without a bcrypt run. The web layer reports through callbacks
// (ListenOptions) and knows nothing of prom-client; the reasons are its bounded lists.
import { Counter, type Registry } from 'prom-client';

/** One count per reason; reasons declared up front are exported as 0 before anything happens. */
export class ReasonCounts {
  private readonly counts = new Map<string, number>();
  expect(reasons: readonly string[]): void {
    for (const r of reasons) if (!this.counts.has(r)) this.counts.set(r, 0);
  }
  inc(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }
  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }
}

export class WebTraffic {
  readonly tlsHandshakeFailures = new ReasonCounts();
  readonly connectionsRejected = new ReasonCounts();
  readonly authThrottled = new ReasonCounts();
}

export function registerWebMetrics(registry: Registry, traffic: WebTraffic): void {
  const counter = (name: string, help: string, counts: ReasonCounts) =>
    new Counter({
      name,
      help,
      labelNames: ['reason'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [reason, n] of counts.entries()) this.inc({ reason }, n);
      },
    });
  counter(
    'dockersec_web_tls_handshake_failures_total',
    'TLS handshakes that failed, and clients the client certificate policy refused, by reason.',
    traffic.tlsHandshakeFailures,
  );
  counter(
    'dockersec_web_connections_rejected_total',
    'Connections closed at once because --web.max-connections (max_connections) or the per-client share of it (max_connections_per_client) was reached.',
    traffic.connectionsRejected,
  );
  counter(
    'dockersec_web_auth_throttled_total',
    'Basic-auth checks answered 429 without a bcrypt run: the client ran out of failed attempts (client_failures) or had too many checks in flight (client_pending), or the bcrypt queue was full (queue_full).',
    traffic.authThrottled,
  );
}
