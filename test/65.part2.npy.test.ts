/**
 * Part 2 on .npy files, as the course runs it (`np.load('samples_6.npy')`, `np.load('kernel.npy')`):
 * NumPy (Debian's /usr/bin/python3) writes small samples/kernel arrays and the original
 * `my_conv2d` loop's output computed in NumPy; `npm run part2 -- --input … --kernel …` reads them
 * through torch.data.npy.load and must give NumPy's convolution.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { main as part2Main, loadNpy, runPart2 } from '../scripts/part2.js';
import { PYTHON } from './python.js';

const PY = PYTHON;
const skip = !existsSync(PY) || spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status !== 0 ? `${PY} with numpy is not available` : false;
const dir = mkdtempSync(join(tmpdir(), 'part2-npy-'));

// The original part2.py's my_conv2d (valid padding, stride 1), in NumPy, as the reference.
const NUMPY_SCRIPT = `
import json, sys
import numpy as np
d = sys.argv[1]
def my_conv2d(input, kernel):
    b, c, h, w = input.shape
    oc, _, fh, fw = kernel.shape
    out = np.zeros((b, oc, h - fh + 1, w - fw + 1), dtype=np.result_type(input, kernel))
    for i0 in range(b):
        for o in range(oc):
            for ic in range(c):
                for i in range(h - fh + 1):
                    for j in range(w - fw + 1):
                        out[i0, o, i, j] += np.sum(input[i0, ic, i:i + fh, j:j + fw] * kernel[o, ic])
    return out
rng = np.random.default_rng(449)
cases = {
    # float64 samples with two channels, float64 kernel
    'f64': (rng.normal(size=(2, 2, 9, 8)), rng.normal(size=(3, 2, 3, 4))),
    # uint8 pixels and a float32 kernel, as course images usually are: NumPy computes in float32
    'u8': (rng.integers(0, 256, size=(3, 1, 10, 10), dtype=np.uint8), rng.normal(size=(4, 1, 4, 4)).astype(np.float32)),
}
info = {}
for name, (x, k) in cases.items():
    np.save(f'{d}/{name}_samples.npy', x)
    np.save(f'{d}/{name}_kernel.npy', k)
    out = my_conv2d(x, k)
    np.save(f'{d}/{name}_out.npy', out)
    info[name] = {'out_shape': list(out.shape), 'dtype': str(out.dtype), 'min': float(out.min()), 'max': float(out.max()), 'input_sum': float(x.astype(np.float64).sum())}
np.save(f'{d}/bad3d.npy', np.zeros((2, 3, 3)))
print(json.dumps(info))
`;

let info: Record<string, { out_shape: number[]; dtype: string; min: number; max: number; input_sum: number }> = {};
if (!skip) {
  const r = spawnSync(PY, ['-c', NUMPY_SCRIPT, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`NumPy fixture failed: ${r.stderr}`);
  info = JSON.parse(r.stdout) as typeof info;
}

function closeRel(a: number, e: number, what: string, rel: number): void {
  assert.ok(Math.abs(a - e) <= rel * Math.max(Math.abs(e), 1e-6), `${what}: ${a} vs NumPy ${e}`);
}

test('loadNpy reads NumPy arrays and gives the convolution dtype NumPy computes in', { skip }, () => {
  const x = loadNpy(join(dir, 'f64_samples.npy'));
  assert.deepEqual([x.shape, x.dtype], [[2, 2, 9, 8], 'float64']);
  closeRel(x.sum().item() as number, info.f64.input_sum, 'f64 samples sum', 1e-12);
  const u = loadNpy(join(dir, 'u8_samples.npy'));
  assert.deepEqual([u.shape, u.dtype], [[3, 1, 10, 10], 'float32']);
  assert.equal(u.sum().item(), info.u8.input_sum);
  assert.throws(() => loadNpy(join(dir, 'bad3d.npy')), {
    message: `part2: ${join(dir, 'bad3d.npy')} holds an array of shape (2, 3, 3); expected 4 dimensions ([batch, channels, H, W] for --input, [out, in, fh, fw] for --kernel)`,
  });
  assert.throws(() => loadNpy(join(dir, 'nope.npy')), { message: `part2: no such file ${join(dir, 'nope.npy')}` });
});

test('myConv2d on the .npy data equals the original loop run by NumPy', { skip }, () => {
  for (const [name, rel] of [
    ['f64', 1e-12],
    ['u8', 1e-5],
  ] as const) {
    const r = runPart2(loadNpy(join(dir, `${name}_samples.npy`)), loadNpy(join(dir, `${name}_kernel.npy`)), () => {});
    const ref = torch.data.npy.load(join(dir, `${name}_out.npy`));
    assert.equal(r.out.dtype, ref.dtype, `${name}: dtype`);
    assert.deepEqual(r.out.shape, info[name].out_shape);
    const err = r.out.sub(ref).abs().amax().item() as number;
    const scale = ref.abs().amax().item() as number;
    assert.ok(err <= rel * scale, `${name}: max |myConv2d - NumPy| = ${err} (scale ${scale})`);
    assert.ok((r.vec.sub(ref).abs().amax().item() as number) <= rel * scale, `${name}: vectorized`);
  }
});

test('npm run part2 -- --input samples.npy --kernel kernel.npy', { skip }, async () => {
  const out = join(dir, 'out');
  const logged: string[] = [];
  const orig = console.log;
  console.log = (s: string) => logged.push(String(s));
  try {
    await part2Main(['--out', out, '--input', join(dir, 'u8_samples.npy'), '--kernel', join(dir, 'u8_kernel.npy')]);
  } finally {
    console.log = orig;
  }
  assert.ok(!logged.some((l) => l.includes('is not available')), 'no stand-in notes with real files');
  assert.ok(logged.includes('input [3, 1, 10, 10] float32, kernel [4, 1, 4, 4] float32'));
  const json = JSON.parse(readFileSync(join(out, 'part2_results.json'), 'utf8'));
  assert.equal(json.inputSource, join(dir, 'u8_samples.npy'));
  assert.equal(json.kernelSource, join(dir, 'u8_kernel.npy'));
  assert.deepEqual(json.outputShape, info.u8.out_shape);
  assert.equal(json.dtype, 'float32');
  closeRel(json.outputRange[0], info.u8.min, 'output min', 1e-5);
  closeRel(json.outputRange[1], info.u8.max, 'output max', 1e-5);
  assert.ok(existsSync(join(out, 'part2_conv_output.png')) && existsSync(join(out, 'part2_report.html')));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
