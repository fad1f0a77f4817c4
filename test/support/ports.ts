import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`. The kernel picks it, so parallel test processes do not
 * collide the way a fixed or random port would; another process can still take it before the caller
 * binds, which is rare enough for tests.
 */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) =>
        err || port === 0 ? reject(err ?? new Error('no port assigned')) : resolve(port),
      );
    });
  });
}
