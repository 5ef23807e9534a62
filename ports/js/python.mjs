// A small model of the Python values the fixtures hold and of the Python operations the two
// schedulers apply to them (docs/fixtures.md, "Values"; docs/fixtures.md, "For porters").
//
// Representation (Python type -> JavaScript):
//   int      -> bigint          (arbitrary precision, like Python's int)
//   bool     -> boolean         (a subclass of int in Python: True behaves as 1 in arithmetic)
//   float    -> number          (IEEE-754 binary64, as CPython's float)
//   None     -> null
//   str      -> string
//   list     -> Array
//   numpy.float64 / numpy.int64 -> NpScalar (what MessageHub hands back, RLR-METRIC-CURRENT)
// Anything else is refused: a fixture holding it cannot be replayed by this port.

/** An exception as upstream raises it: the Python type name and str(exception). */
export class PyError extends Error {
  constructor(type, message = '') {
    super(message);
    this.pyType = type;
    this.pyMessage = message;
  }
}

/** A value or situation the port does not model: a bug or a gap of the port, never a result. */
export class PortGap extends Error {}

/** A numpy scalar: dtype 'float64' (value a number) or 'int64' (value a bigint). */
export class NpScalar {
  constructor(dtype, value) {
    if (dtype === 'float64' && typeof value !== 'number') throw new PortGap('np.float64 of ' + value);
    if (dtype === 'int64' && typeof value !== 'bigint') throw new PortGap('np.int64 of ' + value);
    this.dtype = dtype;
    this.value = dtype === 'int64' ? BigInt.asIntN(64, value) : value;
  }
}

export const isInt = (x) => typeof x === 'bigint' || typeof x === 'boolean';
const isPyNumber = (x) => isInt(x) || typeof x === 'number';
const isNumeric = (x) => isPyNumber(x) || x instanceof NpScalar;
const asBig = (x) => (typeof x === 'boolean' ? (x ? 1n : 0n) : x);

/** Python's type name, for messages and for the comparison of recorded values. */
export function typeName(x) {
  if (x === null) return 'NoneType';
  if (typeof x === 'boolean') return 'bool';
  if (typeof x === 'bigint') return 'int';
  if (typeof x === 'number') return 'float';
  if (typeof x === 'string') return 'str';
  if (Array.isArray(x)) return 'list';
  if (x instanceof NpScalar) return 'numpy.' + x.dtype;
  if (x && x.pyTypeName) return x.pyTypeName;
  throw new PortGap('no Python type for ' + String(x));
}

// ---------------------------------------------------------------------------------------------
// int -> float. CPython rounds half to even (int.__float__); so does Number(bigint).
function toFloat(x) {
  const n = Number(asBig(x));
  if (!Number.isFinite(n)) throw new PyError('OverflowError', 'int too large to convert to float');
  return n;
}

function unsupported(op, a, b) {
  return new PyError('TypeError',
    `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

// numpy arithmetic (NEP 50, numpy 2): a numpy scalar with a Python int keeps the numpy dtype,
// with a Python float becomes float64; int64 with int64 stays int64 (wrapping, as numpy does).
function npBinary(op, a, b, fop, iop) {
  const dtypeOf = (x) => (x instanceof NpScalar ? x.dtype : isInt(x) ? 'pyint' : 'pyfloat');
  const da = dtypeOf(a);
  const db = dtypeOf(b);
  if (!isNumeric(a) || !isNumeric(b)) throw unsupported(op, a, b);
  const raw = (x) => (x instanceof NpScalar ? x.value : asBig(x));
  const intResult = (da === 'int64' || da === 'pyint') && (db === 'int64' || db === 'pyint');
  if (intResult && iop) return new NpScalar('int64', iop(raw(a), raw(b)));
  const f = (x) => (typeof raw(x) === 'bigint' ? Number(raw(x)) : raw(x));
  return new NpScalar('float64', fop(f(a), f(b)));
}

function numericBinary(op, a, b, fop, iop) {
  if (a instanceof NpScalar || b instanceof NpScalar) return npBinary(op, a, b, fop, iop);
  if (isInt(a) && isInt(b)) return iop(asBig(a), asBig(b));
  if (isPyNumber(a) && isPyNumber(b)) return fop(isInt(a) ? toFloat(a) : a, isInt(b) ? toFloat(b) : b);
  return undefined;
}

export function add(a, b) {
  const r = numericBinary('+', a, b, (x, y) => x + y, (x, y) => x + y);
  if (r !== undefined) return r;
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  throw unsupported('+', a, b);
}

export function sub(a, b) {
  const r = numericBinary('-', a, b, (x, y) => x - y, (x, y) => x - y);
  if (r !== undefined) return r;
  throw unsupported('-', a, b);
}

export function mul(a, b) {
  const r = numericBinary('*', a, b, (x, y) => x * y, (x, y) => x * y);
  if (r !== undefined) return r;
  // Python's sequence repetition: str * int, list * int (either order).
  const seq = typeof a === 'string' || Array.isArray(a) ? a : b;
  const count = seq === a ? b : a;
  if ((typeof seq === 'string' || Array.isArray(seq)) && typeof count !== 'number' && isInt(count)) {
    const n = Number(asBig(count));
    if (typeof seq === 'string') return n > 0 ? seq.repeat(n) : '';
    const out = [];
    for (let i = 0; i < n; i += 1) out.push(...seq);
    return out;
  }
  if ((typeof seq === 'string' || Array.isArray(seq)) && isNumeric(count)) {
    throw new PyError('TypeError', `can't multiply sequence by non-int of type '${typeName(count)}'`);
  }
  throw unsupported('*', a, b);
}

