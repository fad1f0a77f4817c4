import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  daemonJsonOwnership,
  daemonJsonPermissions,
  socketOwnership,
  socketPermissions,
} from '../../src/controls/files/daemonFiles.js';
import type { ControlDefinition } from '../../src/controls/types.js';
import { evaluate } from '../../src/evaluation/evaluate.js';
import { type FactsOverrides, makeFacts } from '../support/facts.js';

const run = (c: ControlDefinition, o: FactsOverrides = {}) => evaluate(makeFacts(o), [c]).results[0]!;

describe('socket_permissions (3.16): a bitmask, never a decimal comparison', () => {
  test('660, 600 and 640 pass', () => {
    for (const mode of [0o660, 0o600, 0o640])
      assert.equal(run(socketPermissions, { socket: { mode } }).status, 'pass');
  });
  test('666 and 606 fail although 606 < 660 as a number', () => {
    assert.equal(run(socketPermissions, { socket: { mode: 0o666 } }).status, 'fail');
    const r = run(socketPermissions, { socket: { mode: 0o606 } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /grants 006/);
  });
  test('rootless: the sticky bit rootlesskit sets (1660, measured on a real rootless dockerd) grants nothing', () => {
    assert.equal(run(socketPermissions, { socket: { mode: 0o1660 } }).status, 'pass');
    assert.equal(run(socketPermissions, { socket: { mode: 0o1666 } }).status, 'fail');
  });
  test('a regular file where the socket should be fails', () => {
    assert.equal(run(socketPermissions, { socket: { kind: 'file', mode: 0o600 } }).status, 'fail');
  });
  test('a missing socket is an error; a tcp host makes it not applicable', () => {
    assert.equal(run(socketPermissions, { socket: { exists: false, kind: null } }).status, 'error');
    assert.equal(run(socketPermissions, { socket: null }).status, 'not_applicable');
  });
});

describe('socket_ownership (3.15)', () => {
  test('root:docker and root:root pass', () => {
    assert.equal(run(socketOwnership, { socket: { uid: 0, gid: 999 } }).status, 'pass');
    assert.equal(run(socketOwnership, { socket: { uid: 0, gid: 0 } }).status, 'pass');
  });
  test('another group or owner fails', () => {
    const r = run(socketOwnership, { socket: { uid: 0, gid: 50 } });
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /root:staff/);
    assert.equal(run(socketOwnership, { socket: { uid: 1000, gid: 999 } }).status, 'fail');
  });
  test("the daemon's configured `group` is accepted", () => {
    assert.equal(
      run(socketOwnership, { config: { group: 'staff' }, socket: { uid: 0, gid: 50 } }).status,
      'pass',
    );
  });
  test('a rootless daemon owns its socket', () => {
    assert.equal(run(socketOwnership, { dockerdUid: 1000, socket: { uid: 1000, gid: 1000 } }).status, 'pass');
    // Measured on a real rootless dockerd: the group is a subordinate gid, with no group on the host.
    assert.equal(
      run(socketOwnership, { dockerdUid: 1000, socket: { uid: 1000, gid: 100105 } }).status,
      'pass',
    );
    // A named host group other than docker still fails, and a root daemon gets no such leeway.
    assert.equal(run(socketOwnership, { socket: { uid: 0, gid: 100105 } }).status, 'fail');
    assert.equal(run(socketOwnership, { socket: { uid: 1000, gid: 1000 } }).status, 'fail');
  });
});

describe('daemon.json ownership and permissions (3.17, 3.18)', () => {
  test('not applicable when there is no daemon.json', () => {
    assert.equal(run(daemonJsonOwnership).status, 'not_applicable');
    assert.equal(run(daemonJsonPermissions).status, 'not_applicable');
  });
  test('644 and 600 pass; 622 fails although 622 < 644; 664 fails', () => {
    const config = {};
    assert.equal(run(daemonJsonPermissions, { config, daemonJsonStat: { mode: 0o644 } }).status, 'pass');
    assert.equal(run(daemonJsonPermissions, { config, daemonJsonStat: { mode: 0o600 } }).status, 'pass');
    assert.equal(run(daemonJsonPermissions, { config, daemonJsonStat: { mode: 0o622 } }).status, 'fail');
    assert.equal(run(daemonJsonPermissions, { config, daemonJsonStat: { mode: 0o664 } }).status, 'fail');
  });
  test('root:root passes, root:docker fails', () => {
    assert.equal(run(daemonJsonOwnership, { config: {} }).status, 'pass');
    assert.equal(run(daemonJsonOwnership, { config: {}, daemonJsonStat: { gid: 999 } }).status, 'fail');
  });
});

describe('a file the non-root exporter may not see (a root-only directory on its path)', () => {
  test('is an error naming the path and what would let the exporter see it, never a missing file', () => {
    const r = run(socketPermissions, { socket: { exists: false, denied: true, kind: null } });
    assert.equal(r.status, 'error');
    assert.match(r.reason, /cannot stat \S+: permission denied .*CAP_DAC_READ_SEARCH/);
    assert.equal(
      run(socketOwnership, { socket: { exists: false, denied: true, kind: null } }).status,
      'error',
    );
  });
});
