// mmagic 1.2.0's LinearLrInterval and ReduceLR, with the scheduling window they inherit from
// mmengine's _ParamScheduler, written from docs/spec.md. Comments cite the clause each rule
// implements. Every value is a Python value as modelled in python.mjs, and every operation on
// one goes through python.mjs, so types, exceptions and float bits follow Python's rules.
//
// A scheduler keeps its attributes as own enumerable properties under upstream's names, so
// that state_dict() / load_state_dict() are "every attribute but optimizer" / "update by name"
// (WIN-STATE-DICT) and a resume's drop_keys name them as the fixtures do.
import * as py from './python.mjs';

const { PyError } = py;

/** WIN-DEFAULTS: mmengine's "infinity", the int 10**9. */
export const INF = 1000000000n;

// --- optimizers ------------------------------------------------------------------------------

/** torch.optim.SGD as the schedulers see it: param groups holding lr (and initial_lr). */
export class SGD {
  constructor(lrs, initialLrs) {
    this.param_groups = lrs.map((lr, index) => {
      const group = { lr };
      if (initialLrs !== null) group.initial_lr = initialLrs[index];
      return group;
    });
    this.defaults = { lr: lrs[0] }; // SGD(groups, lr=lrs[0]): the default lr is the first group's
    this._global_step = 0;
  }

  get groups() {
    return this.param_groups;
  }

  /** Training uses the lrs but changes none of them; the schedulers count the calls. */
  step() {
    if (this.counted) this._global_step += 1; // WIN-OPTIMIZER-COUNTER
  }

  /** Optimizer.state_dict(): the groups' settings, values by reference (no lr is converted). */
  stateDict() {
    return { param_groups: this.param_groups.map((group) => ({ ...group })) };
  }

  /** Optimizer.load_state_dict(): every group's settings replaced by the saved ones. */
  loadStateDict(state) {
    this.param_groups = state.param_groups.map((group) => ({ ...group }));
  }
}

/**
 * mmengine's OptimWrapper. WIN-WRAPPER-BASE-GROUP: over an optimizer with more than one group
 * at construction it exposes one more group, base_param_settings, made from the optimizer's
 * defaults. The wrapper's state dict carries that group (the object itself, by reference) next
 * to the optimizer's, and loading one adopts the saved object.
 */
export class OptimWrapper {
  constructor(optimizer) {
    this.optimizer = optimizer;
    this.base = optimizer.param_groups.length > 1 ? { ...optimizer.defaults } : null;
  }

  get groups() {
    const real = this.optimizer.param_groups;
    return this.base === null ? real : [...real, this.base];
  }

  step() {
    if (this.counted) this._global_step += 1; // WIN-OPTIMIZER-COUNTER
    this.optimizer.step();
  }

  stateDict() {
    const state = this.optimizer.stateDict();
    if (this.base !== null) state.base_param_settings = this.base;
    return state;
  }

  loadStateDict(state) {
    const { base_param_settings: base = null, ...rest } = state;
    if (base !== null) this.base = base;
    this.optimizer.loadStateDict(rest);
  }
}

// --- the window ------------------------------------------------------------------------------

/** Python's keyword binding: an unknown keyword is a TypeError before anything runs. */
function bindKeywords(className, allowed, kwargs, defaults) {
  for (const key of Object.keys(kwargs)) {
    if (!allowed.includes(key)) {
      throw new PyError('TypeError', `${className}.__init__() got an unexpected keyword argument '${key}'`);
    }
  }
  const bound = { ...defaults };
  for (const key of Object.keys(kwargs)) bound[key] = kwargs[key];
  return bound;
}

function attribute(object, name) {
  if (!Object.hasOwn(object, name)) {
    throw new PyError('AttributeError', `'${object.constructor.name}' object has no attribute '${name}'`);
  }
  return object[name];
}

class WindowedScheduler {
  /** Whether the intent `id` of docs/spec.md is declared (docs/intents.md); none: upstream. */
  intends(id) {
    return this.process.intents.has(id);
  }

