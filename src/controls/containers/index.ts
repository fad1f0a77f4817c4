// The per-container controls (4.1 and section 5), for tests and benchmarks that run them alone.
import { controlsIn } from '../define.js';
import * as confinement from './confinement.js';
import * as hostAccess from './hostAccess.js';
import * as namespaces from './namespaces.js';
import * as networking from './networking.js';
import * as privileges from './privileges.js';
import * as processes from './processes.js';
import * as resources from './resources.js';

export const CONTAINER_MODULES = [
  confinement,
  hostAccess,
  namespaces,
  networking,
  privileges,
  processes,
  resources,
] as const;

export const CONTAINER_CONTROLS = controlsIn(...CONTAINER_MODULES);
