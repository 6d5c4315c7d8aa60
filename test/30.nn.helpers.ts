/** Shared by the nn tests (test/3*.test.ts): fixture decoding, tolerant comparison, the homework models' TS twins. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A tensor as tools/golden/nn.py stores it. */
export interface Enc {
  shape: number[];
  dtype: string;
  b64: string;
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as T;
}

/** Decodes a stored tensor (exact bytes). */
export function dec(e: Enc): Tensor {
  const buf = Buffer.from(e.b64, 'base64');
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  switch (e.dtype) {
    case 'float32':
      return torch.tensor(new Float32Array(ab), { shape: e.shape });
    case 'float64':
      return torch.tensor(new Float64Array(ab), { shape: e.shape });
    case 'int64':
      return torch.tensor(new BigInt64Array(ab), { shape: e.shape });
    case 'bool':
      return torch.tensor(new Uint8Array(ab), { shape: e.shape }).to('bool');
    default:
      throw new Error(`fixture dtype ${e.dtype} not handled`);
  }
}

/** Asserts same shape and dtype and |a - e| <= atol + rtol·|e| everywhere. */
export function assertClose(actual: Tensor, expected: Tensor | Enc, what: string, atol = 1e-6, rtol = 1e-5): void {
  torch.tidy(() => {
    const e = expected instanceof torch.Tensor ? expected : dec(expected);
    assert.deepEqual(actual.shape, e.shape, `${what}: shape`);
    assert.equal(actual.dtype, e.dtype, `${what}: dtype`);
    if (e.numel() === 0) return;
    const a = actual.detach().to('float64');
    const b = e.to('float64');
    const diff = a.sub(b).abs();
    const bad = diff.gt(b.abs().mul(rtol).add(atol)).any().item();
    assert.ok(!bad, `${what}: max abs diff ${diff.max().item()} exceeds tolerance`);
  });
}

/** The homework's MLP2, as in Python (fields in the same order => same RNG consumption). */
export class MLP2 extends nn.Module {
  fc1 = new nn.Linear(3 * 32 * 32, 32);
  relu = new nn.ReLU();
  fc2 = new nn.Linear(32, 64, { bias: false });
  fc3 = new nn.Linear(64, 10);
  override forward(input: Tensor): Tensor {
    return torch.tidy(() => {
      let x = input.view(input.size(0), -1);
      x = this.relu.call(this.fc1.call(x));
      x = this.relu.call(this.fc2.call(x));
      return this.fc3.call(x);
    });
  }
}

/** The homework's CNN3. */
export class CNN3 extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, { kernelSize: 3, stride: 1, padding: 0 });
  conv2 = new nn.Conv2d(16, 8, { kernelSize: 5, stride: 1, padding: 0 });
  pool1 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  conv3 = new nn.Conv2d(8, 16, { kernelSize: 7, stride: 1, padding: 0 });
  pool2 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  fc = new nn.Linear(16 * 3 * 3, 10);
  override forward(input: Tensor): Tensor {
    return torch.tidy(() => {
      let x = nn.F.relu(this.conv1.call(input));
      x = nn.F.relu(this.conv2.call(x));
      x = this.pool1.call(x);
      x = nn.F.relu(this.conv3.call(x));
      x = this.pool2.call(x);
      x = x.view(x.size(0), -1);
      return this.fc.call(x);
    });
  }
}

/** Checks a Map state dict against a stored one (same keys in the same order, same values). */
export function assertStateDict(actual: Map<string, Tensor>, expected: Record<string, Enc>, what: string, atol = 1e-6): void {
  assert.deepEqual([...actual.keys()], Object.keys(expected), `${what}: keys`);
  for (const [k, v] of actual) assertClose(v, expected[k], `${what} ${k}`, atol, 0);
}