  /** The constructor rules in upstream's order, which decides which error wins (WIN-CHECK-ORDER). */
  initWindow(optimizer, begin, end, lastStep, byEpoch, verbose) {
    // WIN-OPTIMIZER-TYPE: the driver only ever passes an SGD or an OptimWrapper.
    Object.defineProperty(this, 'optimizer', { value: optimizer, writable: true, enumerable: false });
    this.param_name = 'lr';
    // WIN-END-AFTER-BEGIN
    if (py.truthy(py.le(end, begin))) {
      throw new PyError('ValueError',
        `end should be larger than begin, but got begin=${py.pyStr(begin)}, end=${py.pyStr(end)}`);
    }
    this.begin = begin;
    this.end = end;
    this.by_epoch = byEpoch;
    // WIN-LAST-STEP: an int (bool included) >= -1, else a bare AssertionError.
    if (!(py.isinstanceInt(lastStep) && py.truthy(py.ge(lastStep, -1n)))) {
      throw new PyError('AssertionError', '');
    }
    const groups = optimizer.groups;
    if (py.eq(lastStep, -1n)) {
      // WIN-INITIAL-VALUE: setdefault, so a preset initial_lr is kept.
      for (const group of groups) if (!Object.hasOwn(group, 'initial_lr')) group.initial_lr = group.lr;
    } else {
      // WIN-RESUME-INITIAL-VALUE: KeyError naming the first group without initial_lr; a
      // KeyError's str() is the repr of its message, hence the quotes.
      groups.forEach((group, index) => {
        if (!Object.hasOwn(group, 'initial_lr')) {
          throw new PyError('KeyError', py.strRepr(
            `param 'initial_lr' is not specified in param_groups[${index}] when resuming an optimizer`));
        }
      });
    }
    this.base_values = groups.map((group) => group.initial_lr);
    this.last_step = lastStep;
    // WIN-OPTIMIZER-COUNTER: count the calls of the optimizer's step (the object passed, wrapper
    // or not), from -1. Only WIN-ORDER-WARNING reads it: nothing a trace records.
    optimizer.counted = true;
    optimizer._global_step = -1;
    this._global_step = -1n;
    this.verbose = verbose;
    // WIN-CONSTRUCTOR-STEP: the constructor performs call 0.
    this.step();
  }

  /** WIN-ACTIVE: begin <= _global_step < end (a chained comparison: the second only if needed). */
  isActive() {
    return py.truthy(py.le(this.begin, this._global_step))
      && py.truthy(py.lt(this._global_step, this.end));
  }

  step() {
    // WIN-ORDER-WARNING only warns: nothing a trace records.
    this._global_step = py.add(this._global_step, 1n);
    if (this.isActive()) {
      // WIN-FAILED-CALL: last_step advances before the value is computed.
      this.last_step = py.add(this.last_step, 1n);
      this.write(this.getValue());
    } else {
      const values = this.inactiveValues();
      if (values !== null) this.write(values);
    }
    // WIN-LAST-VALUE: every call records the current lrs.
    this._last_value = this.optimizer.groups.map((group) => group.lr);
  }

  /** WIN-ACTIVE: an inactive call writes nothing (an intent may write values). */
  inactiveValues() {
    return null;
  }

  /** WIN-WRITE: group by group, in order (zip: as many as both lists have). */
  write(values) {
    const groups = this.optimizer.groups;
    const count = Math.min(groups.length, values.length);
    for (let index = 0; index < count; index += 1) {
      groups[index].lr = values[index];
      this.printValue(index, values[index]);
    }
  }

  /** WIN-VERBOSE / WIN-VERBOSE-FORMAT: a truthy verbose formats each value with '{:.4e}'. */
  printValue(index, value) {
    if (!py.truthy(this.verbose)) return;
    if (typeof value === 'string') {
      throw new PyError('ValueError', "Unknown format code 'e' for object of type 'str'");
    }
    if (!(py.isInt(value) || typeof value === 'number' || value instanceof py.NpScalar)) {
      throw new PyError('TypeError',
        `unsupported format string passed to ${py.typeName(value)}.__format__`);
    }
    // The log line itself goes to a logger: nothing a trace records.
  }

