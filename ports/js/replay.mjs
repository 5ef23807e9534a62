#!/usr/bin/env node
// Replays every golden case of fixtures/*.json on the JavaScript port and compares it bit for
// bit. Prints, per fixture file, the cases replayed and matched and the cases left out by
// reason; exits 1 on any mismatch or any case the port can neither replay nor classify.
//
//   node ports/js/replay.mjs [--fixtures DIR] [--verbose] [--census]
//
// --census also prints how many replayed cases go through each piece of Python machinery the
// port models with its own equivalent (ports/js/README.md lists what each one stands for).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, decodeInputs, replay } from './driver.mjs';
import { PortGap } from './python.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_FIXTURES = path.resolve(HERE, '..', '..', 'fixtures');
/** The upstream golden files, in the order docs/fixtures.md lists them. */
export const FILES = ['window', 'linear_lr_interval', 'reduce_lr', 'state', 'hubs', 'configs'];

/** The intent goldens, fixtures/intents/<KEY>.json, sorted. */
export function intentFiles(fixtures) {
  const directory = path.join(fixtures, 'intents');
  if (!fs.existsSync(directory)) return [];
  return fs.readdirSync(directory).filter((name) => name.endsWith('.json')).sort();
}

/**
 * Why a case is not replayed, or null. A case is left out only when it needs Python itself: an
 * input value of a torch type (a tensor), which has no meaning outside Python. No committed case
 * has one: every input is expressible, and the Python-side machinery the cases use is modelled
 * (README.md). A value of a type the port does not know is NOT left out here: it fails
 * the replay as unclassified, so that a new kind of input is looked at, not skipped.
 */
export function leftOutReason(testCase) {
  const found = [];
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') {
      const typed = Object.keys(value).sort().join(',') === 'type,value'; // an encoded value
      if (typed && String(value.type).startsWith('torch.')) found.push(value.type);
      Object.values(value).forEach(visit);
    }
  };
  visit(testCase.inputs);
  return found.length ? `inputs hold a ${found[0]} (a torch object: the port has no torch)` : null;
}

/** The Python-side machinery a case uses that the port replaces by a model of its own. */
export function modelledMachinery(testCase) {
  const found = new Set();
  const inputs = testCase.inputs;
  if (Array.isArray(inputs.calls)) {
    for (const call of inputs.calls) {
      if (!call.resume) continue;
      if (call.resume.transport !== 'memory') found.add(`transport ${call.resume.transport}`);
      if (call.resume.new_process) found.add('resume in a new process');
    }
  }
  if (inputs.optimizers.some((o) => o.wrapper)) found.add('mmengine OptimWrapper');
  if (inputs.schedulers.some((s) => s.build === 'iter_from_epoch')) found.add('build_iter_from_epoch');
  if (JSON.stringify(testCase.expected.state).includes('"numpy.')) found.add('numpy scalars (MessageHub)');
  return found;
}

/** Replays one case: {status: 'matched' | 'mismatch' | 'unclassified', details}. */
export function replayCase(testCase, intents = new Set()) {
  let trace;
  try {
    trace = replay(decodeInputs(testCase.inputs), intents);
  } catch (error) {
    if (error instanceof PortGap) return { status: 'unclassified', details: [error.message] };
    return { status: 'unclassified', details: [`port error: ${error.stack}`] };
  }
  const details = compare(trace, testCase.expected);
  return { status: details.length ? 'mismatch' : 'matched', details };
}

/** Replays every case of one fixture file; returns the counts and the failures. */
export function replayFile(file) {
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (data.format !== 'mmagic-lr-golden/2') throw new Error(`${file}: unknown format ${data.format}`);
  // An intent file's cases run with its intents declared (docs/fixtures.md, "Intent goldens").
  const intents = new Set(data.family === 'intents' ? data.intents : []);
  const result = { cases: data.cases.length, replayed: 0, matched: 0, leftOut: {}, failures: [],
    modelled: {} };
  for (const testCase of data.cases) {
    const reason = leftOutReason(testCase);
    if (reason) {
      result.leftOut[reason] = (result.leftOut[reason] || 0) + 1;
      continue;
    }
    result.replayed += 1;
    for (const what of modelledMachinery(testCase)) result.modelled[what] = (result.modelled[what] || 0) + 1;
    const outcome = replayCase(testCase, intents);
    if (outcome.status === 'matched') result.matched += 1;
    else result.failures.push({ id: testCase.id, ...outcome });
  }
  return result;
}

/** The summary lines the README documents (tests/test_js_port.py compares them). */
export function summaryLines(results) {
  const lines = [];
  const totals = { 'upstream goldens': [0, 0, 0, 0], 'intent goldens': [0, 0, 0, 0] };
  for (const [name, r] of Object.entries(results)) {
    const left = Object.values(r.leftOut).reduce((a, b) => a + b, 0);
    const why = Object.entries(r.leftOut).map(([reason, n]) => `${n}: ${reason}`).join('; ');
    const reasons = why ? ` (${why})` : '';
    lines.push(`${name}: ${r.cases} cases, ${r.replayed} replayed, ${r.matched} matched, `
      + `${left} left out${reasons}`);
    const total = totals[name.startsWith('intents/') ? 'intent goldens' : 'upstream goldens'];
    [r.cases, r.replayed, r.matched, left].forEach((n, i) => { total[i] += n; });
  }
  for (const [what, [cases, replayed, matched, left]] of Object.entries(totals)) {
    lines.push(`total, ${what}: ${cases} cases, ${replayed} replayed, ${matched} matched, `
      + `${left} left out`);
  }
  return lines;
}

/** Per piece of modelled machinery, the replayed cases using it, over all files. */
export function censusLines(results) {
  const total = {};
  for (const r of Object.values(results)) {
    for (const [what, n] of Object.entries(r.modelled)) total[what] = (total[what] || 0) + n;
  }
  return Object.keys(total).sort().map((what) => `modelled: ${what}: ${total[what]} cases`);
}

function main(argv) {
  let fixtures = DEFAULT_FIXTURES;
  const verbose = argv.includes('--verbose');
  const index = argv.indexOf('--fixtures');
  if (index >= 0) fixtures = path.resolve(argv[index + 1]);
  const results = {};
  for (const name of FILES) results[`${name}.json`] = replayFile(path.join(fixtures, `${name}.json`));
  for (const name of intentFiles(fixtures)) {
    results[`intents/${name}`] = replayFile(path.join(fixtures, 'intents', name));
  }
  let failed = 0;
  for (const [name, r] of Object.entries(results)) {
    for (const failure of r.failures) {
      failed += 1;
      const shown = verbose ? failure.details : failure.details.slice(0, 3);
      console.log(`${failure.status.toUpperCase()} ${name} ${failure.id}`);
      for (const line of shown) console.log(`    ${line}`);
      const hidden = failure.details.length - shown.length;
      if (hidden) console.log(`    ... ${hidden} more (--verbose shows them)`);
    }
  }
  if (argv.includes('--census')) for (const line of censusLines(results)) console.log(line);
  for (const line of summaryLines(results)) console.log(line);
  if (failed) {
    console.log(`FAILED: ${failed} case(s) mismatched or unclassified`);
    return 1;
  }
  console.log('OK: every replayed case matched bit for bit');
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
