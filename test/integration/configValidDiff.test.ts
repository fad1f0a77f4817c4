// config_valid against `dockerd --validate` of dockerd 26.1 and 28.5 (issue 13): 1,000 seeded daemon.json
// files (scripts/fuzz-daemon-json.ts: wrong types, removed and misspelled keys, bad values, nested log-opts
// and ulimits, encodings, truncations), judged by both. Every disagreement is a bug, or one of the exceptions
// documented in test/support/validateDiff.ts (and the README). The binaries come from
// scripts/dockerd-releases.sh; DOCKERSEC_DIFF_CASES and DOCKERSEC_DIFF_PARALLEL change the size and the
// number of dockerd --validate processes at once.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fuzzDaemonJson } from '../../scripts/fuzz-daemon-json.js';
import { dockerdPathFor } from '../support/dockerd.js';
import { diffAgainstDockerd, VALIDATE_EXCEPTIONS } from '../support/validateDiff.js';

const CASES = Number(process.env.DOCKERSEC_DIFF_CASES ?? 1000);
const PARALLEL = Number(process.env.DOCKERSEC_DIFF_PARALLEL ?? 4);
const RELEASES = [
  { release: '26.1', version: '26.1.5' },
  { release: '28.5', version: '28.5.2' },
] as const;

const cases = [...fuzzDaemonJson(CASES)];
const dir = mkdtempSync(join(tmpdir(), 'dockersec-validate-diff-'));

describe('config_valid agrees with dockerd --validate', { timeout: 1_800_000 }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const { release, version } of RELEASES) {
    const dockerd = dockerdPathFor(release);
    const skip =
      process.platform !== 'linux'
        ? 'needs Linux'
        : existsSync(dockerd)
          ? false
          : `${dockerd} missing (run scripts/dockerd-releases.sh ${release} as root)`;
    test(`dockerd ${release}: ${CASES} files`, { skip }, async (t) => {
      const s = await diffAgainstDockerd({ dir, release, version, dockerd, cases, parallel: PARALLEL });
      t.diagnostic(
        `dockerd ${release}: ${s.files} files, ${s.compared} compared, ${s.notJudged} over the read cap, ` +
          `${s.refusedByDockerd} refused by dockerd, ${s.agreed} agreed, exceptions ${JSON.stringify(s.excepted)}, ` +
          `${(s.ms / 1000).toFixed(1)} s with ${PARALLEL} at once`,
      );
      const shown = s.disagreements
        .slice(0, 10)
        .map(
          (d) =>
            `#${d.index} (${d.kind}): dockerd ${d.dockerd.refused ? 'refused' : 'accepted'} (${d.dockerd.message.slice(0, 200)}); ` +
            `config_valid ${d.ours.refused ? 'refused' : 'accepted'} (${d.ours.messages.join(' | ').slice(0, 300)}); file starts ${JSON.stringify(d.excerpt.slice(0, 120))}`,
        );
      assert.equal(s.disagreements.length, 0, `disagreements:\n${shown.join('\n')}`);
      assert.ok(s.compared >= CASES * 0.95, `only ${s.compared} of ${CASES} files compared`);
      for (const id of Object.keys(s.excepted))
        assert.ok(
          VALIDATE_EXCEPTIONS.some((e) => e.id === id),
          id,
        );
    });
  }
});
