// What dockerd refuses only while starting (verifyDaemonSettings, the network controller, the API server's
// TLS setup), judged on file, flags and defaults together. A combination is the file's problem only when the
// file takes part: a daemon whose flags alone were contradictory would not be running.

import { describeSetting as at, type ConfigView, type Setting } from '../configView.js';
import { cgroupDriverOf } from '../dockerdValues.js';
import { type ConfigFinding, finding } from '../findings.js';
import { V26, V27, V28 } from '../releaseRules.js';

const nonEmpty = (s: Setting | undefined): s is Setting => typeof s?.value === 'string' && s.value !== '';

export function startupFindings(view: ConfigView): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const conflict = (keys: string[], message: string, involved: Setting[]) => {
    if (involved.some((s) => s.origin === 'file')) out.push(finding('startup_conflict', keys, message, true));
  };

  const containerdNs = view.setting('containerd-namespace', 'moby')!;
  const pluginsNs: Setting = view.flagSetting('containerd-plugins-namespace') ?? {
    value: 'plugins.moby',
    origin: 'default',
  };
  if (containerdNs.value === pluginsNs.value) {
    conflict(
      ['containerd-namespace', 'containerd-plugins-namespace'],
      `containers namespace and plugins namespace cannot be the same (${at('containerd-namespace', containerdNs)}, ${at('containerd-plugins-namespace', pluginsNs)})`,
      [containerdNs, pluginsNs],
    );
  }

  const bridge = view.setting('bridge');
  for (const key of view.atLeast(V28) ? ['bip', 'bip6'] : ['bip']) {
    const bip = view.setting(key);
    if (nonEmpty(bridge) && nonEmpty(bip)) {
      conflict(
        ['bridge', key],
        `You specified -b & --${key}, mutually exclusive options. Please specify only one (${at('bridge', bridge)}, ${at(key, bip)})`,
        [bridge, bip],
      );
    }
  }

  const icc = view.boolSetting('icc', true);
  const iptables = view.boolSetting('iptables', true);
  const ipv6 = view.boolSetting('ipv6', false);
  const ip6tables = view.boolSetting('ip6tables', view.atLeast(V27));
  const experimental = view.boolSetting('experimental', false);
  if (icc.value === false && iptables.value === false) {
    conflict(
      ['icc', 'iptables'],
      `You specified --iptables=false with --icc=false. ICC=false uses iptables to function. Please set --icc or --iptables to true (${at('icc', icc)}, ${at('iptables', iptables)})`,
      [icc, iptables],
    );
  }
  if (view.atLeast(V28) && icc.value === false && ipv6.value === true && ip6tables.value === false) {
    conflict(
      ['icc', 'ipv6', 'ip6tables'],
      `You specified --ip6tables=false with --icc=false. ICC=false uses ip6tables to function. Please set --icc or --ip6tables to true (${at('icc', icc)}, ${at('ip6tables', ip6tables)})`,
      [icc, ipv6, ip6tables],
    );
  }
  if (!view.atLeast(V27) && ip6tables.value === true) {
    if (experimental.value !== true) {
      conflict(
        ['ip6tables', 'experimental'],
        `ip6tables rules are only available if experimental features are enabled (${at('ip6tables', ip6tables)}, ${at('experimental', experimental)})`,
        [ip6tables, experimental],
      );
    } else if (iptables.value === false) {
      // Before 27.0 libnetwork creates the ip6tables chains only with iptables on.
      conflict(
        ['ip6tables', 'iptables'],
        `Error initializing network controller: error obtaining controller instance: cannot create new chains, EnableIPTable is disabled (${at('ip6tables', ip6tables)}, ${at('iptables', iptables)})`,
        [ip6tables, iptables],
      );
    }
  }

  const cgroupParent = view.setting('cgroup-parent');
  const execOpts = view.setting('exec-opts');
  const execList = Array.isArray(execOpts?.value) ? (execOpts.value as string[]) : [];
  if (nonEmpty(cgroupParent) && execOpts && cgroupDriverOf(execList) === 'systemd') {
    const p = cgroupParent.value as string;
    if (p.length <= 6 || !p.endsWith('.slice')) {
      conflict(
        ['cgroup-parent', 'exec-opts'],
        `cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice" (${at('cgroup-parent', cgroupParent)}, native.cgroupdriver=systemd from ${execOpts.origin === 'file' ? 'daemon.json' : 'the command line'})`,
        [cgroupParent, execOpts],
      );
    }
  }

  // Setting tlsverify at all turns TLS on. TLS then needs a key pair: without tlscert/tlskey dockerd falls
  // back to ~/.docker/{cert,key}.pem (or $DOCKER_CERT_PATH) and refuses to start when those are missing.
  const tlsverify = view.fileSetting('tlsverify') ?? view.flagSetting('tlsverify');
  const tls: Setting = tlsverify ? { value: true, origin: tlsverify.origin } : view.boolSetting('tls', false);
  if (tls.value === true) {
    // An empty path is Go's zero value, which the merge replaces with the flag default.
    const set = (key: string) => [view.fileSetting(key), view.flagSetting(key)].some(nonEmpty);
    const missing = ['tlscert', 'tlskey'].filter((k) => !set(k));
    if (missing.length > 0) {
      const why = tlsverify ? `${at('tlsverify', tlsverify)}, which turns TLS on` : at('tls', tls);
      conflict(
        [tlsverify ? 'tlsverify' : 'tls', ...missing],
        `TLS is on (${why}) but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: dockerd falls back to ~/.docker/cert.pem and key.pem and refuses to start without them ("Could not load X509 key pair")`,
        [tls, ...(tlsverify ? [tlsverify] : [])],
      );
    }
  }
  out.push(...unauthenticatedTcpFindings(view, tls));
  return out;
}

const LOOPBACK = /^tcp:\/\/(localhost|127\.[\d.]+|\[::1\])(:\d+)?\/?$/i;

/**
 * A TCP listener on a non-loopback address without TLS, with TLS not turned off explicitly. Measured on
 * 26.1.5 and 28.5.2: dockerd warns, sleeps 15 s on purpose ("Startup is intentionally being slowed down"),
 * then listens without authentication; it is not refused. `"tls": false` (or --tls=false) skips the delay.
 */
function unauthenticatedTcpFindings(view: ConfigView, tls: Setting): ConfigFinding[] {
  if (!view.atLeast(V26) || tls.value === true) return [];
  const hosts = view.setting('hosts');
  const list = Array.isArray(hosts?.value) ? (hosts.value as unknown[]) : [];
  const open = list.filter(
    (h): h is string => typeof h === 'string' && /^tcp:\/\//i.test(h) && !LOOPBACK.test(h),
  );
  const explicit = ['tls', 'tlsverify'].some((k) => view.fileSetting(k) ?? view.flagSetting(k));
  if (open.length === 0 || explicit || hosts?.origin !== 'file') return [];
  return [
    finding(
      'deprecated',
      ['hosts', 'tls'],
      `hosts has ${open.join(', ')} without TLS: dockerd ${view.version[0]}.${view.version[1]} warns that unauthenticated TCP is deprecated, deliberately delays its start by 15 s, then listens without authentication (set tlsverify with tlscacert, tlscert and tlskey; "tls": false states the intent and skips the delay)`,
      false,
    ),
  ];
}
