// Derives src/facts/dockerd/releases.generated.json from the shared reference table of the
// daemon.json keys each dockerd release accepts. Run: npx tsx scripts/gen-dockerd-keys.ts [reference.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface RefKey {
  type: string;
  flag: string | null;
  deprecated: boolean;
  effective: boolean;
}
interface RefRelease {
  accepted: Record<string, RefKey>;
  skip_validation: string[];
  rejected_although_tagged: string[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] ?? join(root, '..', 'shared', 'reference', 'daemon-json-keys.json');
const ref = JSON.parse(readFileSync(input, 'utf8')) as { releases: Record<string, RefRelease> };

const releases: Record<string, unknown> = {};
for (const [tag, rel] of Object.entries(ref.releases)) {
  const keys: Record<string, [string, string | null, 0 | 1, 0 | 1]> = {};
  for (const name of Object.keys(rel.accepted).sort()) {
    const k = rel.accepted[name]!;
    keys[name] = [k.type, k.flag, k.effective ? 1 : 0, k.deprecated ? 1 : 0];
  }
  releases[tag.replace(/^v/, '')] = {
    keys,
    skipValidation: rel.skip_validation,
    rejectedAlthoughTagged: rel.rejected_although_tagged,
  };
}
const out = join(root, 'src', 'facts', 'dockerd', 'releases.generated.json');
writeFileSync(
  out,
  `${JSON.stringify({ generatedBy: 'scripts/gen-dockerd-keys.ts', format: 'key: [type, flag, effective, deprecated]', releases })}\n`,
);
console.log(`wrote ${out}`);