/** Python's true division `/`: int / int is a float; a zero divisor raises ZeroDivisionError. */
export function truediv(a, b) {
  if (a instanceof NpScalar || b instanceof NpScalar) {
    // numpy divides by zero without raising (inf or nan, with a RuntimeWarning).
    return npBinary('/', a, b, (x, y) => x / y, null);
  }
  if (isPyNumber(a) && isPyNumber(b)) {
    if (isInt(a) && isInt(b)) {
      const x = asBig(a);
      const y = asBig(b);
      if (y === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
      const big = 2n ** 53n;
      const abs = (v) => (v < 0n ? -v : v);
      if (abs(x) > big || abs(y) > big) throw new PortGap('int / int beyond 2**53 is not modelled');
      return Number(x) / Number(y); // both exact doubles: one correctly rounded division
    }
    const x = isInt(a) ? toFloat(a) : a;
    const y = isInt(b) ? toFloat(b) : b;
    if (y === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
    return x / y;
  }
  throw unsupported('/', a, b);
}

/** CPython's float floor division (Objects/floatobject.c, float_floor_div), step by step. */
export function floatFloorDiv(vx, wx) {
  if (wx === 0) throw new PyError('ZeroDivisionError', 'float floor division by zero');
  let mod = vx % wx; // JavaScript's % on numbers is C's fmod: exact
  let div = (vx - mod) / wx;
  // C's `if (mod)` is true for NaN; JavaScript's `if (NaN)` is false: test `!== 0`.
  if (mod !== 0) {
    if ((wx < 0) !== (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  }
  let floordiv;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    const q = vx / wx; // copysign(0.0, vx / wx)
    floordiv = q < 0 || Object.is(q, -0) ? -0.0 : 0.0;
  }
  return floordiv;
}

/** Python's floor division `//`: ints floor exactly, floats as CPython does. */
export function floordiv(a, b) {
  if (a instanceof NpScalar || b instanceof NpScalar) throw new PortGap('numpy // is not modelled');
  if (isInt(a) && isInt(b)) {
    const x = asBig(a);
    const y = asBig(b);
    if (y === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
    let q = x / y; // truncates toward zero
    if (x % y !== 0n && (x < 0n) !== (y < 0n)) q -= 1n;
    return q;
  }
  if (isPyNumber(a) && isPyNumber(b)) {
    return floatFloorDiv(isInt(a) ? toFloat(a) : a, isInt(b) ? toFloat(b) : b);
  }
  throw unsupported('//', a, b);
}

// ---------------------------------------------------------------------------------------------
// Comparisons. Python compares int and float by their exact values (no rounding), and so does
// JavaScript's relational comparison of a bigint with a number. NaN compares false.
const RICH = {
  '<': (x, y) => x < y, '<=': (x, y) => x <= y, '>': (x, y) => x > y, '>=': (x, y) => x >= y,
};

function compare(op, a, b) {
  if (isNumeric(a) && isNumeric(b)) {
    const raw = (x) => (x instanceof NpScalar ? x.value : asBig(x));
    const result = RICH[op](raw(a), raw(b));
    // numpy answers with numpy.bool_; its truth value is the same, nothing observes the type.
    return result;
  }
  if (typeof a === 'string' && typeof b === 'string') return RICH[op](a, b); // code points (BMP)
  if (Array.isArray(a) && Array.isArray(b)) throw new PortGap('list ordering is not modelled');
  throw new PyError('TypeError',
    `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}
export const lt = (a, b) => compare('<', a, b);
export const le = (a, b) => compare('<=', a, b);
export const gt = (a, b) => compare('>', a, b);
export const ge = (a, b) => compare('>=', a, b);

/** Python's `==` for the values a scheduler compares (never raises). */
export function eq(a, b) {
  if (isNumeric(a) && isNumeric(b)) {
    const raw = (x) => (x instanceof NpScalar ? x.value : asBig(x));
    return raw(a) == raw(b); // eslint-disable-line eqeqeq -- bigint == number is exact
  }
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => eq(x, b[i]));
  }
  return false;
}

/** Python's `x in [..]` for a list: identity or ==, element by element. */
export const inList = (x, list) => list.some((item) => eq(x, item));

/** Python's truth value: 0, 0.0, -0.0, '', [], None and False are false; NaN is true. */
export function truthy(x) {
  if (x === null) return false;
  if (typeof x === 'boolean') return x;
  if (typeof x === 'bigint') return x !== 0n;
  if (typeof x === 'number') return x !== 0; // NaN !== 0: NaN is true, as in Python
  if (typeof x === 'string' || Array.isArray(x)) return x.length > 0;
  if (x instanceof NpScalar) return typeof x.value === 'bigint' ? x.value !== 0n : x.value !== 0;
  throw new PortGap('truth value of ' + String(x));
}

/** Python's builtin max(a, b): b only if `b > a` is true, so a tie returns a, the first. */
export const max2 = (a, b) => (truthy(gt(b, a)) ? b : a);

/** isinstance(x, int): bool is an int in Python. */
export const isinstanceInt = isInt;

/** Python's int(x): truncation toward zero for floats, decimal parsing for strings. */
export function toInt(x) {
  if (isInt(x)) return asBig(x);
  if (typeof x === 'number') {
    if (Number.isNaN(x)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(x)) {
      throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    }
    return BigInt(Math.trunc(x));
  }
  if (typeof x === 'string') {
    const s = x.trim().replace(/_/g, '');
    if (/^[+-]?\d+$/.test(s)) return BigInt(s);
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(x)}`);
  }
  throw new PyError('TypeError',
    `int() argument must be a string, a bytes-like object or a real number, not '${typeName(x)}'`);
}

// ---------------------------------------------------------------------------------------------
// Text: what an f-string writes (str) and what repr writes.

/** Python's repr of a float: the shortest round-trip digits, in Python's layout. */
export function floatRepr(x) {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, as repr does.
  const [mantissa, expText] = x.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1; // x = 0.d1d2... * 10**decpt
  let body;
  if (decpt <= -4 || decpt > 16) {
    // Exponent notation: d[.ddd]e[+-]XX, at least two exponent digits.
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    body = `${m}e${exp < 0 ? '-' : '+'}${e}`;
  } else if (decpt <= 0) {
    body = `0.${'0'.repeat(-decpt)}${digits}`;
  } else if (decpt >= digits.length) {
    body = `${digits}${'0'.repeat(decpt - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  return negative ? `-${body}` : body;
}

/** Python's repr of a str: single quotes unless the text has ' and no ". */
export function strRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.codePointAt(0) < 0x20 || ch.codePointAt(0) === 0x7f) {
      out += `\\x${ch.codePointAt(0).toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return quote + out + quote;
}

export function pyRepr(x) {
  if (x === null) return 'None';
  if (typeof x === 'boolean') return x ? 'True' : 'False';
  if (typeof x === 'bigint') return x.toString();
  if (typeof x === 'number') return floatRepr(x);
  if (typeof x === 'string') return strRepr(x);
  if (Array.isArray(x)) return `[${x.map(pyRepr).join(', ')}]`;
  if (x instanceof NpScalar) {
    const inner = x.dtype === 'int64' ? x.value.toString() : floatRepr(x.value);
    return `np.${x.dtype}(${inner})`;
  }
  throw new PortGap('repr of ' + String(x));
}

/** Python's str(x), what an f-string's {x} writes. */
export function pyStr(x) {
  if (typeof x === 'string') return x;
  if (x instanceof NpScalar) return x.dtype === 'int64' ? x.value.toString() : floatRepr(x.value);
  return pyRepr(x);
}

// ---------------------------------------------------------------------------------------------
// The fixtures' encoding (docs/fixtures.md, "Values").

const TYPED = {
  'numpy.float64': (v) => new NpScalar('float64', typeof v === 'bigint' ? Number(v) : v),
  'numpy.int64': (v) => new NpScalar('int64', v),
};

/** A fixture value -> the port's value. Refuses any object that is not one of the tags. */
export function decode(v) {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    // The encoder writes an integral float as {"float": ...}, so an integral number is an int.
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort().join(',');
    if (keys === 'float' && typeof v.float === 'string') {
      const parsed = Number(v.float); // 'NaN', 'Infinity', '-Infinity', '-0.0', '1e+300'
      if (Number.isNaN(parsed) && v.float !== 'NaN') throw new PortGap('bad float ' + v.float);
      return parsed;
    }
    if (keys === 'int' && typeof v.int === 'string') return BigInt(v.int);
    if (keys === 'type,value' && Object.hasOwn(TYPED, v.type)) return TYPED[v.type](decode(v.value));
  }
  throw new PortGap('unknown encoded value ' + JSON.stringify(v));
}

const bits = (x) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
};

/** Typed, bitwise equality: 1 != 1.0, 0.0 != -0.0, any NaN equals any NaN. */
export function sameValue(a, b) {
  if (typeName(a) !== typeName(b)) return false;
  if (typeof a === 'number') return (Number.isNaN(a) && Number.isNaN(b)) || bits(a) === bits(b);
  if (a instanceof NpScalar) return sameValue(a.value, b.value);
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

/** A value as a short text with its type, for a mismatch report. */
export const describe = (x) => `${typeName(x)} ${pyRepr(x)}`;
