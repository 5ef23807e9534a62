// Unit tests of the Python value model: each pins a Python rule a naive port gets wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as py from '../python.mjs';

test('float repr follows Python, not JavaScript', () => {
  const cases = [
    [1.0, '1.0'], [-0.0, '-0.0'], [0.1, '0.1'], [1e-4, '0.0001'], [1e-5, '1e-05'],
    [1e16, '1e+16'], [1e15, '1000000000000000.0'], [123456789012345680000, '1.2345678901234568e+20'],
    [2.5e-7, '2.5e-07'], [1 / 3, '0.3333333333333333'], [5e-324, '5e-324'], [1e300, '1e+300'],
    [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'], [0.0002, '0.0002'],
  ];
  for (const [value, text] of cases) assert.equal(py.floatRepr(value), text, String(value));
});

test('str of a value in an f-string', () => {
  assert.equal(py.pyStr(null), 'None');
  assert.equal(py.pyStr(true), 'True');
  assert.equal(py.pyStr(5n), '5');
  assert.equal(py.pyStr(2.5), '2.5');
  assert.equal(py.pyStr(2.0), '2.0');
  assert.equal(py.pyStr('ABS'), 'ABS');
  assert.equal(py.pyStr([0.1, 'a']), "[0.1, 'a']");
  assert.equal(py.strRepr("param 'x'"), `"param 'x'"`); // a KeyError's str()
  assert.equal(py.strRepr('it\'s "q"'), `'it\\'s "q"'`);
});

test('float floor division is CPython float_floor_div, NaN and signed zeros included', () => {
  const cases = [
    [7.0, 2.0, 3.0], [-7.0, 2.0, -4.0], [7.0, -2.0, -4.0], [0.0, -1.0, -0.0], [-0.0, 1.0, -0.0],
    [5.0, Infinity, 0.0], [-5.0, Infinity, -1.0], [Infinity, 1.0, NaN], [NaN, 2.0, NaN],
    [1.0, 0.1, 9.0], // 1.0 // 0.1 is 9.0 in Python, Math.floor(1.0 / 0.1) is 10
  ];
  for (const [a, b, want] of cases) {
    assert.ok(Object.is(py.floatFloorDiv(a, b), want), `${a} // ${b}: ${py.floatFloorDiv(a, b)}`);
  }
  assert.throws(() => py.floordiv(1.0, 0.0), (e) => e.pyType === 'ZeroDivisionError');
  assert.throws(() => py.floordiv(1n, 0n), (e) => e.pyType === 'ZeroDivisionError');
  assert.equal(py.floordiv(-7n, 2n), -4n);
  assert.equal(py.floordiv(7n, true), 7n); // True is 1
  assert.throws(() => py.floordiv(7n, false), (e) => e.pyType === 'ZeroDivisionError');
  assert.throws(() => py.floordiv(7n, null), (e) => e.pyType === 'TypeError');
});

test('int and float keep their types through the arithmetic', () => {
  assert.equal(py.add(1n, 2n), 3n);
  assert.equal(typeof py.add(1n, 2.0), 'number');
  assert.equal(typeof py.truediv(4n, 2n), 'number'); // int / int is a float
  assert.equal(py.mul(true, true), 1n); // bool arithmetic gives an int
  assert.throws(() => py.truediv(1.0, 0n), (e) => e.pyType === 'ZeroDivisionError');
  assert.throws(() => py.sub('5', '0'), (e) => e.pyType === 'TypeError');
  assert.equal(py.mul('ab', 2n), 'abab');
  const np = py.mul(new py.NpScalar('float64', 2.0), 0.5);
  assert.ok(np instanceof py.NpScalar && np.dtype === 'float64' && np.value === 1.0);
  const npi = py.sub(new py.NpScalar('int64', 3n), 1n);
  assert.ok(npi instanceof py.NpScalar && npi.dtype === 'int64' && npi.value === 2n);
  // numpy does not raise on a zero divisor
  assert.equal(py.truediv(new py.NpScalar('float64', 1.0), 0.0).value, Infinity);
});

test('comparisons, truth values, max and int() as Python has them', () => {
  assert.equal(py.lt(9007199254740993n, 9007199254740992.0), false); // exact int/float compare
  assert.equal(py.gt(9007199254740993n, 9007199254740992.0), true);
  assert.equal(py.lt(NaN, 1.0), false);
  assert.equal(py.le('0', '5'), true);
  assert.throws(() => py.le(5n, '5'), (e) => e.pyType === 'TypeError');
  assert.throws(() => py.gt(null, 0n), (e) => e.pyType === 'TypeError');
  assert.equal(py.truthy(NaN), true);
  assert.equal(py.truthy(-0.0), false);
  assert.equal(py.truthy('False'), true);
  assert.equal(py.truthy(0n), false);
  assert.equal(py.truthy([]), false);
  assert.ok(Object.is(py.max2(0.0, -0.0), 0.0)); // a tie returns the first argument
  assert.ok(Object.is(py.max2(-0.0, 0.0), -0.0));
  assert.equal(py.max2(1n, 1.0), 1n);
  assert.ok(Number.isNaN(py.max2(NaN, 1.0))); // 1.0 > nan is false
  assert.equal(py.max2(1.0, NaN), 1.0);
  assert.equal(py.toInt(2.9), 2n);
  assert.equal(py.toInt(-2.9), -2n); // truncation, not floor
  assert.throws(() => py.toInt(NaN), (e) => e.pyType === 'ValueError');
  assert.equal(py.isinstanceInt(true), true);
  assert.equal(py.isinstanceInt(3.0), false);
  assert.equal(py.eq(1n, 1.0), true);
  assert.equal(py.inList(null, ['min', 'max']), false);
});

test('fixture values decode with their types and compare by bits', () => {
  assert.equal(py.decode(2), 2n);
  assert.equal(py.decode(0.5), 0.5);
  assert.ok(Object.is(py.decode({ float: '-0.0' }), -0));
  assert.equal(py.decode({ float: '1.0' }), 1.0);
  assert.equal(py.decode({ int: '12345678901234567890' }), 12345678901234567890n);
  assert.ok(Number.isNaN(py.decode({ float: 'NaN' })));
  assert.equal(py.decode({ type: 'numpy.int64', value: 3 }).dtype, 'int64');
  assert.throws(() => py.decode({ type: 'numpy.float32', value: 1.5 }), py.PortGap);
  assert.throws(() => py.decode({ lr: 1 }), py.PortGap);
  assert.equal(py.sameValue(1n, 1.0), false);
  assert.equal(py.sameValue(0.0, -0.0), false);
  assert.equal(py.sameValue(NaN, -NaN), true);
  assert.equal(py.sameValue(new py.NpScalar('float64', 1.5), 1.5), false);
  assert.equal(py.sameValue(0.1 + 0.2, 0.3), false);
});
