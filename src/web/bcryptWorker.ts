// bcrypt off the main thread. bcryptjs computes in slices of up to 100 ms on the thread that calls it, and
// while a slice runs the server accepts no connection (libuv takes one per loop turn) and answers no
// request, cached or not: a flood of wrong passwords would then delay every scrape. In a worker, the main
// thread only queues checks.
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';

// node:worker_threads and bcryptjs's place are looked up when the first password is checked, not at start: most
// exporters have no basic auth, and loading Node's worker module alone cost ~20 ms of CPU on every start (issue 12).
const require = createRequire(import.meta.url);

/** The worker's whole program (CommonJS, so that it needs no loader): compare, answer, repeat. */
const workerSource = (bcryptPath: string): string => `
const { parentPort } = require('node:worker_threads');
const bcrypt = require(${JSON.stringify(bcryptPath)});
parentPort.on('message', ({ id, password, hash }) => {
  try {
    parentPort.postMessage({ id, ok: bcrypt.compareSync(password, hash) });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

interface Pending {
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

/** One worker thread, started on first use and stopped after `idleMs` without a check. */
export class BcryptWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs = 60_000) {}

  compare(password: string, hash: string): Promise<boolean> {
    clearTimeout(this.idleTimer);
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<boolean>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, password, hash });
    });
  }

  /** Stops the worker; checks in flight are rejected. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('bcrypt worker stopped'));
    await worker?.terminate();
  }

  private start(): Worker {
    // No --import tsx or other loader of the parent: the program above is plain CommonJS.
    const { Worker: WorkerThread } = require('node:worker_threads') as typeof import('node:worker_threads');
    const worker = new WorkerThread(workerSource(require.resolve('bcryptjs')), { eval: true, execArgv: [] });
    worker.unref(); // a check in flight is awaited by a request, which keeps the process alive anyway
    worker.on('message', (m: { id: number; ok?: boolean; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.ok === true);
      if (this.pending.size === 0 && this.worker === worker) {
        this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
        this.idleTimer.unref();
      }
    });
    const gone = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.fail(err);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`bcrypt worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private fail(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
