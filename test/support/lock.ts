// A cross-process exclusive lock for test resources that exist once per host (the host network
// namespace's docker0 and iptables). Test files run in parallel processes, so an in-memory mutex is not
// enough. The lock is held by a `flock` child whose stdin is a pipe from this process: when this process
// dies, however abruptly, the pipe closes, the child exits and the kernel drops the lock. No stale lock
// files to expire.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

export async function acquireFileLock(path: string, opts: { timeoutMs?: number } = {}): Promise<FileLock> {
  const timeoutS = Math.max(1, Math.ceil((opts.timeoutMs ?? 180_000) / 1000));
  const child: ChildProcessWithoutNullStreams = spawn(
    'flock',
    ['--exclusive', '--wait', String(timeoutS), path, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('locked')) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`could not lock ${path} within ${timeoutS}s (flock exit ${code}) ${stderr.trim()}`));
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
    child.once('error', reject);
  });
  // Holding the lock must not keep a finished test process alive.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr])
    (s as unknown as { unref?: () => void }).unref?.();

  let released: Promise<void> | null = null;
  return {
    path,
    release() {
      released ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.ref();
        child.once('exit', () => resolve());
        child.stdin.end();
      });
      return released;
    },
  };
}
