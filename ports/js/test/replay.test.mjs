// The replay of every golden file as a test, and a check that the comparison can fail.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { compare, decodeInputs, replay } from '../driver.mjs';
import { DEFAULT_FIXTURES, FILES, intentFiles, replayFile } from '../replay.mjs';

const files = [...FILES.map((name) => `${name}.json`), ...intentFiles(DEFAULT_FIXTURES).map((n) => `intents/${n}`)];
for (const name of files) {
  test(`every case of fixtures/${name} replays bit for bit`, () => {
    const result = replayFile(path.join(DEFAULT_FIXTURES, name));
    assert.ok(result.replayed > 0);
    assert.deepEqual(result.failures.map((f) => `${f.id}: ${f.details[0]}`), []);
    assert.equal(result.matched, result.replayed);
  });
}

test('the comparison reports a flipped bit, a changed type, a changed error and a missing row', () => {
  const data = JSON.parse(fs.readFileSync(path.join(DEFAULT_FIXTURES, 'reduce_lr.json'), 'utf8'));
  const withError = data.cases.find((c) => c.expected.error && c.expected.error.normative);
  const plain = data.cases.find((c) => !c.expected.error && c.expected.lrs.length > 2
    && typeof c.expected.lrs[1][0][0] === 'number' && !Number.isInteger(c.expected.lrs[1][0][0]));
  const trace = replay(decodeInputs(plain.inputs));
  assert.deepEqual(compare(trace, plain.expected), []);
  const flipped = structuredClone(plain.expected);
  const lr = flipped.lrs[1][0][0];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, lr);
  view.setBigUint64(0, view.getBigUint64(0) ^ 1n);
  flipped.lrs[1][0][0] = view.getFloat64(0);
  assert.equal(compare(trace, flipped).length, 1);
  const retyped = structuredClone(plain.expected);
  retyped.state[0][0].last_step = { float: '0.0' };
  assert.equal(compare(trace, retyped).length, 1);
  const shorter = structuredClone(plain.expected);
  shorter.lrs.pop();
  shorter.state.pop();
  assert.ok(compare(trace, shorter).some((line) => line.startsWith('rows:')));
  const errorTrace = replay(decodeInputs(withError.inputs));
  assert.deepEqual(compare(errorTrace, withError.expected), []);
  const reworded = structuredClone(withError.expected);
  reworded.error.message += '!';
  assert.equal(compare(errorTrace, reworded).length, 1);
  reworded.error.normative = false; // an informative message is not compared
  assert.deepEqual(compare(errorTrace, reworded), []);
  assert.equal(compare(errorTrace, { ...withError.expected, error: null }).length, 1);
});

test('only a torch-typed input leaves a case out; an unknown type fails as unclassified', async () => {
  const { leftOutReason, replayCase } = await import('../replay.mjs');
  const data = JSON.parse(fs.readFileSync(path.join(DEFAULT_FIXTURES, 'reduce_lr.json'), 'utf8'));
  const original = data.cases.find((c) => Array.isArray(c.inputs.calls));
  assert.equal(leftOutReason(original), null);
  const tensor = structuredClone(original);
  tensor.inputs.calls[0].publish = [{ type: 'torch.Tensor', value: 1.5 }];
  assert.match(leftOutReason(tensor), /torch\.Tensor/);
  const unknown = structuredClone(original);
  unknown.inputs.calls[0].publish = [{ type: 'numpy.float32', value: 1.5 }];
  assert.equal(leftOutReason(unknown), null);
  assert.equal(replayCase(unknown).status, 'unclassified');
});