  /** WIN-STATE-DICT: every attribute except the optimizer, by reference. */
  stateDict() {
    return { ...this };
  }

  /** WIN-STATE-DICT: overwrite attributes by name, without any check. */
  loadStateDict(state) {
    Object.assign(this, state);
  }
}

// --- LinearLrInterval ------------------------------------------------------------------------

const LLI_KEYWORDS = ['start_factor', 'end_factor', 'begin', 'end', 'last_step', 'by_epoch',
  'verbose', 'interval'];

export class LinearLrInterval extends WindowedScheduler {
  constructor(process, optimizer, kwargs) {
    super();
    Object.defineProperty(this, 'process', { value: process, enumerable: false });
    // LLI-DEFAULTS, LLI-EXTRA-KWARGS
    const a = bindKeywords('LinearLR', LLI_KEYWORDS, kwargs, {
      start_factor: 1.0 / 3, end_factor: 1.0, begin: 0n, end: INF, last_step: -1n,
      by_epoch: true, verbose: false, interval: 1n,
    });
    // LLI-INTERVAL-UNVALIDATED: stored first, never checked.
    this.interval = a.interval;
    // LLI-FACTOR-RANGE, start_factor first; `x > 1.0 or x < 0` short-circuits.
    if (py.truthy(py.gt(a.start_factor, 1.0)) || py.truthy(py.lt(a.start_factor, 0n))) {
      throw new PyError('ValueError', 'Starting multiplicative factor should between 0 and 1.');
    }
    if (py.truthy(py.gt(a.end_factor, 1.0)) || py.truthy(py.lt(a.end_factor, 0n))) {
      throw new PyError('ValueError', 'Ending multiplicative factor should between 0 and 1.');
    }
    this.start_factor = a.start_factor;
    this.end_factor = a.end_factor;
    // LLI-TOTAL-ITERS, LLI-CONSTRUCTOR-ORDER: computed before the window's checks.
    this.total_iters = py.sub(py.sub(a.end, a.begin), 1n);
    this.initWindow(optimizer, a.begin, a.end, a.last_step, a.by_epoch, a.verbose);
  }

  /** LLI-ITER-FROM-EPOCH, LLI-ITER-FROM-EPOCH-ARGS */
  static buildIterFromEpoch(process, optimizer, epochLength, kwargs) {
    const { begin = 0n, end = INF, by_epoch: byEpoch = true, ...rest } = kwargs;
    if (!py.truthy(byEpoch)) {
      throw new PyError('AssertionError',
        'Only epoch-based kwargs whose `by_epoch=True` can be converted to iter-based.');
    }
    if (!(epochLength !== null && py.truthy(py.gt(epochLength, 0n)))) {
      throw new PyError('AssertionError',
        `\`epoch_length\` must be a positive integer, but got ${py.pyStr(epochLength)}.`);
    }
    const scaledBegin = py.toInt(py.mul(begin, epochLength)); // int(): truncation
    const scaledEnd = py.eq(end, INF) ? end : py.toInt(py.mul(end, epochLength));
    return new LinearLrInterval(process, optimizer,
      { ...rest, begin: scaledBegin, end: scaledEnd, by_epoch: false });
  }

  getValue() {
    const groups = this.optimizer.groups;
    const last = () => py.truthy(py.ge(py.add(this._global_step, 1n), this.end));
    if (this.intends('LLI-NEVER-END-FACTOR') && last()) {
      // intent:LLI-NEVER-END-FACTOR: the last active call writes end_factor, reading nothing.
      return groups.map(() => this.end_factor);
    }
    if (py.eq(this.last_step, 0n)) {
      // intent:LLI-FIRST-STEP-DIP: the staircase value for k = 0.0 instead of the dip.
      if (this.intends('LLI-FIRST-STEP-DIP')) return this.absoluteValues(0.0);
      // LLI-FIRST-STEP-DIP: lr * start_factor, no progress read.
      return groups.map((group) => py.mul(group.lr, this.start_factor));
    }
    // LLI-PROGRESS-SOURCE, LLI-CURRENT-HUB: the current hub, at every call.
    const hub = this.process.hubs.getCurrentInstance();
    const progress = hub.getInfo(py.truthy(this.by_epoch) ? 'epoch' : 'iter');
    // LLI-STAIRCASE: numerator first (its TypeError wins over the denominator's ZeroDivision).
    const done = py.floordiv(py.max2(0n, py.sub(progress, this.begin)), this.interval);
    const total = py.floordiv(py.sub(this.end, this.begin), this.interval);
    return this.absoluteValues(py.truediv(done, total));
  }

