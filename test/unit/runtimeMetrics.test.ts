// The exporter's process_* and nodejs_* metrics: prom-client's defaults, the event-loop delay family measured
// without the per-scrape standard deviation, and no gauge named *_total.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { registerRuntimeMetrics } from '../../src/outputs/metrics/runtimeMetrics.js';

const sample = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

test('the standard process and Node.js metrics, the event-loop family without its standard deviation', async () => {
  const registry = new Registry();
  registerRuntimeMetrics(registry);
  // Long enough for the 10 ms sampling to have recorded delays.
  await new Promise((r) => setTimeout(r, 300));
  const first = await registry.metrics();
  for (const name of [
    'process_cpu_seconds_total',
    'process_start_time_seconds',
    'process_resident_memory_bytes',
    'process_open_fds',
    'process_max_fds',
    'nodejs_heap_size_used_bytes',
    'nodejs_active_handles',
    'nodejs_version_info',
    'nodejs_eventloop_lag_min_seconds',
    'nodejs_eventloop_lag_max_seconds',
    'nodejs_eventloop_lag_mean_seconds',
    'nodejs_eventloop_lag_p50_seconds',
    'nodejs_eventloop_lag_p90_seconds',
    'nodejs_eventloop_lag_p99_seconds',
  ]) {
    const v = sample(first, name);
    assert.ok(v !== undefined && Number.isFinite(v) && v >= 0, `${name}: ${v}`);
  }
  assert.match(first, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
  assert.doesNotMatch(first, /nodejs_eventloop_lag_stddev_seconds/);
  // promtool rejects a gauge named *_total: only counters end so.
  const totals = [...first.matchAll(/^# TYPE (\S+_total) (\S+)$/gm)];
  assert.deepEqual(
    totals.filter((m) => m[2] !== 'counter').map((m) => m[1]),
    [],
  );
  // The delay histogram is read per scrape and reset: a scrape reports the loop since the last one.
  const p99 = sample(first, 'nodejs_eventloop_lag_p99_seconds')!;
  assert.ok(p99 >= 0.009 && p99 < 5, `p99 ${p99}: sampled every 10 ms`);
  await new Promise((r) => setTimeout(r, 20));
  const second = await registry.metrics();
  assert.ok(sample(second, 'nodejs_eventloop_lag_seconds')! > 0, 'the lag of the previous scrape');
});
