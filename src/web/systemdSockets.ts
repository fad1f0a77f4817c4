// Socket activation as exporter-toolkit does it (--web.systemd-socket, go-systemd's activation.Listeners): the
// listening sockets systemd passes from fd 3 on, when LISTEN_PID names this process. The variables are then
// removed, so a child process never takes the sockets for its own.

/** The first inherited descriptor (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

export class SystemdSocketError extends Error {}

export function systemdListenFds(env: NodeJS.ProcessEnv = process.env, pid: number = process.pid): number[] {
  const listenPid = env.LISTEN_PID;
  const count = env.LISTEN_FDS;
  if (!listenPid || !count)
    throw new SystemdSocketError(
      'no socket activation file descriptors found (LISTEN_FDS and LISTEN_PID are unset)',
    );
  if (Number(listenPid) !== pid)
    throw new SystemdSocketError(
      `no socket activation file descriptors found (LISTEN_PID ${listenPid} is not this process, ${pid})`,
    );
  const n = Number(count);
  if (!/^\d+$/.test(count) || n < 1)
    throw new SystemdSocketError(
      `no socket activation file descriptors found (LISTEN_FDS=${JSON.stringify(count)})`,
    );
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  return Array.from({ length: n }, (_, i) => FIRST_FD + i);
}
