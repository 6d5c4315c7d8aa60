/**
 * Errors are JS Errors (never crashes) that name the function, the argument, what was received
 * and what was expected; LibTorch's messages carry the operator name and the argument shapes.
 * Messages are asserted exactly: they are part of the API. Where LibTorch's own sentence sits
 * inside one (its wording changes between LibTorch versions: 1.13's matmul says "got 2, 2x2,3",
 * 2.x's "got input (2), mat (2x2), vec (3)"), the test pins torchnode's parts exactly (the op name
 * before it, the argument summary after it) and LibTorch's only by a pattern.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';

/**
 * Asserts that fn throws an error of class `type` with exactly `message`, or, for a message that
 * embeds LibTorch's version-dependent wording, one matching the RegExp.
 */
function throwsExactly(fn: () => unknown, type: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name} but got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else assert.match((e as Error).message, message);
    return true;
  });
}

function scoped(fn: (a: Tensor, b: Tensor) => void): void {
  const before = torch.memory().numTensors;
  torch.tidy(() => fn(torch.ones([2, 2]), torch.ones([3])));
  assert.equal(torch.memory().numTensors, before, 'a failing call leaked tensors');
}

test('shape mismatches name the op and the shapes and dtypes of its arguments', () => {
  scoped((a, b) => {
    throwsExactly(
      () => a.add(b),
      Error,
      'add: The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1 (self: float32[2, 2], other: float32[3])',
    );
    throwsExactly(
      () => a.mm(torch.ones([3, 2])),
      Error,
      'mm: mat1 and mat2 shapes cannot be multiplied (2x2 and 3x2) (self: float32[2, 2], mat2: float32[3, 2])',
    );
    throwsExactly(() => a.matmul(b), Error, /^matmul: size mismatch, got .*2.*2x2.*3.* \(self: float32\[2, 2\], other: float32\[3\]\)$/);
    // LibTorch 2.11 raises this as a c10::Error (then the arguments follow); 1.13-2.6 as a plain exception.
    throwsExactly(() => a.view(3, 2), Error, /^view: shape '\[3, 2\]' is invalid for input of size 4( \(self: float32\[2, 2\]\))?$/);
    throwsExactly(() => torch.cat([a, b]), Error, 'cat: Tensors must have same number of dimensions: got 2 and 1');
    throwsExactly(
      () => b.expand(2, 4),
      Error,
      'expand: The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: [3] (self: float32[3])',
    );
  });
});

test('bad argument types say what was expected and what was received', () => {
  scoped((a) => {
    throwsExactly(() => a.add('x' as never), TypeError, "add: Expected Tensor or number for other but received 'x' of type string");
    throwsExactly(() => a.add(undefined as never), TypeError, 'add: Expected Tensor or number for other but received undefined');
    throwsExactly(() => a.add({} as never), TypeError, 'add: Expected Tensor or number for other but received an object of type Object');
    throwsExactly(() => a.mul([1, 2] as never), TypeError, 'mul: Expected Tensor or number for other but received an array of length 2');
    throwsExactly(() => a.reshape(1.5, 2), TypeError, 'reshape: Expected integer for shape[0] but received 1.5 of type number');
    throwsExactly(() => torch.cat(a as never), TypeError, 'cat: Expected an array of Tensors for tensors but received an object of type Tensor');
    throwsExactly(() => torch.cat([a, 3] as never), TypeError, 'cat: Expected Tensor for tensors[1] but received 3 of type number');
    throwsExactly(() => a.sum('1' as never), TypeError, "sum: Expected an integer or an array of integers for dim but received '1' of type string");
    throwsExactly(() => a.sum(0, { keepDim: true } as never), TypeError, "sum: unknown option 'keepDim' (expected one of keepdim, dtype)");
    throwsExactly(() => torch.zeros([-1, 2]), TypeError, 'zeros: Expected non-negative integer for size[0] but received -1 of type number');
    throwsExactly(() => torch.zeros([1.5]), TypeError, 'zeros: Expected non-negative integer for size[0] but received 1.5 of type number');
    throwsExactly(() => torch.full([2], 'a' as never), TypeError, "full: Expected Tensor or number for fillValue but received 'a' of type string");
    throwsExactly(
      () => torch.zeros([2], { device: 'gpu' }),
      TypeError,
      "zeros: Expected a device like 'cpu', 'cuda' or 'cuda:0' for device but received 'gpu' of type string",
    );
    throwsExactly(
      () => a.div(2, { roundingMode: 'round' as never }),
      TypeError,
      "div: Expected 'trunc' or 'floor' for roundingMode but received 'round' of type string",
    );
    throwsExactly(() => a.clamp(), TypeError, "clamp: at least one of 'min' or 'max' must be given");
    throwsExactly(() => torch.tidy(3 as never), TypeError, 'tidy: expected a function but received 3 of type number');
  });
});