  /** LLI-ABSOLUTE-VALUE, LLI-GROUPS-COLLAPSE, LLI-VALUE-TYPES: one value for every group. */
  absoluteValues(k) {
    const value = py.add(this.start_factor, py.mul(py.sub(this.end_factor, this.start_factor), k));
    return this.optimizer.groups.map(() => value);
  }

  /** LLI-BEFORE-BEGIN: an inactive call leaves every lr as it is. */
  inactiveValues() {
    if (this.intends('LLI-BEFORE-BEGIN') && py.truthy(py.lt(this._global_step, this.begin))) {
      // intent:LLI-BEFORE-BEGIN: every call before begin writes start_factor itself.
      return this.optimizer.groups.map(() => this.start_factor);
    }
    return null;
  }
}

// --- ReduceLR --------------------------------------------------------------------------------

/** RLR-HUB-BINDING */
export const HUB_NAME = 'reduce_lr';
const VALUE_KEY = 'value';
const RLR_KEYWORDS = ['mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown',
  'min_lr', 'eps', 'begin', 'end', 'last_step', 'by_epoch', 'verbose'];

export class ReduceLR extends WindowedScheduler {
  constructor(process, optimizer, kwargs) {
    super();
    Object.defineProperty(this, 'process', { value: process, enumerable: false });
    // RLR-DEFAULTS, RLR-EXTRA-KWARGS
    const a = bindKeywords('ReduceLR', RLR_KEYWORDS, kwargs, {
      mode: 'min', factor: 0.1, patience: 10n, threshold: 1e-4, threshold_mode: 'rel',
      cooldown: 0n, min_lr: 0.0, eps: 1e-8, begin: 0n, end: INF, last_step: -1n, by_epoch: true,
      verbose: false,
    });
    // RLR-CONSTRUCTOR-ORDER: the window and its call 0 first.
    this.initWindow(optimizer, a.begin, a.end, a.last_step, a.by_epoch, a.verbose);
    this.message_hub = process.hubs.getInstance(HUB_NAME); // RLR-HUB-BINDING
    // RLR-VALIDATION: mode, factor, threshold_mode, in that order; the mode message keeps
    // upstream's unfilled placeholder.
    if (!py.inList(a.mode, ['min', 'max'])) {
      if (this.intends('RLR-VALIDATION')) {
        // intent:RLR-VALIDATION: the message names the rejected value.
        throw new PyError('ValueError',
          `mode must be one of "min" or "max", instead got ${py.pyStr(a.mode)}`);
      }
      throw new PyError('ValueError', 'mode must be one of "min" or "max", instead got {mode}');
    }
    this.mode = a.mode;
    if (py.truthy(py.ge(a.factor, 1.0)) || py.truthy(py.lt(a.factor, 0n))) {
      throw new PyError('ValueError', 'Factor should be < 1.0 and >=0');
    }
    this.factor = a.factor;
    // RLR-UNVALIDATED, RLR-ARG-TYPES
    this.patience = a.patience;
    this.threshold = a.threshold;
    if (!py.inList(a.threshold_mode, ['rel', 'abs'])) {
      throw new PyError('ValueError',
        `thresh_mode must be one of "rel" or "abs",instead got ${py.pyStr(a.threshold_mode)}`);
    }
    this.threshold_mode = a.threshold_mode;
    this.cooldown = a.cooldown;
    this.cooldown_counter = 0n;
    this.best = null;
    this.num_bad_epochs = null;
    this.mode_worse = null;
    this.min_lr = a.min_lr;
    this.eps = a.eps;
    this.last_epoch = 0n; // RLR-LAST-EPOCH
    // RLR-MODE-WORSE, RLR-INIT-IS-BETTER-RESET: anything but 'min' counts as max.
    this.mode_worse = py.eq(this.mode, 'min') ? Infinity : -Infinity;
    // RLR-INITIAL-STATE
    this.best = this.mode_worse;
    this.cooldown_counter = 0n;
    this.num_bad_epochs = 0n;
  }

