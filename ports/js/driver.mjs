// The driver protocol of docs/fixtures.md, step by step, and the comparison of a replay with a
// case's expected trace.
import { HubRegistry, MessageHub } from './hub.mjs';
import * as py from './python.mjs';
import { HUB_NAME, LinearLrInterval, OptimWrapper, ReduceLR, SGD } from './schedulers.mjs';

const { PyError, PortGap } = py;
const RUNNER_HUB = 'conformance-runner';
const CLASSES = { LinearLrInterval, ReduceLR };
/** The attributes a state row holds, per class (docs/fixtures.md, `expected`). */
export const STATE_ATTRIBUTES = {
  LinearLrInterval: ['last_step', '_global_step'],
  ReduceLR: ['last_step', '_global_step', 'best', 'num_bad_epochs', 'cooldown_counter', 'last_epoch'],
};

/** A case's inputs with every value decoded (refusing what the port cannot represent). */
export function decodeInputs(inputs) {
  const calls = typeof inputs.calls === 'number'
    ? Array.from({ length: inputs.calls }, () => ({}))
    : inputs.calls;
  return {
    optimizers: inputs.optimizers.map((o) => ({
      lrs: py.decode(o.lrs),
      initialLrs: o.initial_lrs === null ? null : py.decode(o.initial_lrs),
      wrapper: o.wrapper,
    })),
    schedulers: inputs.schedulers.map((s) => ({
      type: s.type,
      build: s.build,
      optimizer: s.optimizer,
      kwargs: Object.fromEntries(Object.entries(s.kwargs).map(([k, v]) => [k, py.decode(v)])),
    })),
    loop: inputs.loop,
    epochLength: py.decode(inputs.epoch_length),
    progress: inputs.progress,
    offset: py.decode(inputs.progress_offset),
    metricBeforeBuild: py.decode(inputs.metric_before_build),
    reduceLrHubFirst: inputs.reduce_lr_hub_first,
    calls: calls.map((c) => ({
      publish: (c.publish || []).map(py.decode),
      resume: c.resume || null,
    })),
  };
}

/** One training process: its MessageHub registry (step 1 of the protocol). */
class Process {
  constructor(inputs, intents, runtimeInfo = null) {
    this.intents = intents;
    this.hubs = new HubRegistry();
    if (inputs.reduceLrHubFirst) this.hubs.getInstance(HUB_NAME);
    this.runner = this.hubs.getInstance(RUNNER_HUB);
    if (runtimeInfo) for (const [k, v] of runtimeInfo) this.runner.updateInfo(k, v);
  }

  publishProgress(iteration, epoch) {
    this.runner.updateInfo('iter', iteration);
    this.runner.updateInfo('epoch', epoch);
  }

  publishMetric(value) {
    this.hubs.getInstance(HUB_NAME).updateScalar('value', value);
  }
}

class World {
  constructor(inputs) {
    this.inputs = inputs;
    this.optimizers = inputs.optimizers.map((o) => {
      const sgd = new SGD(o.lrs, o.initialLrs);
      return o.wrapper ? new OptimWrapper(sgd) : sgd;
    });
    this.schedulers = [];
  }

  build(process) {
    for (const spec of this.inputs.schedulers) {
      const cls = CLASSES[spec.type];
      if (!cls) throw new PortGap('unknown scheduler type ' + spec.type);
      const optimizer = this.optimizers[spec.optimizer];
      if (spec.build === 'init') {
        this.schedulers.push(new cls(process, optimizer, spec.kwargs));
      } else if (spec.build === 'iter_from_epoch') {
        const { epochLength } = this.inputs;
        this.schedulers.push(cls.buildIterFromEpoch(process, optimizer, epochLength, spec.kwargs));
      } else {
        throw new PortGap('unknown build ' + spec.build);
      }
    }
  }

  lrs() {
    return this.optimizers.map((o) => o.groups.map((group) => group.lr));
  }