test('bad dtype names list the valid ones', () => {
  scoped((a) => {
    const valid = 'uint8, int8, int16, int32, int64, float16, float32, float64, complex32, complex64, complex128, bool, bfloat16';
    throwsExactly(
      () => torch.zeros([2], { dtype: 'float128' as never }),
      TypeError,
      `zeros: Expected one of ${valid} for dtype but received 'float128' of type string`,
    );
    throwsExactly(() => a.to('int65' as never), TypeError, `to: Expected one of ${valid} for dtype but received 'int65' of type string`);
    throwsExactly(() => torch.tensor([1], { dtype: 3 as never }), TypeError, `tensor: Expected one of ${valid} for dtype but received 3 of type number`);
  });
});

test('ragged and non-numeric nested arrays are rejected with the path of the bad element', () => {
  scoped(() => {
    throwsExactly(
      () => torch.tensor([[1, 2], [3]]),
      RangeError,
      'tensor: expected a sequence of length 2 at [1] but received an array of length 1 (ragged nested arrays are not tensors)',
    );
    throwsExactly(
      () => torch.tensor([[1, 2], 3] as never),
      RangeError,
      'tensor: expected a sequence of length 2 at [1] but received 3 of type number (ragged nested arrays are not tensors)',
    );
    throwsExactly(() => torch.tensor([[1, 'a']] as never), TypeError, "tensor: expected a number, boolean or bigint at [0][1] but received 'a' of type string");
    throwsExactly(() => torch.tensor([1, null] as never), TypeError, 'tensor: expected a number, boolean or bigint at [1] but received null');
    throwsExactly(() => torch.tensor(new Float32Array(3), { shape: [2, 2] }), RangeError, 'tensor: shape [2, 2] holds 4 elements but the Float32Array has 3');
  });
});

test('item() on a multi-element tensor', () => {
  scoped((a) => {
    throwsExactly(() => a.item(), Error, 'item: a Tensor with 4 elements cannot be converted to a scalar (shape [2, 2])');
    throwsExactly(() => torch.zeros([0]).item(), Error, 'item: a Tensor with 0 elements cannot be converted to a scalar (shape [0])');
  });
});

test('use after dispose names the op and the argument', () => {
  scoped((a) => {
    const t = torch.ones([2]);
    t.dispose();
    assert.equal(t.isDisposed, true);
    const msg = (fn: string, arg: string) => `${fn}: argument '${arg}' is a disposed tensor (it was freed by dispose() or a tidy() scope)`;
    throwsExactly(() => t.add(1), Error, msg('add', 'self'));
    throwsExactly(() => a.add(t), Error, msg('add', 'other'));
    throwsExactly(() => t.shape, Error, msg('shape', 'self'));
    throwsExactly(() => t.dataSync(), Error, msg('dataSync', 'self'));
    throwsExactly(() => t.item(), Error, msg('item', 'self'));
    throwsExactly(() => torch.cat([a.view(4), t]), Error, msg('cat', 'tensors'));
  });
});

test('use after a tidy scope freed the tensor', () => {
  let leaked: Tensor | undefined;
  torch.tidy(() => {
    leaked = torch.ones([2]);
  });
  assert.equal(leaked!.isDisposed, true);
  throwsExactly(() => leaked!.mul(2), Error, "mul: argument 'self' is a disposed tensor (it was freed by dispose() or a tidy() scope)");
});

test('LibTorch errors inside ops become JS errors with the op name', () => {
  scoped((a) => {
    throwsExactly(() => a.size(5), RangeError, 'size: Dimension out of range (expected to be in range of [-2, 1], but got 5)');
    throwsExactly(() => a.sum(5), Error, 'sum: Dimension out of range (expected to be in range of [-2, 1], but got 5) (self: float32[2, 2])');
    throwsExactly(() => a.transpose(0, 3), Error, 'transpose: Dimension out of range (expected to be in range of [-2, 1], but got 3) (self: float32[2, 2])');
    // int32 indices are accepted from LibTorch 2.11, which says so.
    throwsExactly(
      () => a.gather(1, torch.ones([2, 2])),
      Error,
      /^gather: gather\(\): Expected dtype (int32\/)?int64 for index \(self: float32\[2, 2\], index: float32\[2, 2\]\)$/,
    );
    throwsExactly(() => a.indexSelect(0, torch.tensor([5n])), Error, 'index_select: index out of range in self (self: float32[2, 2], index: int64[1])');
    throwsExactly(
      () => torch.where(a, a, a),
      Error,
      'where: where expected condition to be a boolean tensor, but got a tensor with dtype Float (condition: float32[2, 2], self: float32[2, 2], other: float32[2, 2])',
    );
    throwsExactly(() => torch.tensor([1n]).div(0, { roundingMode: 'floor' }), Error, 'div: ZeroDivisionError (self: int64[1])');
    throwsExactly(
      () => torch.ones([2], { requiresGrad: true }).mul(2).backward(),
      Error,
      'backward: grad can be implicitly created only for scalar outputs (self: float32[2])',
    );
    throwsExactly(() => torch.arange(0, 1, 0), RangeError, 'arange: step must be nonzero');
    throwsExactly(() => torch.linspace(0, 1, -1), Error, 'linspace: number of steps must be non-negative');
  });
});

