// The catalog: every control the exporter evaluates, in report order (section, then CIS id: compareControls).
// Each module below exports its controls, declared with defineControl; nothing here orders them by hand.
// A control added to one of these modules is in the catalog; a new module is one more import here, and
// test/unit/catalog.test.ts fails until it is.
import { CONTAINER_MODULES } from './containers/index.js';
import * as configValid from './daemon/configValid.js';
import * as drift from './daemon/drift.js';
import * as isolation from './daemon/isolation.js';
import * as logging from './daemon/logging.js';
import * as network from './daemon/network.js';
import * as runtimeDefaults from './daemon/runtimeDefaults.js';
import * as storage from './daemon/storage.js';
import * as swarm from './daemon/swarm.js';
import * as tls from './daemon/tls.js';
import { controlsIn } from './define.js';
import * as apiUnauthenticated from './exposure/apiUnauthenticated.js';
import * as tlsCertExpiry from './exposure/tlsCertExpiry.js';
import * as cisFiles from './files/cisFiles.js';
import * as daemonFiles from './files/daemonFiles.js';
import * as audit from './host/audit.js';
import * as dockerGroup from './host/dockerGroup.js';
import * as partition from './host/partition.js';
import type { ControlDefinition } from './types.js';

export { cisId } from './define.js';

/** Every module that declares controls, by path under src/controls (the catalog test checks the list). */
export const CONTROL_MODULES = {
  'host/partition': partition,
  'host/dockerGroup': dockerGroup,
  'host/audit': audit,
  'daemon/configValid': configValid,
  'daemon/drift': drift,
  'daemon/isolation': isolation,
  'daemon/logging': logging,
  'daemon/network': network,
  'daemon/runtimeDefaults': runtimeDefaults,
  'daemon/storage': storage,
  'daemon/swarm': swarm,
  'daemon/tls': tls,
  'exposure/apiUnauthenticated': apiUnauthenticated,
  'exposure/tlsCertExpiry': tlsCertExpiry,
  'files/cisFiles': cisFiles,
  'files/daemonFiles': daemonFiles,
} as const;

export const CATALOG: readonly ControlDefinition[] = controlsIn(
  ...Object.values(CONTROL_MODULES),
  ...CONTAINER_MODULES,
);