  getValue() {
    const current = () => this.optimizer.groups.map((group) => group.lr);
    // RLR-FIRST-STEP: the first active call reads and counts nothing.
    if (py.eq(this.last_step, 0n)) return current();
    // RLR-METRIC-CURRENT, RLR-METRIC-MISSING, RLR-METRIC-STALE: the bound hub's latest value.
    const value = attribute(this, 'message_hub').getScalar(VALUE_KEY).current();
    // RLR-COUNT
    if (py.truthy(this.isBetter(value, attribute(this, 'best')))) {
      this.best = value;
      this.num_bad_epochs = 0n;
    } else {
      this.num_bad_epochs = py.add(attribute(this, 'num_bad_epochs'), 1n);
    }
    // RLR-COOLDOWN
    if (py.truthy(py.gt(attribute(this, 'cooldown_counter'), 0n))) {
      this.cooldown_counter = py.sub(this.cooldown_counter, 1n);
      this.num_bad_epochs = 0n;
    }
    // RLR-PATIENCE
    if (py.truthy(py.gt(this.num_bad_epochs, attribute(this, 'patience')))) {
      this.cooldown_counter = attribute(this, 'cooldown');
      this.num_bad_epochs = 0n;
      return this.reducedValues();
    }
    return current();
  }

  /** RLR-REDUCE-ORDER, RLR-EPS, RLR-MIN-LR, RLR-GROUPS, RLR-VALUE-TYPES */
  reducedValues() {
    return this.optimizer.groups.map((group) => {
      let lr = group.lr;
      if (this.intends('RLR-MIN-LR') && py.truthy(py.le(lr, this.min_lr))) {
        // intent:RLR-MIN-LR: an lr at or below min_lr is left as it is.
      } else if (this.intends('RLR-REDUCE-ORDER')) {
        // intent:RLR-REDUCE-ORDER: torch's order, the floor first, then the eps test.
        const reduced = py.max2(py.mul(lr, this.factor), this.min_lr);
        if (py.truthy(py.gt(py.sub(lr, reduced), this.eps))) lr = reduced;
      } else if (py.truthy(py.gt(py.sub(lr, py.mul(lr, this.factor)), this.eps))) { // RLR-EPS
        lr = py.max2(py.mul(lr, this.factor), this.min_lr); // RLR-MIN-LR
      }
      return lr;
    });
  }

  /** WIN-STATE-DICT and RLR-RESUME-STALE-HUB: the saved message_hub is bound again. */
  loadStateDict(state) {
    if (this.intends('RLR-RESUME-STALE-HUB')) {
      // intent:RLR-RESUME-STALE-HUB: keep the hub this scheduler is bound to.
      const { message_hub: ignored, ...rest } = state;
      void ignored;
      super.loadStateDict(rest);
      return;
    }
    super.loadStateDict(state);
  }

  /** RLR-IS-BETTER, RLR-IS-BETTER-EDGES, RLR-LOAD-UNVALIDATED */
  isBetter(a, best) {
    const min = py.eq(this.mode, 'min');
    const rel = py.eq(this.threshold_mode, 'rel');
    if (min && rel) return py.lt(a, py.mul(best, py.sub(1.0, this.threshold)));
    if (min && py.eq(this.threshold_mode, 'abs')) return py.lt(a, py.sub(best, this.threshold));
    if (py.eq(this.mode, 'max') && rel) return py.gt(a, py.mul(best, py.add(1.0, this.threshold)));
    return py.gt(a, py.add(best, this.threshold));
  }
}

/** RLR-NO-ITER-FROM-EPOCH: ReduceLR has no build_iter_from_epoch. */
ReduceLR.buildIterFromEpoch = () => {
  throw new PyError('AttributeError', "type object 'ReduceLR' has no attribute 'build_iter_from_epoch'");
};
