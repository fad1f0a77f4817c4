// One container's facts for unit tests: what `docker run -d busybox sleep 1d` gives on a stock daemon, changed
// only where a test says so.
import type { ContainerFacts } from '../../src/facts/containers.js';

let serial = 0;

export function makeContainer(over: Partial<ContainerFacts> = {}): ContainerFacts {
  serial++;
  const name = over.name ?? `c${serial}`;
  return {
    id: `${serial.toString(16).padStart(12, '0')}${'f'.repeat(52)}`,
    name,
    image: 'busybox:latest',
    state: 'running',
    user: '',
    privileged: false,
    capAdd: [],
    capDrop: [],
    securityOpt: [],
    mounts: [],
    ports: [],
    networkMode: 'default',
    networks: ['bridge'],
    memory: 0,
    cpuShares: 0,
    nanoCpus: 0,
    cpuQuota: 0,
    cpusetCpus: '',
    cpuCount: 0,
    pidsLimit: null,
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    pidMode: '',
    ipcMode: 'private',
    utsMode: '',
    usernsMode: '',
    devices: [],
    deviceRequests: 0,
    deviceCgroupRules: [],
    cgroupParent: '',
    readonlyRootfs: false,
    healthcheck: false,
    appArmorProfile: '',
    processLabel: '',
    noNewPrivsProc: null,
    sshd: false,
    processListError: null,
    labelDigests: [],
    ...over,
  };
}

/** The fully compliant container of the issue: every runtime control passes it. */
export function compliantContainer(over: Partial<ContainerFacts> = {}): ContainerFacts {
  return makeContainer({
    name: 'compliant',
    user: '1000:1000',
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    ports: [{ containerPort: '8080/tcp', hostIp: '127.0.0.1', hostPort: '8080' }],
    networkMode: 'app',
    networks: ['app'],
    memory: 64 * 1024 * 1024,
    nanoCpus: 500_000_000,
    pidsLimit: 100,
    restartPolicy: { name: 'on-failure', maximumRetryCount: 5 },
    readonlyRootfs: true,
    healthcheck: true,
    appArmorProfile: 'docker-default',
    processLabel: 'system_u:system_r:container_t:s0:c1,c2',
    noNewPrivsProc: true,
    ...over,
  });
}
