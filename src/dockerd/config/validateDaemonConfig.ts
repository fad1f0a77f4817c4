// dockerd's own daemon.json validation, replayed for the release that is running: decoding, the one-level
// flattening, the unknown-directive and flag/file checks (daemon/config getConflictFreeConfiguration),
// decoding into Config, Validate(), the deprecated-option checks and the start-up checks of
// verifyDaemonSettings. dockerd stops at the first failing stage; every stage is reported here, so one
// pass names everything to fix. Pure: the same input always gives the same findings.
import { type FlagOccurrence, parseDockerdArgs } from '../../facts/dockerd/flags.js';
import { parseVersion, releaseFor, type Semver } from '../../facts/dockerd/releases.js';
import { deprecationFindings } from './checks/deprecations.js';
import { duplicateKeyFindings } from './checks/duplicateKeys.js';
import { flagConflictFindings } from './checks/flagConflicts.js';
import { ignoredKeyFindings } from './checks/ignoredKeys.js';
import { startupFindings } from './checks/startupChecks.js';
import { unknownKeyFindings } from './checks/unknownKeys.js';
import { valueFindings } from './checks/valueChecks.js';
import { wrongTypeFindings } from './checks/wrongTypes.js';
import { ConfigView } from './configView.js';
import { type DecodeInput, decodeForRelease } from './decodeForRelease.js';
import { type ConfigFinding, namingItsKeys } from './findings.js';

export type { ConfigFinding, ConfigFindingKind } from './findings.js';

export interface ValidateDaemonConfigInput extends DecodeInput {
  /** dockerd's argv without argv[0]; null when unknown (the flag/file check is then skipped). */
  readonly args: readonly string[] | null;
  /** Whether dockerd's --config-file (if any) names this file; default true. */
  readonly configFileIsDockerds?: boolean;
  /** The running dockerd's version; null picks the newest known release. */
  readonly serverVersion: string | null;
}

export interface ValidateDaemonConfigResult {
  readonly findings: readonly ConfigFinding[];
  /** Which release's rules were applied, and why. */
  readonly releaseNote: string;
}

export function validateDaemonConfig(input: ValidateDaemonConfigInput): ValidateDaemonConfigResult {
  const { release, note } = releaseFor(input.serverVersion);
  // Checks that changed within a series (28.0 vs 28.1) follow the running version, not the table's tag.
  const version: Semver =
    (input.serverVersion ? parseVersion(input.serverVersion) : null) ?? parseVersion(release.tag)!;

  let occurrences: Map<string, FlagOccurrence[]> | null = null;
  if (input.args) {
    occurrences = new Map();
    for (const o of parseDockerdArgs(input.args, release).occurrences) {
      const seen = occurrences.get(o.flag);
      if (seen) seen.push(o);
      else occurrences.set(o.flag, [o]);
    }
  }
  const explicitConfigFile =
    input.configFileIsDockerds === false ? null : (occurrences?.get('config-file')?.at(-1)?.value ?? null);

  const decoded = decodeForRelease(input, version, explicitConfigFile);
  if (!decoded.root) return { findings: decoded.findings.map(namingItsKeys), releaseNote: note };

  const view = new ConfigView(release, version, decoded.root, occurrences);
  const findings = [
    ...decoded.findings,
    ...duplicateKeyFindings(decoded.root),
    ...unknownKeyFindings(view),
    ...flagConflictFindings(view),
    ...wrongTypeFindings(view),
    ...deprecationFindings(view),
    ...valueFindings(view),
    ...startupFindings(view),
    ...ignoredKeyFindings(view),
  ];
  return { findings: findings.map(namingItsKeys), releaseNote: note };
}
