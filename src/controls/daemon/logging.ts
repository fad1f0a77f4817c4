// The daemon's own log level and where container logs go.

import { defineControl } from '../define.js';
import { apiIfUp, apiOf, describeSetting, fail, notApplicable, pass } from '../support.js';

export const logLevel = defineControl({
  id: 'log_level',
  cis: { '1.6.0': '2.3' },
  section: 'daemon_configuration',
  title: "The logging level is set to 'info'",
  severity: 'low',
  remediation:
    'Remove "debug": true and set "log-level": "info" (or leave it unset) in daemon.json, and drop -D/--debug/--log-level from the command line.',
  requires: ['daemon_config'],
  evaluate({ facts, settings }) {
    const level = settings.string('log-level');
    const debug = settings.bool('debug', false);
    const api = apiIfUp(facts);
    // `debug` overrides log-level in dockerd, and a SIGHUP can turn it on; /info Debug shows the running value.
    const runtimeDebug = api ? api.info.debug : null;
    // logrus parses levels case-insensitively, so "INFO" is info to dockerd.
    const configuredLevel = debug.value ? 'debug' : (level?.value.toLowerCase() ?? 'info');
    const effective = runtimeDebug ? 'debug' : configuredLevel;
    const observed = {
      runtime: runtimeDebug === null ? null : { debug: runtimeDebug },
      configured: { 'log-level': level?.value ?? null, debug: debug.value },
    };
    const caveat = settings.caveat ? `; ${settings.caveat}` : '';
    if (effective === 'info') {
      return pass(
        `log level is info (${describeSetting('log-level', level, 'info')})${caveat}`,
        observed,
        'info',
      );
    }
    const why = runtimeDebug
      ? 'the running daemon has debug logging on'
      : debug.value
        ? describeSetting('debug', settings.peek('debug'))
        : describeSetting('log-level', level);
    return fail(`log level is ${effective}: ${why}${caveat}`, observed, 'info', ['log-level', 'debug']);
  },
});

const LOCAL_DRIVERS = new Set(['json-file', 'local', 'none']);

export const remoteLogging = defineControl({
  id: 'remote_logging',
  cis: { '1.6.0': '2.13' },
  section: 'daemon_configuration',
  title: 'Centralized and remote logging is configured',
  severity: 'low',
  remediation:
    'Set "log-driver" in daemon.json to a driver that ships logs off the host (syslog, journald with forwarding, fluentd, gelf, awslogs, splunk, ...) and restart dockerd.',
  requires: ['docker_api'],
  evaluate({ facts, settings }) {
    const driver = apiOf(facts).info.loggingDriver;
    const observed = { runtime: driver, configured: settings.peek('log-driver')?.value ?? null };
    return LOCAL_DRIVERS.has(driver)
      ? fail(`the default log driver ${driver} keeps logs on the host`, observed, 'a remote log driver', [
          'log-driver',
        ])
      : pass(`the default log driver is ${driver}`, observed, 'a remote log driver');
  },
});

const setSize = (v: unknown): boolean => typeof v === 'string' && v !== '' && v !== '-1';

export const logRotation = defineControl({
  id: 'log_rotation',
  cis: {},
  section: 'daemon_configuration',
  title: 'Container logs written on the host are rotated',
  severity: 'medium',
  remediation:
    'Set "log-opts": {"max-size": "10m", "max-file": "3"} in daemon.json and restart dockerd, so json-file logs cannot fill the disk (applies to containers created afterwards).',
  requires: ['daemon_config'],
  evaluate({ facts, settings }) {
    const api = apiIfUp(facts);
    const configuredDriver = settings.string('log-driver');
    const driver = api?.info.loggingDriver || configuredDriver?.value || 'json-file';
    const opts = settings.object('log-opts')?.value ?? {};
    const maxSize = opts['max-size'];
    const maxFile = opts['max-file'];
    const observed = {
      runtime: api ? { 'log-driver': api.info.loggingDriver } : null,
      configured: {
        'log-driver': configuredDriver?.value ?? null,
        'max-size': maxSize ?? null,
        'max-file': maxFile ?? null,
      },
    };
    if (driver === 'local') {
      // The local driver rotates by default (20m x 5 files) unless told otherwise.
      return pass(
        `the local log driver rotates (max-size ${String(maxSize ?? '20m')}, max-file ${String(maxFile ?? '5')})`,
        observed,
        'max-size and max-file',
      );
    }
    if (driver !== 'json-file') {
      return notApplicable(
        `the default log driver ${driver} does not write json-file or local logs`,
        observed,
      );
    }
    const missing = [
      setSize(maxSize) ? null : 'max-size',
      maxFile !== undefined && maxFile !== '' ? null : 'max-file',
    ].filter((x): x is string => x !== null);
    return missing.length === 0
      ? pass(
          `json-file logs rotate (max-size ${String(maxSize)}, max-file ${String(maxFile)})`,
          observed,
          'max-size and max-file',
        )
      : fail(
          `json-file logs are not rotated: log-opts ${missing.join(' and ')} not set`,
          observed,
          'max-size and max-file',
          ['log-opts'],
        );
  },
});
