// What json.Unmarshal into dockerd's Config struct refuses: each key's Go type, and the decoder's rules
// (null is fine except for a custom unmarshaler, numbers must be integral for int fields, unknown struct
// fields are ignored, struct field names match case-insensitively).
import type { JsonNode } from '../../facts/daemonJson.js';
import { isGoIP, ramInBytesError } from './dockerdValues.js';

export type GoType =
  | { readonly t: 'bool' | 'string' | 'int' | 'any' }
  /** net.IP: a TextUnmarshaler, so a string that must parse (or be empty), null tolerated. */
  | { readonly t: 'ip' }
  /** netip.Addr (dns from 28.0): like net.IP, but its own error text. */
  | { readonly t: 'addr' }
  /** opts.MemBytes: an Unmarshaler that wants a quoted size, even refusing null. */
  | { readonly t: 'size' }
  | { readonly t: 'slice'; readonly of: GoType; readonly name: string }
  | { readonly t: 'map'; readonly of: GoType; readonly name: string }
  | { readonly t: 'struct'; readonly name: string; readonly fields: Readonly<Record<string, GoType>> };

const bool: GoType = { t: 'bool' };
const str: GoType = { t: 'string' };
const int: GoType = { t: 'int' };
const any: GoType = { t: 'any' };
const strings: GoType = { t: 'slice', of: str, name: '[]string' };

const ulimit: GoType = { t: 'struct', name: 'units.Ulimit', fields: { Name: str, Hard: int, Soft: int } };
const runtime: GoType = {
  t: 'struct',
  name: 'types.Runtime',
  fields: {
    path: str,
    runtimeArgs: strings,
    runtimeType: str,
    options: { t: 'map', of: any, name: 'map[string]interface {}' },
  },
};
const builder: GoType = {
  t: 'struct',
  name: 'config.BuilderConfig',
  fields: {
    GC: {
      t: 'struct',
      name: 'config.BuilderGCConfig',
      fields: {
        Enabled: bool,
        DefaultKeepStorage: str,
        Policy: {
          t: 'slice',
          name: '[]config.BuilderGCRule',
          of: {
            t: 'struct',
            name: 'config.BuilderGCRule',
            fields: { All: bool, KeepStorage: str, Filter: any },
          },
        },
      },
    },
    Entitlements: {
      t: 'struct',
      name: 'config.BuilderEntitlements',
      fields: { 'network-host': bool, 'security-insecure': bool, device: bool },
    },
    History: any,
  },
};
const proxies: GoType = {
  t: 'struct',
  name: 'config.Proxies',
  fields: { 'http-proxy': str, 'https-proxy': str, 'no-proxy': str },
};

