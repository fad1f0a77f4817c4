// Where each daemon.json key a verdict is about is set, so reports can point at it: the line of the key in
// daemon.json when the file sets it, else the ExecStart= line of the systemd unit that starts dockerd with the
// flag, else dockerd's command line. A key set nowhere has no entry: reports then point at daemon.json, where
// the fix goes.
import type { ControlResult } from '../controls/types.js';
import type { DockerdModel } from '../dockerd/index.js';
import { type JsonNode, positionOf, scanJson } from '../facts/daemonJson.js';
import type { Facts } from '../facts/types.js';

export type SettingLocation =
  | { readonly kind: 'daemon_json'; readonly path: string; readonly line: number; readonly column: number }
  | { readonly kind: 'unit_file'; readonly path: string; readonly line: number; readonly unit: string }
  | { readonly kind: 'command_line'; readonly pid: number };

/** Offsets of the members along a dotted key path (Go keeps the last of duplicate keys, so the last wins). */
function memberOffset(root: JsonNode, key: string): number | null {
  let node: JsonNode = root;
  let offset: number | null = null;
  for (const part of key.split('.')) {
    if (node.kind !== 'object') break;
    const member: { offset: number; value: JsonNode } | undefined = node.members.findLast(
      (m) => m.key === part,
    );
    if (!member) break;
    offset = member.offset;
    node = member.value;
  }
  return offset;
}

export function settingLocations(
  facts: Facts,
  dockerd: DockerdModel,
  results: readonly ControlResult[],
): Record<string, SettingLocation> {
  const keys = new Set(results.flatMap((r) => r.keys));
  if (keys.size === 0) return {};
  const file = facts.daemonConfig.ok ? facts.daemonConfig.value : null;
  const body = file?.text?.replace(/^\uFEFF/, '') ?? null;
  const root = body !== null && file?.parsed ? scanJson(body).root : null;
  const systemd = facts.systemd.ok ? facts.systemd.value : null;
  const execStart = systemd?.dockerdUnit ? systemd.service.execStartAt : null;
  const pid = facts.dockerd.ok ? facts.dockerd.value.pid : null;
  const out: Record<string, SettingLocation> = {};
  for (const key of keys) {
    const setting = dockerd.settings.peek(key.split('.')[0]!);
    if (setting?.origin === 'file' && file && root) {
      const offset = memberOffset(root, key);
      if (offset !== null) out[key] = { kind: 'daemon_json', path: file.path, ...positionOf(body!, offset) };
    } else if (setting?.origin === 'flag') {
      if (execStart && systemd?.dockerdUnit)
        out[key] = {
          kind: 'unit_file',
          path: execStart.path,
          line: execStart.line,
          unit: systemd.dockerdUnit,
        };
      else if (pid !== null) out[key] = { kind: 'command_line', pid };
    }
  }
  return out;
}
