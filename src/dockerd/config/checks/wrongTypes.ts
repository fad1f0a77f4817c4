// Decoding into dockerd's Config struct: a value of the wrong JSON type stops dockerd.
import type { ConfigView } from '../configView.js';
import { type ConfigFinding, finding } from '../findings.js';

export function wrongTypeFindings(view: ConfigView): ConfigFinding[] {
  return [...view.typeErrors].map(([key, errors]) => finding('wrong_type', [key], errors.join('; '), true));
}
