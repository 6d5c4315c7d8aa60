/**
 * Fuzzing the public API: 3,000 seeded calls with random and hostile arguments, in child
 * processes. Every call returns a sane value or throws an Error with a message; no call may
 * abort, segfault or hang the process; a sweep gives every entry point each tensor layout. The
 * large runs are `node --import tsx tools/fuzz/run.ts --calls 200000 --seed N [--sweep]`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { collectTargets, prepareCall, Rng, SWEEP_VARIANTS } from '../tools/fuzz/ops.js';
import { fuzz } from '../tools/fuzz/harness.js';

test('the fuzzer reaches every kind of entry point, and call i of seed s is reproducible', () => {
  const targets = collectTargets(torch);
  const names = new Set(targets.map((t) => t.name));
  for (const n of [
    'Tensor#add',
    'Tensor#shape',
    'Tensor#backward',
    'Tensor#dispose',
    'torch.zeros',
    'torch.tidy',
    'torch.keep',
    'torch.noGrad',
    'torch.autograd.grad',
    'torch.nn.Linear',
    'torch.nn.functional.conv2d',
    'torch.optim.SGD',
    'torch.add',
  ]) {
    assert.ok(names.has(n), `fuzz targets include ${n}`);
  }
  assert.ok(targets.length > 300, `${targets.length} targets`);
  const a = prepareCall(torch, targets, 9, 123);
  const b = prepareCall(torch, targets, 9, 123);
  assert.equal(a.desc, b.desc);
  assert.notEqual(prepareCall(torch, targets, 9, 124).desc, a.desc);
  for (const t of [...a.ctx.made, ...b.ctx.made]) t.dispose();
  const r = new Rng(1, 2);
  assert.ok(r.next() >= 0 && r.next() < 1);
});

test('3,000 fuzzed calls: errors are JS Errors with messages, 0 crashes, 0 bad results', () => {
  const seed = Number(process.env.FUZZ_SEED ?? 80);
  const t0 = Date.now();
  const rep = fuzz({ seed, calls: 3000, batch: 1500 });
  const secs = (Date.now() - t0) / 1000;
  console.log(
    `fuzz seed ${seed}: ${rep.callsRun} calls run over ${rep.targets} entry points, ${rep.errors} errors thrown ` +
      `(${Object.keys(rep.errorKinds).length} distinct), ${rep.ok} returned, ${rep.bad.length} bad results, ` +
      `${rep.crashes.length} crashes, ${secs.toFixed(1)} s`,
  );
  for (const c of rep.crashes) console.log(`CRASH (${c.how}): ${c.desc}\n  replay: ${c.replay}\n${c.stderrTail}`);
  for (const b of rep.bad) console.log(`BAD call ${b.index}: ${b.desc}: ${b.why}`);
  assert.deepEqual(rep.crashes, []);
  assert.deepEqual(rep.bad, []);
  assert.equal(rep.callsRun, 3000);
  assert.equal(rep.ok + rep.errors, 3000);
  // Hostile arguments must actually be hitting validation, and valid-looking ones must get through.
  assert.ok(rep.errors > 300 && rep.ok > 300, `errors ${rep.errors}, ok ${rep.ok}`);
  // Messages name the function called (issue 18). What remains unnamed names the op a method ran
  // (t.half() -> "to: …") or comes from a fake Tensor (Object.create(Tensor.prototype)).
  for (const u of rep.unnamed.slice(0, 10)) console.log(`unnamed: ${u.desc}: ${u.message}`);
  assert.ok(rep.unnamed.length < rep.errors / 50, `${rep.unnamed.length} of ${rep.errors} errors do not name the function called`);
});

test('sweep: every entry point with its first tensor dense, oneDNN, non-contiguous, 0-d and empty: 0 crashes, 0 bad results', () => {
  const targets = collectTargets(torch).length;
  const rep = fuzz({ seed: 81, calls: targets * SWEEP_VARIANTS.length, batch: 1500, sweep: true });
  console.log(`sweep: ${rep.callsRun} calls over ${rep.targets} entry points × ${SWEEP_VARIANTS.join(', ')}; ${rep.errors} errors, ${rep.ok} returned`);
  for (const c of rep.crashes) console.log(`CRASH (${c.how}): ${c.desc}\n  replay: ${c.replay}\n${c.stderrTail}`);
  for (const b of rep.bad) console.log(`BAD call ${b.index}: ${b.desc}: ${b.why}`);
  assert.deepEqual(rep.crashes, []);
  assert.deepEqual(rep.bad, []);
  assert.equal(rep.callsRun, targets * SWEEP_VARIANTS.length);
});

test('the harness names the call that killed a child, and resumes after it', () => {
  process.env.FUZZ_SELFTEST_CRASH_AT = '7';
  try {
    const rep = fuzz({ seed: 3, calls: 12, batch: 12 });
    assert.equal(rep.crashes.length, 1);
    const c = rep.crashes[0];
    assert.equal(c.index, 7);
    assert.match(c.how, /signal SIGABRT|exit 134/);
    const targets = collectTargets(torch);
    const call = prepareCall(torch, targets, 3, 7);
    assert.equal(c.desc, call.desc);
    for (const t of call.ctx.made) t.dispose();
    assert.equal(c.replay, 'node --import tsx tools/fuzz/run.ts --seed 3 --replay 7');
    assert.equal(rep.callsRun, 11, 'calls 0-6 and 8-11 ran');
  } finally {
    delete process.env.FUZZ_SELFTEST_CRASH_AT;
  }
});

test('huge shapes fail with an out-of-memory or overflow Error, not a kill', () => {
  assert.throws(() => torch.zeros([1e12]), { name: 'TorchError', message: /^zeros: .*can't allocate memory: you tried to allocate 4000000000000 bytes/ });
  assert.throws(() => torch.empty([2 ** 31, 2 ** 31]), /Storage size calculation overflowed/);
  assert.throws(() => torch.randn([1e6]).expand([1e6, 1e6]).contiguous(), /can't allocate memory/);
  assert.throws(() => torch.ones([2]).repeat([1e12]), /can't allocate memory/);
  assert.throws(() => torch.zeros([-1]), { name: 'TypeError', message: 'zeros: Expected non-negative integer for size[0] but received -1 of type number' });
  assert.equal(torch.ones([3]).sum().item(), 3, 'the process carries on');
});
