/** .npy files: numpy-written fixtures (tools/golden/data.py) load exactly; saved files load in numpy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import * as torch from '../lib/index.js';
import { data } from '../lib/index.js';
import { PYTHON } from './python.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/data.json', import.meta.url), 'utf8')) as any;
const DIR = fileURLToPath(new URL('./fixtures/npy/', import.meta.url));
const PY = PYTHON;
const hasNumpy = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const npy = data.npy;
const DT: Record<string, string> = {
  f4: 'float32',
  f8: 'float64',
  f2: 'float16',
  i8: 'int64',
  i4: 'int32',
  i2: 'int16',
  i1: 'int8',
  u1: 'uint8',
  b1: 'bool',
  scalar: 'float64',
  empty: 'float32',
  be_f4: 'float32',
  be_i8: 'int64',
};

test("every numeric dtype (and big-endian files) loads with numpy's values", () => {
  for (const [name, c] of Object.entries(G.npy) as [string, { dtype: string; shape: number[]; values: (number | string)[] }][]) {
    const t = npy.load(join(DIR, `${name}.npy`));
    assert.equal(t.dtype, DT[name], name);
    assert.deepEqual(t.shape, c.shape, name);
    const flat = t.reshape([-1]);
    if (t.dtype === 'bool') {
      assert.deepEqual((flat.toArray() as boolean[]).map(Number), c.values, name);
    } else if (t.isFloatingPoint()) {
      assert.deepEqual(Array.from(flat.to('float64').dataSync() as Float64Array), c.values, name);
    } else {
      assert.deepEqual(Array.from(flat.to('int64').dataSync() as BigInt64Array, String), c.values, name);
    }
  }
});

test("save -> load round-trips every dtype, byte-identical to numpy's own files", () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-npy-'));
  try {
    for (const name of ['f4', 'f8', 'f2', 'i8', 'i4', 'i2', 'i1', 'u1', 'b1', 'scalar', 'empty']) {
      const t = npy.load(join(DIR, `${name}.npy`));
      const p = join(dir, `${name}.npy`);
      npy.save(p, t);
      assert.ok(readFileSync(p).equals(readFileSync(join(DIR, `${name}.npy`))), `${name}: same bytes as np.save`);
      const back = npy.load(p);
      assert.equal(back.dtype, t.dtype);
      assert.ok(back.equal(t), name);
    }
    // A non-contiguous tensor is saved in C order.
    const tt = torch.arange(6, { dtype: 'float32' }).view(2, 3).t();
    npy.save(join(dir, 't.npy'), tt);
    assert.deepEqual(npy.load(join(dir, 't.npy')).toArray(), [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('.')),
      [],
      'no temporary files left',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files saved here load in numpy', { skip: hasNumpy ? false : `${PY} with numpy not available` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-npy-'));
  try {
    torch.manualSeed(0);
    npy.save(join(dir, 'a.npy'), torch.randn([3, 4]));
    npy.save(join(dir, 'b.npy'), torch.tensor([1, -2, 3], { dtype: 'int64' }));
    npy.save(join(dir, 'c.npy'), torch.tensor([0.5, 1.5], { dtype: 'float16' }));
    const r = spawnSync(
      PY,
      [
        '-c',
        `
import numpy as np, sys, json
d = sys.argv[1]
print(json.dumps([[str(a.dtype), list(a.shape), a.astype('f8').ravel().tolist()] for a in (np.load(d + '/a.npy'), np.load(d + '/b.npy'), np.load(d + '/c.npy'))]))
`,
        dir,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    torch.manualSeed(0);
    assert.deepEqual(got[0].slice(0, 2), ['float32', [3, 4]]);
    assert.deepEqual(got[0][2], Array.from(torch.randn([3, 4]).dataSync() as Float32Array));
    assert.deepEqual(got[1], ['int64', [3], [1, -2, 3]]);
    assert.deepEqual(got[2], ['float16', [2], [0.5, 1.5]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unsupported and malformed files: errors name the file and the defect', () => {
  const f = (n: string) => join(DIR, n);
  assert.throws(() => npy.load(f('fortran.npy')), {
    message: `npy.load: ${f('fortran.npy')}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray first)`,
  });
  assert.throws(() => npy.load(f('object.npy')), {
    message: `npy.load: ${f('object.npy')}: object arrays (dtype object) cannot be loaded: they hold pickled Python objects`,
  });
  assert.throws(() => npy.load(f('u2.npy')), {
    message: `npy.load: ${f('u2.npy')}: unsupported dtype '<u2' (supported: <f2 <f4 <f8 <i8 <i4 <i2 |i1 |u1 |b1, either byte order)`,
  });
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-npy-'));
  try {
    const good = readFileSync(f('f8.npy'));
    const cut = join(dir, 'cut.npy');
    writeFileSync(cut, good.subarray(0, good.length - 8));
    assert.throws(() => npy.load(cut), { message: `npy.load: ${cut}: truncated data: shape (3, 2) of <f8 needs 48 bytes but 40 follow the header` });
    const junk = join(dir, 'junk.npy');
    writeFileSync(junk, 'hello world, not numpy');
    assert.throws(() => npy.load(junk), { message: `npy.load: ${junk}: not a .npy file (missing the \\x93NUMPY magic string)` });
    const hdr = join(dir, 'hdr.npy');
    writeFileSync(hdr, good.subarray(0, 40));
    assert.throws(() => npy.load(hdr), /^Error: npy\.load: .*hdr\.npy: truncated header \(needs 128 bytes, the file has 40\)$/);
    assert.throws(() => npy.load(join(dir, 'none.npy')), /^Error: npy\.load: cannot read .*none\.npy: ENOENT/);
    assert.throws(() => npy.save(join(dir, 'x.npy'), torch.zeros([2], { dtype: 'bfloat16' })), /npy\.save: dtype bfloat16 has no \.npy equivalent/);
    assert.throws(() => npy.save(join(dir, 'no', 'such', 'x.npy'), torch.zeros([2])), /^Error: npy\.save: cannot write .*x\.npy: ENOENT/);
    assert.deepEqual(readdirSync(dir).sort(), ['cut.npy', 'hdr.npy', 'junk.npy']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
