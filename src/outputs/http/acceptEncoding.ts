// Whether a scraper asked for gzip: Accept-Encoding read the way Express (negotiator) reads it, so the answer
// stays what it was when the app ran on Express. Quality values decide; on a tie the coding the client named
// first wins; `*` stands for any coding it did not name; identity is acceptable unless refused, at the lowest
// quality the client gave anything.

interface Accepted {
  readonly coding: string;
  readonly q: number;
  /** Position in the header: the client's order breaks ties. */
  readonly order: number;
}

function parse(header: string): Accepted[] {
  const out: Accepted[] = [];
  header.split(',').forEach((part, order) => {
    const [name, ...params] = part.trim().split(';');
    const coding = name!.trim().toLowerCase();
    if (coding === '') return;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k?.toLowerCase() === 'q') {
        const n = Number.parseFloat(v ?? '');
        q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    out.push({ coding, q, order });
  });
  return out;
}

/** How the client rates `coding`: its own entry before `*` (specificity 1 against 0), then the higher quality. */
function rating(accepted: readonly Accepted[], coding: string) {
  let best: { q: number; s: number; order: number } | null = null;
  for (const a of accepted) {
    const s = a.coding === coding ? 1 : a.coding === '*' ? 0 : -1;
    if (s < 0) continue;
    // A coding named twice: the later entry wins a tie, as in negotiator.
    const better =
      !best || s > best.s || (s === best.s && (a.q > best.q || (a.q === best.q && a.order > best.order)));
    if (better) best = { q: a.q, s, order: a.order };
  }
  return best;
}

/** True when gzip is acceptable and preferred to identity (plain text). */
export function prefersGzip(header: string | undefined): boolean {
  // No header: identity (RFC 9110 allows any coding, but a client that says nothing gets plain text).
  if (header === undefined) return false;
  const accepted = parse(header);
  const gzip = rating(accepted, 'gzip');
  if (!gzip || gzip.q <= 0) return false;
  const identity = rating(accepted, 'identity') ?? {
    q: Math.min(1, ...accepted.filter((a) => a.q > 0).map((a) => a.q)),
    s: 1,
    order: accepted.length,
  };
  if (identity.q <= 0) return true;
  if (gzip.q !== identity.q) return gzip.q > identity.q;
  if (gzip.s !== identity.s) return gzip.s > identity.s;
  // Same quality and specificity: the client's order, then ours (gzip first).
  return gzip.order <= identity.order;
}