/** The Go type behind a daemon.json key, from the key table's type text and a few keys it cannot describe. */
export function goTypeOf(key: string, tableType: string): GoType {
  if (key === 'features') return { t: 'map', of: bool, name: 'map[string]bool' };
  if (key === 'builder') return builder;
  if (key === 'proxies') return proxies;
  // The legacy single address stays a net.IP in Config even where --host-gateway-ip became a list (28.0).
  if (key === 'host-gateway-ip') return { t: 'ip' };
  // Its replacement (28.0) is decoded as netip addresses: "a=b" fails with ParseAddr (measured on 28.5.2).
  if (key === 'host-gateway-ips') return { t: 'slice', of: { t: 'addr' }, name: '[]netip.Addr' };
  if (tableType === 'bool') return bool;
  if (tableType === 'integer') return int;
  if (tableType.startsWith('string (IP)')) return { t: 'ip' };
  if (tableType.startsWith('string (size')) return { t: 'size' };
  if (tableType.startsWith('string')) return str;
  if (tableType === 'array of strings (IPs)') return { t: 'slice', of: { t: 'addr' }, name: '[]netip.Addr' };
  if (tableType.startsWith('array of {base')) {
    return {
      t: 'slice',
      name: 'opts.PoolsOpt',
      of: { t: 'struct', name: 'ipamutils.NetworkToSplit', fields: { base: str, size: int } },
    };
  }
  if (tableType.startsWith('array')) return strings;
  if (tableType === 'object(string->string)') return { t: 'map', of: str, name: 'map[string]string' };
  if (tableType === 'object(string->bool)') return { t: 'map', of: bool, name: 'map[string]bool' };
  if (tableType.startsWith('object: name -> {Name'))
    return { t: 'map', of: ulimit, name: 'map[string]*units.Ulimit' };
  if (tableType.startsWith('object: name -> {path'))
    return { t: 'map', of: runtime, name: 'map[string]types.Runtime' };
  if (tableType.startsWith('object: driver')) {
    return {
      t: 'map',
      of: { t: 'map', of: str, name: 'map[string]string' },
      name: 'map[string]map[string]string',
    };
  }
  return any;
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function goTypeName(type: GoType): string {
  switch (type.t) {
    case 'ip':
      return 'net.IP';
    case 'addr':
      return 'netip.Addr';
    case 'size':
      return 'opts.MemBytes';
    case 'any':
      return 'interface {}';
    case 'slice':
    case 'map':
    case 'struct':
      return type.name;
    default:
      return type.t;
  }
}

const jsonKind = (node: JsonNode): string => (node.kind === 'bool' ? 'bool' : node.kind);

/** Go matches struct fields exactly first, then case-insensitively. */
function fieldOf(fields: Readonly<Record<string, GoType>>, name: string): GoType | undefined {
  if (Object.hasOwn(fields, name)) return fields[name];
  const lower = name.toLowerCase();
  const hit = Object.keys(fields).find((f) => f.toLowerCase() === lower);
  return hit === undefined ? undefined : fields[hit];
}

/**
 * The errors json.Unmarshal would report for `node` decoded into `type` at `path` (e.g. "Config.icc").
 * Go keeps decoding after a type error and returns the first one; all are listed here.
 */
export function decodeErrors(node: JsonNode, type: GoType, path: string): string[] {
  const mismatch = (value = jsonKind(node)) =>
    `json: cannot unmarshal ${value} into Go struct field ${path} of type ${goTypeName(type)}`;
  if (type.t === 'size') {
    if (node.kind !== 'string' || node.raw.length <= 2) {
      const raw =
        node.kind === 'string'
          ? node.raw
          : node.kind === 'number'
            ? node.raw
            : node.kind === 'null'
              ? 'null'
              : node.kind === 'bool'
                ? String(node.value)
                : node.kind === 'array'
                  ? '[...]'
                  : '{...}';
      return [`invalid size: ${JSON.stringify(raw)}`];
    }
    const err = ramInBytesError(node.raw.slice(1, -1));
    return err ? [err] : [];
  }
  if (node.kind === 'null' || type.t === 'any') return [];
  switch (type.t) {
    case 'bool':
      return node.kind === 'bool' ? [] : [mismatch()];
    case 'string':
      return node.kind === 'string' ? [] : [mismatch()];
    case 'int': {
      if (node.kind !== 'number') return [mismatch()];
      if (!/^-?\d+$/.test(node.raw)) return [mismatch(`number ${node.raw}`)];
      const n = BigInt(node.raw);
      return n > INT64_MAX || n < INT64_MIN ? [mismatch(`number ${node.raw}`)] : [];
    }
    case 'ip':
      if (node.kind !== 'string') return [mismatch()];
      return node.value === '' || isGoIP(node.value) ? [] : [`invalid IP address: ${node.value}`];
    case 'addr':
      if (node.kind !== 'string') return [mismatch()];
      return node.value === '' || isGoIP(node.value)
        ? []
        : [`ParseAddr(${JSON.stringify(node.value)}): unable to parse IP`];
    case 'slice':
      if (node.kind !== 'array') return [mismatch()];
      return node.items.flatMap((item) => decodeErrors(item, type.of, path));
    case 'map':
      if (node.kind !== 'object') return [mismatch()];
      return node.members.flatMap((m) => decodeErrors(m.value, type.of, path));
    case 'struct': {
      if (node.kind !== 'object') return [mismatch()];
      return node.members.flatMap((m) => {
        const field = fieldOf(type.fields, m.key);
        return field ? decodeErrors(m.value, field, `${path}.${m.key}`) : [];
      });
    }
    default:
      return [];
  }
}
