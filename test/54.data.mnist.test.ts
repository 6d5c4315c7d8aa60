/** MNIST/FashionMNIST from IDX files: Debian's dataset-fashion-mnist checked against numpy/torchvision. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as torch from '../lib/index.js';
import { data, datasets } from '../lib/index.js';

const G = JSON.parse(readFileSync(new URL('./fixtures/data.json', import.meta.url), 'utf8')) as any;
const FM = datasets.DEBIAN_FASHION_MNIST;
const have = existsSync(join(FM, 'train-images-idx3-ubyte.gz'));
const bincount = (t: torch.Tensor) => torch.callOp('aten::bincount', t, null, 0) as torch.Tensor;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test("FashionMNIST from Debian's package (the default root) matches numpy and torchvision", {
  skip: have && G.fashion_mnist ? false : `dataset-fashion-mnist not installed at ${FM}`,
}, () => {
  const T = data.transforms;
  const tf = new T.Compose([new T.ToTensor(), new T.Normalize([0.286], [0.353])]);
  for (const [split, train] of [
    ['train', true],
    ['t10k', false],
  ] as const) {
    const c = G.fashion_mnist[split];
    const ds = new datasets.FashionMNIST({ train, transform: tf });
    assert.equal(ds.folder, FM);
    assert.equal(ds.len(), c.n);
    assert.deepEqual(ds.images.shape, [c.n, 1, 28, 28]);
    assert.deepEqual(Array.from(ds.labels.narrow(0, 0, 20).dataSync() as BigInt64Array, Number), c.labels_first20);
    assert.equal(sha(ds.labels.to('uint8').dataSync() as Uint8Array), c.labels_hash);
    assert.equal(sha(ds.images.dataSync() as Uint8Array), c.images_hash);
    assert.deepEqual(Array.from(bincount(ds.labels).dataSync() as BigInt64Array, Number), c.label_counts);
    const [x0, y0] = ds.get(0);
    assert.deepEqual(x0.shape, [1, 28, 28]);
    assert.equal(Number(y0.item()), c.labels_first20[0]);
    assert.deepEqual(Array.from(x0.select(1, 14).select(0, 0).dataSync() as Float32Array), c.x0_row14);
    assert.ok(Math.abs(Number(x0.to('float64').sum().item()) - c.x0_sum) < 1e-9);
    if (!train) {
      // Through a DataLoader: batches of [64, 1, 28, 28] float32 and int64 labels.
      const dl = new data.DataLoader(ds, { batchSize: 64 });
      assert.equal(dl.len(), Math.ceil(c.n / 64));
      const [xb, yb] = dl[Symbol.iterator]().next().value!;
      assert.deepEqual(xb.shape, [64, 1, 28, 28]);
      assert.equal(yb.dtype, 'int64');
      assert.ok(xb.select(0, 0).equal(x0));
    }
  }
  assert.deepEqual(new datasets.FashionMNIST({ train: false }).classes.slice(0, 2), ['T-shirt/top', 'Trouser']);
});

test('MNIST reads plain and gzipped IDX files under root or root/MNIST/raw', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-mnist-'));
  try {
    // Three 2x3 images and their labels, written as IDX here.
    const idx = (magicType: number, dims: number[], body: Uint8Array) => {
      const h = Buffer.alloc(4 + 4 * dims.length);
      h[2] = magicType;
      h[3] = dims.length;
      dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([h, body]);
    };
    const pixels = Uint8Array.from({ length: 18 }, (_, i) => i * 10);
    const raw = join(dir, 'MNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    writeFileSync(join(raw, 't10k-images-idx3-ubyte'), idx(8, [3, 2, 3], pixels));
    writeFileSync(join(raw, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx(8, [3], Uint8Array.from([7, 2, 1]))));
    const ds = new datasets.MNIST({ root: dir, train: false });
    assert.equal(ds.folder, raw);
    assert.deepEqual(ds.images.shape, [3, 1, 2, 3]);
    assert.deepEqual(ds.labels.toArray(), [7, 2, 1]);
    const [x1, y1] = ds.get(1);
    assert.deepEqual(x1.toArray(), [
      [60, 70, 80],
      [90, 100, 110],
    ]); // HW uint8, as torchvision's PIL 'L' image
    assert.equal(Number(y1.item()), 2);
    // Multi-byte IDX types are big-endian.
    writeFileSync(join(dir, 'f.idx'), idx(0x0d, [2], Buffer.from([0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0])));
    assert.deepEqual(datasets.readIdx(join(dir, 'f.idx')).toArray(), [1.5, -2.5]);
    // Defects name the file.
    const bad = join(dir, 'bad.idx');
    writeFileSync(bad, idx(8, [3, 2, 3], pixels.subarray(0, 17)));
    assert.throws(() => datasets.readIdx(bad), { message: `readIdx: ${bad}: shape [3, 2, 3] of uint8 needs 18 data bytes but the file has 17 (truncated)` });
    writeFileSync(bad, Buffer.from([1, 2, 3, 4, 5]));
    assert.throws(() => datasets.readIdx(bad), { message: `readIdx: ${bad} is not an IDX file (the magic number must start with two zero bytes)` });
    const gz = gzipSync(idx(8, [3], Uint8Array.from([7, 2, 1])));
    writeFileSync(bad, gz.subarray(0, gz.length - 6));
    assert.throws(
      () => datasets.readIdx(bad),
      new RegExp(`^Error: readIdx: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a truncated or corrupt gzip file \\(`),
    );
    assert.throws(() => new datasets.MNIST({ root: join(dir, 'none') }), /^Error: MNIST: dataset not found: no train-images-idx3-ubyte\(\.gz\) in /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
