// Writes alerts/dockersec.rules.yml from alerts/src/. Run: npx tsx alerts/build.ts
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRuleFile } from './src/bundle.js';
import { defaultConfig } from './src/config.js';

export const RULE_FILE = join(dirname(fileURLToPath(import.meta.url)), 'dockersec.rules.yml');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(RULE_FILE, renderRuleFile(defaultConfig));
  console.log(`wrote ${RULE_FILE}`);
}
