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

export class RequestLog {
  private readonly counts = new Map<string, { method: string; endpoint: string; count: number }>();
  private readonly failures = new Map<string, { method: string; endpoint: string; count: number }>();
  total = 0;

  record(method: string, path: string, failed = false): void {
    const endpoint = normalizeEndpoint(path);
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