  state() {
    return this.schedulers.map((s, index) => {
      const names = STATE_ATTRIBUTES[this.inputs.schedulers[index].type];
      return Object.fromEntries(names.filter((n) => Object.hasOwn(s, n)).map((n) => [n, s[n]]));
    });
  }
}

// --- transports (step 5.2) -------------------------------------------------------------------

/** copy.deepcopy: lists, dicts and hubs copied, shared objects copied once (the memo). */
function deepCopy(value, memo = new Map()) {
  if (value === null || typeof value !== 'object' || value instanceof py.NpScalar) return value;
  if (memo.has(value)) return memo.get(value);
  let copied;
  if (value instanceof MessageHub) copied = value.deepCopy();
  else if (Array.isArray(value)) {
    copied = [];
    memo.set(value, copied);
    for (const item of value) copied.push(deepCopy(item, memo));
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    copied = {};
    memo.set(value, copied);
    for (const [k, v] of Object.entries(value)) copied[k] = deepCopy(v, memo);
  } else throw new PortGap('deepcopy of ' + value.constructor.name);
  memo.set(value, copied);
  return copied;
}

/**
 * torch.load's default on torch >= 2.6 (weights_only=True) refuses any global that is not on
 * its allow-list; of what these checkpoints hold, only the MessageHub object (RLR-TORCH-LOAD).
 */
function refuseNonPlain(value) {
  if (value instanceof MessageHub) {
    throw new PyError('_pickle.UnpicklingError',
      'Weights only load failed ... Unsupported global: GLOBAL mmengine.logging.message_hub.MessageHub');
  }
  if (Array.isArray(value)) value.forEach(refuseNonPlain);
  else if (value !== null && typeof value === 'object' && !(value instanceof py.NpScalar)) {
    Object.values(value).forEach(refuseNonPlain);
  }
}

function transport(payload, how) {
  if (how === 'memory') return payload;
  if (how === 'deepcopy') return deepCopy(payload);
  if (how === 'torch_save_unsafe') return deepCopy(payload); // a pickle round trip: a deep copy
  if (how === 'torch_save') {
    refuseNonPlain(payload);
    return deepCopy(payload);
  }
  throw new PortGap('unknown transport ' + how);
}

// --- the replay ------------------------------------------------------------------------------

/**
 * Replays decoded inputs with the declared intents (docs/intents.md; none: upstream's
 * behaviour); returns {lrs, state, error} holding port values (not encoded).
 */
export function replay(inputs, intents = new Set()) {
  const trace = { lrs: [], state: [], error: null };
  let process = new Process(inputs, intents);
  const implementation = (call, phase, action) => {
    try {
      action();
      return true;
    } catch (error) {
      if (!(error instanceof PyError)) throw error; // a bug or gap of the port
      trace.error = { type: error.pyType, message: error.pyMessage, step: call, phase };
      return false;
    }
  };
  const record = (world) => {
    trace.lrs.push(world.lrs());
    trace.state.push(world.state());
  };
  // 2. Before building.
  if (inputs.progress === 'frozen') process.publishProgress(inputs.offset, inputs.offset);
  if (inputs.metricBeforeBuild !== null) process.publishMetric(inputs.metricBeforeBuild);
  // 3. Build.
  let world = new World(inputs);
  if (!implementation(0, 'construct', () => world.build(process))) return trace;
  record(world);
  // 4. The calls.
  for (let k = 1; k <= inputs.calls.length; k += 1) {
    const call = inputs.calls[k - 1];
    const offset = inputs.offset;
    const bk = BigInt(k);
    const iterations = inputs.loop === 'iter'
      ? [[bk - 1n, 0n]]
      : Array.from({ length: Number(inputs.epochLength) },
        (_, j) => [(bk - 1n) * inputs.epochLength + BigInt(j), bk - 1n]);
    for (const [iteration, epoch] of iterations) {
      if (inputs.progress === 'loop') process.publishProgress(iteration + offset, epoch + offset);
      if (!implementation(k, 'step', () => world.optimizers.forEach((o) => o.step()))) return trace;
    }
    for (const value of call.publish) process.publishMetric(value);
    if (!implementation(k, 'step', () => world.schedulers.forEach((s) => s.step()))) return trace;
    record(world);
    if (call.resume) {
      const resume = call.resume;
      let checkpoint;
      const saved = implementation(k, 'resume', () => {
        checkpoint = transport({
          optimizers: world.optimizers.map((o) => o.stateDict()),
          schedulers: world.schedulers.map((s) => s.stateDict()),
        }, resume.transport);
      });
      if (!saved) return trace;
      if (resume.new_process) process = new Process(inputs, intents, process.runner.runtimeInfo);
      const fresh = new World(inputs);
      const loaded = implementation(k, 'resume', () => {
        fresh.build(process);
        fresh.optimizers.forEach((o, i) => o.loadStateDict(checkpoint.optimizers[i]));
        fresh.schedulers.forEach((s, i) => {
          const kept = Object.fromEntries(Object.entries(checkpoint.schedulers[i])
            .filter(([key]) => !resume.drop_keys.includes(key)));
          s.loadStateDict(kept);
        });
      });
      if (!loaded) return trace;
      world = fresh;
    }
  }
  return trace;
}

