// Counts the exporter's own Docker API requests, so operators (and the benchmark) can see it asks nothing per scrape.

const COLLECTIONS = new Set([
  'containers',
  'networks',
  'images',
  'exec',
  'plugins',
  'volumes',
  'services',
  'tasks',
  'nodes',
]);
const FIXED = new Set(['json', 'create', 'prune']);

/** Collapses ids and names out of a request path so the `endpoint` label stays bounded. */
export function normalizeEndpoint(path: string): string {
  const bare = path.split('?')[0]!.replace(/^\/v\d+\.\d+/, '');
  const parts = bare.split('/').filter(Boolean);
  if (parts.length >= 2 && COLLECTIONS.has(parts[0]!) && !FIXED.has(parts[1]!)) parts[1] = '{id}';
  return `/${parts.join('/')}`;
}

/**
 * Every request the exporter makes, as counted: the `dockersec_docker_api_request*_total` series start at 0 for
 * these, so `increase()` sees the first failure. The read-only test keeps this list honest.
 */
export const DOCKER_API_ENDPOINTS: readonly { readonly method: string; readonly endpoint: string }[] = [
  { method: 'GET', endpoint: '/_ping' },
  { method: 'GET', endpoint: '/version' },
  { method: 'GET', endpoint: '/info' },
  { method: 'GET', endpoint: '/networks/{id}' },
  { method: 'GET', endpoint: '/events' },
  { method: 'GET', endpoint: '/containers/json' },
  { method: 'GET', endpoint: '/containers/{id}/json' },
  { method: 'GET', endpoint: '/containers/{id}/top' },
];

export class RequestLog {
  private readonly counts = new Map<string, { method: string; endpoint: string; count: number }>();
  private readonly failures = new Map<string, { method: string; endpoint: string; count: number }>();
  total = 0;

  /** One request to `endpoint`, as normalizeEndpoint names it (the caller has it already, for its messages). */
  record(method: string, endpoint: string, failed = false): void {
    const key = `${method} ${endpoint}`;
    const table = failed ? this.failures : this.counts;
    const entry = table.get(key) ?? { method, endpoint, count: 0 };
    entry.count++;
    table.set(key, entry);
    if (!failed) this.total++;
  }

  entries(): { method: string; endpoint: string; count: number }[] {
    return [...this.counts.values()];
  }

  failureEntries(): { method: string; endpoint: string; count: number }[] {
    return [...this.failures.values()];
  }
}
