// Options on their way out: deprecated (dockerd warns) in one release, refused in the next
// (checkDeprecatedOptions), then unknown.
import type { ConfigView } from '../configView.js';
import { type ConfigFinding, finding } from '../findings.js';
import { REMOVED_CLUSTER_KEYS, V23, V24, V25, V27, V28, V28_1 } from '../releaseRules.js';

const HANDLED = new Set([
  ...REMOVED_CLUSTER_KEYS,
  'graph',
  'allow-nondistributable-artifacts',
  'oom-score-adjust',
  'api-cors-header',
]);

export function deprecationFindings(view: ConfigView): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const present = (key: string) => view.flat.has(key) && view.isAccepted(key) && !view.typeErrors.has(key);

  if (view.top.has('graph') && present('graph')) {
    if (view.atLeast(V23)) {
      out.push(
        finding(
          'removed',
          ['graph'],
          'the "graph" config file option is deprecated; use "data-root" instead',
          true,
        ),
      );
    } else if (view.top.has('data-root')) {
      out.push(
        finding(
          'invalid_value',
          ['graph', 'data-root'],
          'cannot specify both "graph" and "data-root" config file options',
          true,
        ),
      );
    } else {
      out.push(
        finding(
          'deprecated',
          ['graph'],
          'The "graph" config file option is deprecated. Please use "data-root" instead.',
          false,
        ),
      );
    }
  }

  const cluster = REMOVED_CLUSTER_KEYS.filter(present);
  if (cluster.length > 0) {
    out.push(
      view.atLeast(V23)
        ? finding(
            'removed',
            cluster,
            "Host-discovery and overlay networks with external k/v stores are deprecated. The 'cluster-advertise', 'cluster-store', and 'cluster-store-opt' options have been removed",
            true,
          )
        : finding(
            'deprecated',
            cluster,
            `${cluster.join(', ')}: host-discovery and overlay networks with external k/v stores are deprecated (removed in 23.0; some builds, e.g. Debian's, already refuse the store backend at start)`,
            false,
          ),
    );
  }

  if (present('oom-score-adjust')) {
    if (view.atLeast(V25) && (view.fileInt('oom-score-adjust') ?? 0) !== 0) {
      out.push(
        finding(
          'removed',
          ['oom-score-adjust'],
          'DEPRECATED: The "oom-score-adjust" config parameter and the dockerd "--oom-score-adjust" options have been removed.',
          true,
        ),
      );
    } else if (view.atLeast(V24)) {
      out.push(
        finding(
          'deprecated',
          ['oom-score-adjust'],
          'oom-score-adjust is deprecated (refused when non-zero from 25.0, unknown from 26.0)',
          false,
        ),
      );
    }
  }

  if (present('api-cors-header') && view.atLeast(V28)) {
    // Measured on 28.5.2: `dockerd --validate` refuses the file (26.1.5 accepts it).
    out.push(
      finding(
        'removed',
        ['api-cors-header'],
        'merged configuration validation from file and command line flags failed: DEPRECATED: The "api-cors-header" config parameter and the dockerd "--api-cors-header" option have been removed; use a reverse proxy if you need CORS headers',
        true,
      ),
    );
  } else if (present('api-cors-header') && view.atLeast(V27)) {
    out.push(
      finding(
        'deprecated',
        ['api-cors-header'],
        'api-cors-header is deprecated and removed in 29.0; use a reverse proxy if CORS headers are needed',
        false,
      ),
    );
  }

  if (view.flat.has('allow-nondistributable-artifacts') && view.atLeast(V28) && !view.atLeast(V28_1)) {
    out.push(
      finding(
        'deprecated',
        ['allow-nondistributable-artifacts'],
        'allow-nondistributable-artifacts is deprecated and has no effect from 28.1',
        false,
      ),
    );
  }

  for (const [key, entry] of view.flat) {
    const spec = view.release.keys.get(key);
    if (spec?.deprecated && spec.effective && !HANDLED.has(key)) {
      out.push(
        finding(
          'deprecated',
          [key],
          `${key} is deprecated in dockerd ${view.release.tag}${entry.parent ? ` (inside "${entry.parent}")` : ''}`,
          false,
        ),
      );
    }
  }
  return out;
}
