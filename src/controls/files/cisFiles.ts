// CIS 3.1-3.14 and 3.19-3.24: systemd units, /etc/docker, registry and TLS certificates, service defaults
// files and the containerd socket. Each path comes from the real configuration (see the sources); a file
// that is absent makes its control not applicable.
import type { TlsFile, UnitFiles } from '../../facts/hostFileTypes.js';
import type { FileStat } from '../../facts/types.js';
import { hostFilesOf, systemdOf, tlsFilesOf } from '../support.js';
import type { CisIds, ControlDefinition, EvaluationContext } from '../types.js';
import { ownershipControl, permissionsControl, rootOwned } from './fileRules.js';

const hostFiles = (ctx: EvaluationContext) => hostFilesOf(ctx.facts);

/** A unit's file and its drop-ins: all of them decide how dockerd starts. */
const unitFiles = (units: readonly UnitFiles[]): FileStat[] =>
  units.flatMap((u) => (u.fragment && !u.masked ? [u.fragment, ...u.dropIns] : []));

const serviceFiles = (ctx: EvaluationContext) => unitFiles([systemdOf(ctx.facts).service]);
const socketFiles = (ctx: EvaluationContext) => unitFiles(systemdOf(ctx.facts).sockets);
const tlsFileOf = (role: TlsFile['role']) => (ctx: EvaluationContext) =>
  tlsFilesOf(ctx.facts).files.find((f) => f.role === role)?.stat ?? null;

interface Pair {
  readonly ids: readonly [ownership: string, permissions: string];
  readonly cis: readonly [ownership: CisIds, permissions: CisIds];
  readonly what: string;
  /** `what` names several files. */
  readonly plural?: boolean;
  readonly severity: readonly [
    ownership: ControlDefinition['severity'],
    permissions: ControlDefinition['severity'],
  ];
  readonly target: (ctx: EvaluationContext) => FileStat | readonly FileStat[] | null;
  readonly absentReason: string;
  readonly maxMode: number;
  readonly source: 'systemd' | 'host_files' | 'tls_files';
  readonly why: string;
  readonly expectKind?: FileStat['kind'];
}

function pair(p: Pair): [ControlDefinition, ControlDefinition] {
  const common = {
    target: p.target,
    absentReason: p.absentReason,
    missing: 'not_applicable' as const,
    ...(p.expectKind ? { expectKind: p.expectKind } : {}),
  };
  const verb = p.plural ? 'are' : 'is';
  return [
    ownershipControl({
      ...common,
      id: p.ids[0],
      cis: p.cis[0],
      title: `${p.what} ${verb} owned by root:root`,
      severity: p.severity[0],
      remediation: `chown root:root ${p.what}: ${p.why}`,
      requires: [p.source, 'host'],
      rule: rootOwned,
    }),
    permissionsControl({
      ...common,
      id: p.ids[1],
      cis: p.cis[1],
      title: `${p.what} ${p.plural ? 'have' : 'has'} permissions ${p.maxMode.toString(8)} or more restrictive`,
      severity: p.severity[1],
      remediation: `chmod ${p.maxMode.toString(8)} ${p.what}: ${p.why}`,
      requires: [p.source],
      maxMode: p.maxMode,
    }),
  ];
}

export const [dockerServiceOwnership, dockerServicePermissions] = pair({
  ids: ['docker_service_ownership', 'docker_service_permissions'],
  cis: [{ '1.6.0': '3.1' }, { '1.6.0': '3.2' }],
  what: 'the docker.service unit and its drop-ins',
  plural: true,
  severity: ['high', 'high'],
  target: serviceFiles,
  absentReason: 'no docker.service unit in the systemd unit directories',
  maxMode: 0o644,
  source: 'systemd',
  why: 'whoever can edit the unit chooses the command line dockerd runs with as root.',
});

export const [dockerSocketUnitOwnership, dockerSocketUnitPermissions] = pair({
  ids: ['docker_socket_unit_ownership', 'docker_socket_unit_permissions'],
  cis: [{ '1.6.0': '3.3' }, { '1.6.0': '3.4' }],
  what: 'the docker.socket unit and its drop-ins',
  plural: true,
  severity: ['high', 'high'],
  target: socketFiles,
  absentReason: 'no docker.socket unit in the systemd unit directories',
  maxMode: 0o644,
  source: 'systemd',
  why: 'the socket unit decides where the API listens and who may connect.',
});

