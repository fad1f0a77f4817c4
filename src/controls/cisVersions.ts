// The CIS Docker Benchmark ids of a control in each supported version, derived from its 1.6.0 id unless the
// control declares the version itself. Where each mapping comes from:
// - 1.7.0 (2024) keeps the numbering of 1.6.0 (section 2 included: 2.14 no-new-privileges, 2.15 live-restore,
//   2.17 seccomp, 2.18 experimental); source: /work/shared/reference releases notes, transcribed from the
//   benchmark text, and docker-bench-security's 1.6.0 ids, which 1.7.0 did not renumber.
// - 1.8.0 (2025) inserts 2.7 "Ensure devicemapper storage driver is not used", so 1.6.0's 2.7-2.18 become
//   2.8-2.19 (TLS 2.8, default ulimits 2.9, userns 2.10, cgroup 2.11, base device 2.12, remote logging 2.14,
//   seccomp 2.18, experimental 2.19); sections 1, 3, 4 and 5 keep their numbers (1.1.9 now names docker.sock).
//   Source: third-party transcriptions of the 1.8.0 text, consistent with a public hardening role that
//   follows it (SaadatiReza/ansible-docker-cis-hardening, roles/daemon_configuration/README.md: 2.6 aufs,
//   2.7 devicemapper, 2.8 TLS). Not checked against the PDF itself.
import type { CisIds, CisVersion } from './types.js';

export const CIS_SOURCES: Readonly<Record<CisVersion, string>> = {
  '1.6.0': 'declared per control (CIS Docker Benchmark v1.6.0)',
  '1.7.0': 'same numbering as 1.6.0 (transcribed benchmark text)',
  '1.8.0':
    'section 2 from 2.7 on shifted by one for the new 2.7 devicemapper control; other sections unchanged (transcriptions, SaadatiReza/ansible-docker-cis-hardening)',
};

/** 1.6.0 -> 1.8.0: daemon controls 2.7-2.18 move to 2.8-2.19. */
function to180(id: string): string {
  const m = /^2\.(\d+)$/.exec(id);
  if (!m) return id;
  const n = Number(m[1]);
  return n >= 7 ? `2.${n + 1}` : id;
}

/** Every version's id: the declared ones, the rest derived from 1.6.0. */
export function completeCisIds(declared: CisIds): CisIds {
  const base = declared['1.6.0'];
  if (base === undefined || base === null) return declared;
  return {
    '1.7.0': base,
    '1.8.0': to180(base),
    ...declared,
  };
}
