/**
 * Differential fuzzing against PyTorch (tools/fuzz/differential.ts): the same seeded calls, half
 * plausible and half hostile, run in torchnode and in PyTorch's Python (same LibTorch release),
 * and each side accepts (returns) or rejects (throws). torchnode must never crash, and every call
 * where the two disagree must fall in a category with a documented cause (EXPLAINED). The large
 * run is `node --import tsx tools/fuzz/differential.ts --calls 2000 --seed 1 --md report.md`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { differential, drawCall, EXPLAINED, OPS, PYTHON } from '../tools/fuzz/differential.js';
import { pythonRunsOurLibTorch } from './helpers.js';

const noPython = (): false | string =>
  pythonRunsOurLibTorch() ? false : `${PYTHON} with torch ${torch.version.libtorch} is not available (tools/setup.sh installs it on Debian as root)`;

test('the differential op table maps at least 60 entry points that torchnode has, and call i of seed s is reproducible', () => {
  assert.ok(OPS.length >= 60, `${OPS.length} ops`);
  for (const op of OPS) {
    if (op.kind === 'aten') continue;
    const ns: Record<string, unknown> =
      op.kind === 'method' ? (torch.Tensor.prototype as unknown as Record<string, unknown>) : op.kind === 'F' ? torch.nn.functional : torch;
    assert.equal(typeof ns[op.js], 'function', `${op.name}: torchnode has ${op.js}`);
  }
  assert.deepEqual(drawCall(85, 17), drawCall(85, 17));
  assert.notEqual(drawCall(85, 18).desc, drawCall(85, 17).desc);
  const kinds = new Set(Array.from({ length: 300 }, (_, i) => drawCall(85, i).plausible));
  assert.deepEqual([...kinds].sort(), [false, true], 'both plausible and hostile calls are drawn');
  for (const e of EXPLAINED) assert.ok(e.reason.length > 20, `${e.id} says why`);
});

test('300 calls agree with PyTorch on accept/reject, but for explained categories; torchnode never crashes', { skip: noPython() }, () => {
  const seed = Number(process.env.FUZZ_SEED ?? 85);
  const rep = differential({ seed, calls: 300, batch: 300 });
  const c = rep.counts;
  console.log(
    `differential seed ${seed}: ${rep.calls} calls, agreement ${rep.agreement.toFixed(2)}%, ${c['agree-accept']} both accept, ` +
      `${c['agree-reject']} both reject, ${c['js-accepts-py-rejects']} only torchnode accepts, ${c['js-rejects-py-accepts']} only PyTorch accepts, ` +
      `${c['js-crash']} torchnode crashes, ${c['py-crash']} PyTorch crashes, ${(rep.ms / 1000).toFixed(1)} s`,
  );
  for (const r of rep.disagreements) {
    console.log(
      `${r.explained ? `[${r.explained}]` : 'UNEXPLAINED'} call ${r.i}: ${r.desc}\n  torchnode: ${r.js.status} ${r.js.msg ?? r.js.result}\n  PyTorch: ${r.py.status} ${r.py.msg ?? r.py.result}`,
    );
  }
  assert.equal(c['js-crash'], 0, 'torchnode crashed');
  assert.deepEqual(
    rep.unexplained.map((r) => `call ${r.i}: ${r.desc}: ${r.category}`),
    [],
    'disagreements outside the explained categories (product findings)',
  );
  // The sample must exercise both sides of the decision.
  assert.ok(c['agree-accept'] > 60 && c['agree-reject'] > 30, `both accept ${c['agree-accept']}, both reject ${c['agree-reject']}`);
});

test('a crash on either side is attributed to its call, and the run resumes after it', { skip: noPython() }, () => {
  process.env.FUZZ_DIFF_JS_CRASH_AT = '3';
  process.env.FUZZ_DIFF_PY_CRASH_AT = '7';
  try {
    const rep = differential({ seed: 85, calls: 10, batch: 10 });
    const crashes = rep.disagreements.filter((r) => r.verdict === 'js-crash' || r.verdict === 'py-crash');
    assert.deepEqual(
      crashes.map((r) => [r.i, r.verdict]),
      [
        [3, 'js-crash'],
        [7, 'py-crash'],
      ],
    );
    assert.match(crashes[0].js.type ?? '', /signal SIGABRT|exit 134/);
    assert.match(crashes[1].py.type ?? '', /signal SIGABRT|exit 134/);
    assert.equal(rep.calls, 10);
    const decided = Object.values(rep.counts).reduce((a, b) => a + b, 0);
    assert.equal(decided, 10, 'every call has an outcome');
  } finally {
    delete process.env.FUZZ_DIFF_JS_CRASH_AT;
    delete process.env.FUZZ_DIFF_PY_CRASH_AT;
  }
});
