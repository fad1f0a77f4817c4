// Every host path goes through here so the exporter can run in a container with the host's / mounted at --host.root.
import { join } from 'node:path';

export class HostPaths {
  constructor(readonly root: string = '/') {}

  /** Maps a host path (absolute, as the host sees it) to where the exporter can read it. */
  resolve(hostPath: string): string {
    return this.root === '/' ? hostPath : join(this.root, hostPath);
  }

  proc(...parts: (string | number)[]): string {
    return this.resolve(join('/proc', ...parts.map(String)));
  }
}