test('LibTorch errors are TorchErrors carrying the op and the exception PyTorch raises', async () => {
  // PyTorch 1.13 raises, for the same four calls: IndexError, RuntimeError, torch.linalg.LinAlgError, RuntimeError.
  const cases: [() => unknown, string, torch.TorchErrorType, RegExp][] = [
    [
      () => torch.tensor([1, 2]).select(0, 5),
      'select',
      'IndexError',
      /^select: select\(\): index 5 out of range for tensor of size \[2\] at dimension 0 \(self: float32\[2\]\)$/,
    ],
    [() => torch.ones([2, 3]).matmul(torch.ones([2, 3])), 'matmul', 'RuntimeError', /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/],
    [
      () =>
        torch.linalg.cholesky(
          torch.tensor([
            [1, 2],
            [2, 1],
          ]),
        ),
      'linalg_cholesky',
      'LinAlgError',
      /^linalg_cholesky: linalg.cholesky: The factorization could not be completed because the input is not positive-definite/,
    ],
    [() => torch.ones([2]).add(torch.ones([3])), 'add', 'RuntimeError', /^add: The size of tensor a \(2\) must match the size of tensor b \(3\)/],
  ];
  for (const [fn, op, pythonType, message] of cases) {
    assert.throws(
      () => torch.tidy(fn),
      (e: unknown) => {
        assert.ok(e instanceof torch.TorchError, `${op}: expected a TorchError, got ${(e as Error)?.constructor?.name}`);
        assert.ok(e instanceof Error);
        assert.equal(e.name, 'TorchError');
        assert.equal(e.op, op);
        assert.equal(e.pythonType, pythonType);
        assert.match(e.message, message);
        assert.match(String(e.stack), /^TorchError: /);
        return true;
      },
    );
  }
  // Arguments the facade refuses before LibTorch runs stay TypeErrors, not TorchErrors.
  assert.throws(
    () => torch.tidy(() => torch.ones([2]).add('x' as never)),
    (e: unknown) => e instanceof TypeError && !(e instanceof torch.TorchError),
  );
  // In a worker thread (its own addon environment) LibTorch's errors are TorchErrors of that thread's module.
  // Node 20 does not apply --import loaders to a worker's entry: the worker registers tsx itself (as test/81).
  const lib = JSON.stringify(new URL('../lib/index.ts', import.meta.url).href);
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(async (m) => {
    m.register();
    const torch = await import(${lib});
    const { parentPort } = await import('node:worker_threads');
    try { torch.ones([2]).add(torch.ones([3])); } catch (e) {
      parentPort.postMessage([e instanceof torch.TorchError, e.name, e.op, e.pythonType]);
    }
  })`;
  const w = new Worker(boot, { eval: true });
  const [msg] = (await once(w, 'message')) as [unknown[]];
  assert.deepEqual(msg, [true, 'TorchError', 'add', 'RuntimeError']);
  await w.terminate();
});

test('resize_ refuses negative sizes (LibTorch 1.13 would make a [0, -1] tensor)', () => {
  torch.tidy(() => {
    const t = torch.tensor(true);
    throwsExactly(() => t.resize_([0, -1]), RangeError, 'resize_: Trying to create tensor with negative dimension -1: [0, -1]');
    throwsExactly(() => t.resize_(-2), RangeError, 'resize_: Trying to create tensor with negative dimension -2: [-2]');
    assert.deepEqual(t.resize_([2, 3]).shape, [2, 3]);
    assert.deepEqual(t.resize_([0, 4]).shape, [0, 4]);
  });
});

test('the process survives a burst of failing calls (no crash, no leak)', () => {
  scoped((a, b) => {
    for (let i = 0; i < 1000; i++) {
      assert.throws(() => a.add(b));
      assert.throws(() => a.matmul(b));
    }
  });
});

test('native writeData (the CIFAR reader fills slices in place) checks its target and size', async () => {
  const { native } = await import('../lib/native.js');
  torch.tidy(() => {
    const t = torch.zeros([3, 4], { dtype: 'uint8' });
    native.writeData(t.narrow(0, 1, 1)._h, Uint8Array.from([1, 2, 3, 4]));
    assert.deepEqual(t.toArray(), [
      [0, 0, 0, 0],
      [1, 2, 3, 4],
      [0, 0, 0, 0],
    ]);
    throwsExactly(() => native.writeData(t.narrow(0, 0, 1)._h, new Uint8Array(3)), Error, 'writeData: data holds 3 bytes, uint8[1, 4] needs 4');
    throwsExactly(() => native.writeData(t.t()._h, new Uint8Array(12)), Error, 'writeData: expected a contiguous CPU tensor to write into, got uint8[4, 3]');
    throwsExactly(
      () => native.writeData(torch.zeros([2], { requiresGrad: true })._h, new Float32Array(2)),
      Error,
      'writeData: cannot write into a tensor that requires grad',
    );
  });
});