export const [etcDockerOwnership, etcDockerPermissions] = pair({
  ids: ['etc_docker_ownership', 'etc_docker_permissions'],
  cis: [{ '1.6.0': '3.5' }, { '1.6.0': '3.6' }],
  what: "dockerd's configuration directory (/etc/docker)",
  severity: ['high', 'high'],
  target: (ctx) => hostFiles(ctx).configDir,
  absentReason: 'no configuration directory',
  maxMode: 0o755,
  source: 'host_files',
  why: 'it holds daemon.json, registry certificates and keys.',
  expectKind: 'directory',
});

export const [registryCertsOwnership, registryCertsPermissions] = pair({
  ids: ['registry_certs_ownership', 'registry_certs_permissions'],
  cis: [{ '1.6.0': '3.7' }, { '1.6.0': '3.8' }],
  what: 'the registry certificate files under certs.d',
  plural: true,
  severity: ['medium', 'medium'],
  target: (ctx) => hostFiles(ctx).registryCerts,
  absentReason: 'no registry certificates under certs.d',
  maxMode: 0o444,
  source: 'host_files',
  why: 'a replaced registry CA lets someone else serve your images.',
});

export const [tlsCaOwnership, tlsCaPermissions] = pair({
  ids: ['tls_ca_ownership', 'tls_ca_permissions'],
  cis: [{ '1.6.0': '3.9' }, { '1.6.0': '3.10' }],
  what: 'the TLS CA certificate (tlscacert)',
  severity: ['high', 'high'],
  target: tlsFileOf('ca'),
  absentReason: 'no tlscacert configured and TLS client verification is off',
  maxMode: 0o444,
  source: 'tls_files',
  why: 'whoever can replace the CA can issue themselves a client certificate for the API.',
});

export const [tlsCertOwnership, tlsCertPermissions] = pair({
  ids: ['tls_cert_ownership', 'tls_cert_permissions'],
  cis: [{ '1.6.0': '3.11' }, { '1.6.0': '3.12' }],
  what: 'the TLS server certificate (tlscert)',
  severity: ['medium', 'medium'],
  target: tlsFileOf('server'),
  absentReason: 'no tlscert configured and TLS is off',
  maxMode: 0o444,
  source: 'tls_files',
  why: 'a replaced server certificate lets another host pose as the daemon.',
});

export const [tlsKeyOwnership, tlsKeyPermissions] = pair({
  ids: ['tls_key_ownership', 'tls_key_permissions'],
  cis: [{ '1.6.0': '3.13' }, { '1.6.0': '3.14' }],
  what: 'the TLS server key (tlskey)',
  severity: ['high', 'high'],
  target: tlsFileOf('key'),
  absentReason: 'no tlskey configured and TLS is off',
  maxMode: 0o400,
  source: 'tls_files',
  why: 'anyone who can read the key can impersonate the daemon to its clients.',
});

export const [defaultDockerOwnership, defaultDockerPermissions] = pair({
  ids: ['default_docker_ownership', 'default_docker_permissions'],
  cis: [{ '1.6.0': '3.19' }, { '1.6.0': '3.20' }],
  what: '/etc/default/docker',
  severity: ['high', 'high'],
  target: (ctx) => hostFiles(ctx).defaultDocker,
  absentReason: 'no /etc/default/docker',
  maxMode: 0o644,
  source: 'host_files',
  why: 'the service reads dockerd options from it.',
});

export const [sysconfigDockerOwnership, sysconfigDockerPermissions] = pair({
  ids: ['sysconfig_docker_ownership', 'sysconfig_docker_permissions'],
  cis: [{ '1.6.0': '3.22' }, { '1.6.0': '3.21' }],
  what: '/etc/sysconfig/docker',
  severity: ['high', 'high'],
  target: (ctx) => hostFiles(ctx).sysconfigDocker,
  absentReason: 'no /etc/sysconfig/docker',
  maxMode: 0o644,
  source: 'host_files',
  why: 'the service reads dockerd options from it.',
});

export const [containerdSocketOwnership, containerdSocketPermissions] = pair({
  ids: ['containerd_socket_ownership', 'containerd_socket_permissions'],
  cis: [{ '1.6.0': '3.23' }, { '1.6.0': '3.24' }],
  what: "dockerd's containerd socket",
  severity: ['high', 'critical'],
  target: (ctx) => hostFiles(ctx).containerdSocket?.stat ?? null,
  absentReason: 'containerd socket unknown',
  maxMode: 0o660,
  source: 'host_files',
  why: 'whoever can talk to containerd runs containers as root, beside any Docker authorization.',
  expectKind: 'socket',
});
