// The part of mmengine's MessageHub the schedulers and the driver use (docs/fixtures.md, "The
// driver protocol"): a registry of named instances, runtime info, and scalar histories whose
// current() is a numpy scalar.
import { NpScalar, PortGap, PyError, isInt, pyRepr } from './python.mjs';

/** A scalar history: numpy keeps one dtype for the whole array (RLR-METRIC-CURRENT). */
class HistoryBuffer {
  constructor() {
    this.dtype = null;
    this.values = [];
  }

  update(value) {
    if (typeof value === 'boolean' || !(isInt(value) || typeof value === 'number')) {
      throw new PortGap('publishing ' + String(value) + ' is not modelled');
    }
    // int64 while only ints were published; float64 as soon as one float was.
    this.dtype = this.dtype === 'float64' || typeof value === 'number' ? 'float64' : 'int64';
    this.values.push(value);
  }

  current() {
    const last = this.values[this.values.length - 1];
    return new NpScalar(this.dtype, this.dtype === 'float64' ? Number(last) : last);
  }

  copy() {
    const copied = new HistoryBuffer();
    copied.dtype = this.dtype;
    copied.values = [...this.values];
    return copied;
  }
}

export class MessageHub {
  constructor(name) {
    this.name = name;
    this.runtimeInfo = new Map();
    this.scalars = new Map();
  }

  get pyTypeName() {
    return 'mmengine.logging.message_hub.MessageHub';
  }

  updateInfo(key, value) {
    this.runtimeInfo.set(key, value);
  }

  /** get_info(key) answers None for a key never set (LLI-PROGRESS-MISSING). */
  getInfo(key) {
    return this.runtimeInfo.has(key) ? this.runtimeInfo.get(key) : null;
  }

  updateScalar(key, value) {
    if (!this.scalars.has(key)) this.scalars.set(key, new HistoryBuffer());
    this.scalars.get(key).update(value);
  }

  /** get_scalar(key) raises KeyError for a key never published (RLR-METRIC-MISSING). */
  getScalar(key) {
    if (!this.scalars.has(key)) {
      throw new PyError('KeyError', pyRepr(`${key} is not found in Messagehub.log_buffers`));
    }
    return this.scalars.get(key);
  }

  /** copy.deepcopy of a hub: an independent object with the same content (WIN-DEEPCOPY). */
  deepCopy() {
    const copied = new MessageHub(this.name);
    copied.runtimeInfo = new Map(this.runtimeInfo);
    for (const [key, buffer] of this.scalars) copied.scalars.set(key, buffer.copy());
    return copied;
  }
}

/** The registry of one process. get_current_instance is the most recently CREATED instance. */
export class HubRegistry {
  constructor() {
    this.instances = new Map();
    this.current = null;
  }

  getInstance(name) {
    if (!this.instances.has(name)) {
      const hub = new MessageHub(name);
      this.instances.set(name, hub);
      this.current = hub; // creating makes it current; fetching an existing one does not
    }
    return this.instances.get(name);
  }

  getCurrentInstance() {
    if (this.current === null) throw new PortGap('no MessageHub instance');
    return this.current;
  }
}
