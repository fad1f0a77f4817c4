// The controls the exporter's catalog promises (issue 2 core, issue 3 runtime so far), with the CIS
// id and severity the catalog gives them. The bundle must have a runbook for each; the end-to-end
// test checks the other direction against a real scrape.

export interface KnownControl {
  readonly id: string;
  readonly cis: string | null;
  readonly severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
}

export const KNOWN_CONTROLS: readonly KnownControl[] = [
  { id: 'rootless', cis: '2.1', severity: 'low' },
  { id: 'icc', cis: '2.2', severity: 'medium' },
  { id: 'log_level', cis: '2.3', severity: 'low' },
  { id: 'iptables', cis: '2.4', severity: 'medium' },
  { id: 'insecure_registries', cis: '2.5', severity: 'high' },
  { id: 'storage_driver', cis: '2.6', severity: 'low' },
  { id: 'tls', cis: '2.7', severity: 'critical' },
  { id: 'default_ulimits', cis: '2.8', severity: 'low' },
  { id: 'userns_remap', cis: '2.9', severity: 'medium' },
  { id: 'cgroup_parent', cis: '2.10', severity: 'low' },
  { id: 'base_device_size', cis: '2.11', severity: 'low' },
  { id: 'authorization_plugin', cis: '2.12', severity: 'medium' },
  { id: 'remote_logging', cis: '2.13', severity: 'low' },
  { id: 'no_new_privileges', cis: '2.14', severity: 'medium' },
  { id: 'live_restore', cis: '2.15', severity: 'low' },
  { id: 'userland_proxy', cis: '2.16', severity: 'low' },
  { id: 'seccomp', cis: '2.17', severity: 'high' },
  { id: 'experimental', cis: '2.18', severity: 'low' },
  { id: 'selinux', cis: null, severity: 'medium' },
  { id: 'apparmor', cis: null, severity: 'medium' },
  { id: 'log_rotation', cis: null, severity: 'medium' },
  { id: 'config_valid', cis: null, severity: 'critical' },
  { id: 'socket_ownership', cis: '3.15', severity: 'high' },
  { id: 'socket_permissions', cis: '3.16', severity: 'critical' },
  { id: 'daemon_json_ownership', cis: '3.17', severity: 'high' },
  { id: 'daemon_json_permissions', cis: '3.18', severity: 'high' },
  { id: 'container_privileged', cis: '5.5', severity: 'critical' },
  { id: 'container_docker_socket', cis: '5.32', severity: 'critical' },
];
