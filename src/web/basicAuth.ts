// The toolkit's `basic_auth_users` check: Go's Request.BasicAuth() and a bcrypt verifier with its cache.
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/**
 * The toolkit's bcrypt of "fakepassword": compared against for unknown users so that the response
 * time does not reveal which users exist.
 */
export const FAKE_BCRYPT_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

const AUTH_CACHE_SIZE = 100; // the toolkit's cache size

/** Basic-auth checks with the toolkit's safeguards: cached results, one bcrypt at a time, fake hash. */
export class BasicAuthVerifier {
  private readonly cache = new Map<string, boolean>();
  private queue: Promise<unknown> = Promise.resolve();

  async verify(users: Map<string, string>, user: string, password: string): Promise<boolean> {
    const known = users.get(user);
    const hash = known ?? FAKE_BCRYPT_HASH;
    // Each part hex-encoded before joining, so no user/password split can collide (CVE-2022-46146);
    // hashed so the cache does not keep passwords in the clear.
    const key = createHash('sha256')
      .update([user, hash, password].map((p) => Buffer.from(p).toString('hex')).join(':'))
      .digest('hex');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const run = this.queue.then(async () => {
      const again = this.cache.get(key);
      if (again !== undefined) return again;
      const ok = (await bcrypt.compare(password, hash)) && known !== undefined;
      if (this.cache.size >= AUTH_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, ok);
      return ok;
    });
    // The queue only orders the bcrypt runs; a failure reaches this call's caller through `run`, so the
    // next run must not see it again.
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Go's Request.BasicAuth(). */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'basic ') return undefined;
  const b64 = header.slice(6);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(b64, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}
