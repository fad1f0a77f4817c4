// CIS 1.1.3-1.1.18: audit rules for dockerd, its files and the binaries below it. The paths are the ones
// on this host (the running dockerd's binary, its data root, runc wherever the distribution put it), and a
// rule must name the file itself, an alias of it, or a directory above it: not a mere substring.
import type { AuditRule, AuditSubject, AuditTarget } from '../../facts/hostFileTypes.js';
import { defineControl } from '../define.js';
import { fail, hostFilesOf, notApplicable, pass } from '../support.js';
import type { CisIds, ControlDefinition } from '../types.js';

const trimSlash = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Whether a rule watches writes to the target: the file or an alias, or (recursively) a directory above. */
export function ruleCovers(rule: AuditRule, target: AuditTarget): boolean {
  if (!target.path) return false;
  const names = [target.path, ...target.aliases].map(trimSlash);
  const path = trimSlash(rule.path);
  const named = names.includes(path);
  const above = rule.kind !== 'path' && names.some((n) => n.startsWith(path === '/' ? '/' : `${path}/`));
  return named || above;
}

const watchesWrites = (rule: AuditRule): boolean => rule.perms === null || /[wa]/.test(rule.perms);
const where = (r: AuditRule): string => (r.source === 'auditctl -l' ? 'loaded' : `${r.source}:${r.line}`);

function auditControl(id: string, cis: CisIds, subject: AuditSubject, what: string): ControlDefinition {
  return defineControl({
    id,
    cis,
    section: 'host_configuration',
    title: `Auditing is configured for ${what}`,
    severity: 'low',
    remediation: `Audit ${what}: add "-w PATH -k docker", with the path this control reports for this host, to a file in /etc/audit/rules.d/ and load it with augenrules --load.`,
    requires: ['host_files'],
    evaluate({ facts }) {
      const audit = hostFilesOf(facts).audit;
      const target = audit.targets.find((t) => t.subject === subject);
      if (!target?.path) return notApplicable(`${what} not found (${target?.how ?? 'not located'})`);
      if (!target.exists) return notApplicable(`${target.path} does not exist`, { path: target.path });
      const inFiles = audit.rules.filter((r) => ruleCovers(r, target));
      const loaded = audit.loaded === null ? null : audit.loaded.filter((r) => ruleCovers(r, target));
      const observed = {
        path: target.path,
        aliases: target.aliases,
        located_by: target.how,
        rules_files: inFiles.map((r) => `${where(r)}: ${r.text}`),
        rules_loaded: loaded?.map((r) => r.text) ?? null,
      };
      const expected = `a write watch on ${target.path}`;
      // The kernel's rules are the truth when they can be read; the files say what the next boot loads.
      const effective = loaded ?? inFiles;
      const good = effective.filter(watchesWrites);
      const caveat =
        audit.loaded === null ? ` (rules files only: ${audit.loadedProblem ?? 'auditctl unavailable'})` : '';
      if (good.length > 0) {
        return pass(
          `${target.path} is audited by ${good.map((r) => `"${r.text}" (${where(r)})`).join(', ')}${caveat}`,
          observed,
          expected,
        );
      }
      if (effective.length > 0) {
        return fail(
          `the rules for ${target.path} do not watch writes: ${effective.map((r) => r.text).join(', ')}${caveat}`,
          observed,
          expected,
        );
      }
      if (loaded !== null && inFiles.length > 0) {
        return fail(
          `${target.path} has a rule in ${inFiles.map(where).join(', ')} that is not loaded (augenrules --load)`,
          observed,
          expected,
        );
      }
      const alias = target.aliases.length > 0 ? ` (nor for ${target.aliases.join(', ')})` : '';
      return fail(`no audit rule for ${target.path}${alias}${caveat}`, observed, expected);
    },
  });
}

export const AUDIT_CONTROLS: readonly ControlDefinition[] = [
  auditControl('audit_dockerd', { '1.6.0': '1.1.3' }, 'dockerd', 'the Docker daemon binary'),
  auditControl(
    'audit_run_containerd',
    { '1.6.0': '1.1.4' },
    'run_containerd',
    "containerd's state directory (/run/containerd)",
  ),
  auditControl('audit_data_root', { '1.6.0': '1.1.5' }, 'data_root', "Docker's data root (/var/lib/docker)"),
  auditControl('audit_etc_docker', { '1.6.0': '1.1.6' }, 'config_dir', '/etc/docker'),
  auditControl('audit_docker_service', { '1.6.0': '1.1.7' }, 'docker_service', 'the docker.service unit'),
  auditControl('audit_containerd_socket', { '1.6.0': '1.1.8' }, 'containerd_socket', 'the containerd socket'),
  // 1.8.0 gave 1.1.9 to the socket itself (docker.sock); the docker.socket unit keeps its audit, without an id.
  auditControl(
    'audit_docker_socket',
    { '1.6.0': '1.1.9', '1.8.0': null },
    'docker_socket',
    'the docker.socket unit',
  ),
  auditControl('audit_docker_sock', { '1.8.0': '1.1.9' }, 'docker_sock', 'the Docker socket (docker.sock)'),
  auditControl('audit_default_docker', { '1.6.0': '1.1.10' }, 'default_docker', '/etc/default/docker'),
  auditControl('audit_daemon_json', { '1.6.0': '1.1.11' }, 'daemon_json', 'daemon.json'),
  auditControl(
    'audit_containerd_config',
    { '1.6.0': '1.1.12' },
    'containerd_config',
    "containerd's config.toml",
  ),
  auditControl('audit_sysconfig_docker', { '1.6.0': '1.1.13' }, 'sysconfig_docker', '/etc/sysconfig/docker'),
  auditControl('audit_containerd', { '1.6.0': '1.1.14' }, 'containerd', 'the containerd binary'),
  auditControl('audit_containerd_shim', { '1.6.0': '1.1.15' }, 'containerd_shim', 'containerd-shim'),
  auditControl(
    'audit_containerd_shim_runc_v1',
    { '1.6.0': '1.1.16' },
    'containerd_shim_runc_v1',
    'containerd-shim-runc-v1',
  ),
  auditControl(
    'audit_containerd_shim_runc_v2',
    { '1.6.0': '1.1.17' },
    'containerd_shim_runc_v2',
    'containerd-shim-runc-v2',
  ),
  auditControl('audit_runc', { '1.6.0': '1.1.18' }, 'runc', 'runc'),
];
