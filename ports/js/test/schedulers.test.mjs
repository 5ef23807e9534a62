// Scheduler-level tests through the driver: short runs whose values are computed from the
// clauses' formulas here, independently of the fixtures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replay } from '../driver.mjs';

const run = (schedulerType, kwargs, calls, extra = {}) => replay({
  optimizers: [{ lrs: [0.1], initialLrs: null, wrapper: false }],
  schedulers: [{ type: schedulerType, build: 'init', optimizer: 0, kwargs }],
  loop: 'iter', epochLength: 1n, progress: 'loop', offset: 0n, metricBeforeBuild: null,
  reduceLrHubFirst: false, calls, ...extra,
});
const plain = (n) => Array.from({ length: n }, () => ({ publish: [], resume: null }));

test('LinearLrInterval dips on call 0, then writes the absolute staircase', () => {
  const sf = 0.5;
  const ef = 1.0;
  const trace = run('LinearLrInterval', { start_factor: sf, end_factor: ef, end: 5n, by_epoch: false,
    interval: 2n }, plain(5));
  const lrs = trace.lrs.map((row) => row[0][0]);
  // LLI-FIRST-STEP-DIP then LLI-STAIRCASE with P = call - 1 (LLI-RUNNER-LAG), window [0, 5).
  const staircase = (p) => sf + (ef - sf) * (Math.floor(p / 2) / Math.floor(5 / 2));
  assert.deepEqual(lrs, [0.1 * sf, staircase(0), staircase(1), staircase(2), staircase(3), staircase(3)]);
  assert.equal(trace.error, null);
  assert.equal(trace.state[5][0]._global_step, 5n);
  assert.equal(trace.state[5][0].last_step, 4n); // the call past the window does not count
});

test('LinearLrInterval with interval larger than the window raises ZeroDivisionError at call 1', () => {
  const trace = run('LinearLrInterval', { end: 3n, interval: 4n, by_epoch: false }, plain(3));
  assert.equal(trace.lrs.length, 1);
  assert.deepEqual({ ...trace.error, message: undefined },
    { type: 'ZeroDivisionError', message: undefined, step: 1, phase: 'step' });
});

test('ReduceLR reduces after patience bad values and the numpy best keeps its dtype', () => {
  const calls = [3n, 3n, 3n, 3n].map((v) => ({ publish: [v], resume: null }));
  const trace = run('ReduceLR', { patience: 1n, factor: 0.5 }, calls);
  const lrs = trace.lrs.map((row) => row[0][0]);
  // call 0 (the constructor's) is the first active call (RLR-FIRST-STEP); calls 1..3 consume 3:
  // improve, bad (1 <= patience), bad (2 > patience: reduce, RLR-PATIENCE); call 4: bad again (1)
  assert.deepEqual(lrs, [0.1, 0.1, 0.1, 0.1 * 0.5, 0.1 * 0.5]);
  assert.equal(trace.state[4][0].best.dtype, 'int64'); // only ints were published
  assert.equal(trace.state[3][0].num_bad_epochs, 0n); // reset by the reduction
  assert.equal(trace.state[4][0].num_bad_epochs, 1n);
});

test('ReduceLR resumed in a new process keeps reading the hub it was saved with', () => {
  const values = [5.0, 4.0, 3.0, 2.0, 1.0];
  const calls = values.map((v, i) => ({ publish: [v], resume: i === 1
    ? { transport: 'memory', new_process: true, drop_keys: [] } : null }));
  const stale = run('ReduceLR', { patience: 0n, factor: 0.5 }, calls).lrs.map((r) => r[0][0]);
  const live = run('ReduceLR', { patience: 0n, factor: 0.5 }, values.map((v) => ({ publish: [v], resume: null })))
    .lrs.map((r) => r[0][0]);
  assert.deepEqual(live, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1]); // always improving
  assert.deepEqual(stale, [0.1, 0.1, 0.1, 0.05, 0.025, 0.0125]); // RLR-RESUME-STALE-HUB
});
