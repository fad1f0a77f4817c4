// What the running daemon reports about its confinement: /info SecurityOptions and the engine release.
import { compareVersions, parseVersion } from '../facts/dockerd/releases.js';
import type { DockerApiFacts } from '../facts/types.js';

export interface SecurityOption {
  readonly name: string;
  readonly [field: string]: string;
}

/** /info SecurityOptions entries look like "name=seccomp,profile=builtin". */
export function securityOptions(api: DockerApiFacts): SecurityOption[] {
  return api.info.securityOptions.map((entry) => {
    const out: Record<string, string> = { name: '' };
    for (const part of entry.split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
      else out.name ||= part;
    }
    return out as SecurityOption;
  });
}

export const hasSecurityOption = (api: DockerApiFacts, name: string): boolean =>
  securityOptions(api).some((o) => o.name === name);

export function engineAtLeast(api: DockerApiFacts, version: [number, number, number]): boolean {
  const v = parseVersion(api.version.version || api.info.serverVersion);
  return v !== null && compareVersions(v, version) >= 0;
}
