// Which daemon settings a SIGHUP reload applies, and what the running daemon reveals of each setting.
import type { DockerApiFacts, Facts } from '../../facts/types.js';
import { engineAtLeast, hasSecurityOption, securityOptions } from '../securityOptions.js';

/**
 * Applied by a reload (daemon/reload.go, cmd/dockerd reloadConfig; authorization plugins through the
 * middleware). Everything else waits for a restart.
 */
export const RELOADABLE: ReadonlySet<string> = new Set([
  'debug',
  'labels',
  'live-restore',
  'max-concurrent-downloads',
  'max-concurrent-uploads',
  'max-download-attempts',
  'shutdown-timeout',
  'features',
  'default-runtime',
  'runtimes',
  'default-shm-size',
  'default-ipc-mode',
  'default-cgroupns-mode',
  'insecure-registries',
  'registry-mirrors',
  'allow-nondistributable-artifacts',
  'network-diagnostic-port',
  'authorization-plugins',
  'cluster-store',
  'cluster-store-opts',
  'cluster-advertise',
]);

/** What the daemon shows of a setting, and whether a configured value (undefined: unset) matches it. */
export interface Observation {
  readonly source: 'api' | 'reload_event';
  readonly running: unknown;
  matches(configured: unknown): boolean;
}

const boolOr = (v: unknown, fallback: boolean): unknown => (v === undefined ? fallback : v);
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const strings = (v: unknown): string[] | null =>
  v === undefined ? [] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;

function fromApi(key: string, api: DockerApiFacts, facts: Facts): Observation | null {
  const obs = (running: unknown, matches: (c: unknown) => boolean): Observation => ({
    source: 'api',
    running,
    matches,
  });
  switch (key) {
    case 'icc': {
      if (!api.bridge.exists) return null;
      const running = api.bridge.options['com.docker.network.bridge.enable_icc'] !== 'false';
      return obs(running, (c) => boolOr(c, true) === running);
    }
    case 'userns-remap': {
      const running = securityOptions(api).some((o) => o.name === 'userns');
      return obs(running, (c) => (typeof c === 'string' && c !== '') === running);
    }
    case 'seccomp-profile': {
      const entry = securityOptions(api).find((o) => o.name === 'seccomp');
      if (!entry) return null;
      const running = entry.profile ?? 'default';
      // 20.10 reports the built-in profile as "default", 23+ as "builtin".
      const builtin = running === 'default' || running === 'builtin';
      return obs(running, (c) => (c === undefined || c === '' || c === 'builtin' ? builtin : c === running));
    }
    case 'no-new-privileges': {
      if (!engineAtLeast(api, [24, 0, 0])) return null;
      const running = hasSecurityOption(api, 'no-new-privileges');
      return obs(running, (c) => boolOr(c, false) === running);
    }
    case 'selinux-enabled': {
      if (!facts.host.ok || !facts.host.value.selinuxSupported) return null;
      const running = hasSecurityOption(api, 'selinux');
      return obs(running, (c) => boolOr(c, false) === running);
    }
    case 'log-driver':
      return obs(api.info.loggingDriver, (c) => (c ?? 'json-file') === api.info.loggingDriver);
    case 'storage-driver':
      // Unset means dockerd picked one; only an explicit choice can be compared.
      return obs(api.info.driver, (c) => c === undefined || c === api.info.driver);
    case 'experimental':
      return obs(api.info.experimentalBuild, (c) => boolOr(c, false) === api.info.experimentalBuild);
    case 'live-restore':
      return obs(api.info.liveRestoreEnabled, (c) => boolOr(c, false) === api.info.liveRestoreEnabled);
    case 'debug':
      return obs(api.info.debug, (c) => boolOr(c, false) === api.info.debug);
    case 'default-runtime':
      return obs(api.info.defaultRuntime, (c) => (c ?? 'runc') === api.info.defaultRuntime);
    case 'authorization-plugins':
      return obs(api.info.authorizationPlugins, (c) => {
        const list = strings(c);
        return list !== null && list.join(',') === api.info.authorizationPlugins.join(',');
      });
    case 'insecure-registries': {
      // The built-in loopback ranges are always there; configured names show up as insecure indexes.
      const running = [
        ...api.info.insecureRegistryCIDRs.filter((c) => c !== '127.0.0.0/8' && c !== '::1/128'),
        ...api.info.insecureIndexes,
      ];
      return obs(running, (c) => {
        const list = strings(c);
        return (
          list !== null &&
          sameSet(
            list.map((r) => r.replace(/^https?:\/\//, '').replace(/\/$/, '')),
            running,
          )
        );
      });
    }
    default:
      return null;
  }
}

/** The `reload` event carries what it applied, formatted by dockerd (bools as text, lists as JSON). */
function fromReloadEvent(key: string, attributes: Readonly<Record<string, string>>): Observation | null {
  const raw = attributes[key];
  if (raw === undefined) return null;
  const obs = (running: unknown, matches: (c: unknown) => boolean): Observation => ({
    source: 'reload_event',
    running,
    matches,
  });
  switch (key) {
    case 'debug':
    case 'live-restore':
      return obs(raw === 'true', (c) => boolOr(c, false) === (raw === 'true'));
    case 'insecure-registries':
    case 'registry-mirrors':
    case 'labels':
    case 'allow-nondistributable-artifacts': {
      let running: unknown;
      try {
        running = JSON.parse(raw);
      } catch (err) {
        // An attribute that is not JSON reveals nothing about the running value.
        if (!(err instanceof SyntaxError)) throw err;
        return null;
      }
      const list = strings(running === null ? [] : running);
      if (list === null) return null;
      return obs(list, (c) => {
        const configured = strings(c);
        return configured !== null && sameSet(configured, list);
      });
    }
    case 'default-runtime':
    case 'default-ipc-mode':
    case 'default-cgroupns-mode':
      return obs(raw, (c) => c === undefined || c === raw);
    case 'max-concurrent-downloads':
    case 'max-concurrent-uploads':
    case 'max-download-attempts':
    case 'shutdown-timeout':
      return obs(Number(raw), (c) => c === undefined || Number(c) === Number(raw));
    default:
      return null;
  }
}

export function observe(
  key: string,
  facts: Facts,
  reloadAttributes: Readonly<Record<string, string>> | null,
): Observation | null {
  const api = facts.api.ok ? facts.api.value : null;
  const fromInfo = api ? fromApi(key, api, facts) : null;
  // /info keeps showing the start-up authorization plugins after a reload changed them.
  if (fromInfo && !(key === 'authorization-plugins' && reloadAttributes)) return fromInfo;
  return reloadAttributes ? fromReloadEvent(key, reloadAttributes) : null;
}