// --- the comparison --------------------------------------------------------------------------

/**
 * Compares a replay with a case's `expected`: row counts, every lr and state value by type and
 * bits, the error by type, call and phase (and message where the case marks it normative).
 * Returns a list of differences (empty: the case matched).
 */
export function compare(trace, expected) {
  const out = [];
  const value = (where, got, encoded) => {
    const want = py.decode(encoded);
    if (!py.sameValue(got, want)) {
      out.push(`${where}: got ${py.describe(got)}, expected ${py.describe(want)}`);
    }
  };
  if (trace.lrs.length !== expected.lrs.length) {
    out.push(`rows: got ${trace.lrs.length}, expected ${expected.lrs.length}`);
  }
  const rows = Math.min(trace.lrs.length, expected.lrs.length);
  for (let r = 0; r < rows; r += 1) {
    const got = trace.lrs[r];
    const want = expected.lrs[r];
    if (got.length !== want.length) {
      out.push(`row ${r}: ${got.length} optimizers, expected ${want.length}`);
    }
    want.forEach((groups, o) => {
      if (!got[o] || got[o].length !== groups.length) {
        out.push(`row ${r} optimizer ${o}: group count differs`);
        return;
      }
      groups.forEach((lr, g) => value(`row ${r} optimizer ${o} group ${g} lr`, got[o][g], lr));
    });
  }
  if (expected.state !== null) {
    for (let r = 0; r < rows; r += 1) {
      expected.state[r].forEach((attributes, s) => {
        const got = trace.state[r][s];
        for (const [name, encoded] of Object.entries(attributes)) {
          if (!Object.hasOwn(got, name)) out.push(`row ${r} scheduler ${s}: no attribute ${name}`);
          else value(`row ${r} scheduler ${s} ${name}`, got[name], encoded);
        }
        for (const name of Object.keys(got)) {
          if (!Object.hasOwn(attributes, name)) out.push(`row ${r} scheduler ${s}: extra ${name}`);
        }
      });
    }
  }
  const e = expected.error;
  const g = trace.error;
  if ((e === null) !== (g === null)) {
    const text = (error) => (error ? `${error.type} (${error.message})` : 'none');
    out.push(`error: got ${text(g)}, expected ${text(e)}`);
  } else if (e !== null) {
    for (const key of ['type', 'step', 'phase']) {
      if (g[key] !== e[key]) out.push(`error ${key}: got ${g[key]}, expected ${e[key]}`);
    }
    if (e.normative && g.message !== e.message) {
      out.push(`error message: got ${JSON.stringify(g.message)}, expected ${JSON.stringify(e.message)}`);
    }
  }
  return out;
}
