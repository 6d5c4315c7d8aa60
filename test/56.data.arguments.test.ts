/**
 * Issue 18, item 7, for lib/data: bad input to any data entry point gets a JS Error naming the
 * function (or class and method), the argument, what was expected and what came; never V8's own
 * "Cannot read properties of undefined" or node's "The "path" argument must be of type string".
 * One representative call per finding of the fuzzer (tools/fuzz/ops.ts, seeds 11-13).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { data } from '../lib/index.js';

const { datasets, transforms: T, npy } = data;
// VisionDataset's constructor is protected and the class abstract in TypeScript; JavaScript can call it.
const VisionDataset = datasets.VisionDataset as unknown as new (...a: unknown[]) => Record<string, (...a: unknown[]) => any>;
const images = () => torch.zeros([3, 1, 2, 2], { dtype: 'uint8' });
const labels = () => torch.tensor([0, 1, 2], { dtype: 'int64' });
const any = (v: unknown): any => v;

test('findCifar10 checks root and format', () => {
  assert.throws(() => datasets.findCifar10(any(torch.ones([2])), 'binary'), {
    name: 'TypeError',
    message: 'findCifar10: Expected string for root but received an object of type Tensor',
  });
  assert.throws(() => datasets.findCifar10('data', any(undefined)), {
    name: 'TypeError',
    message: "findCifar10: Expected one of 'binary', 'python' for format but received undefined",
  });
});

test('VisionDataset: the constructor checks images, labels and options; methods check theirs', () => {
  assert.throws(() => new VisionDataset(5, 6), { name: 'TypeError', message: 'VisionDataset: Expected Tensor for images but received 5 of type number' });
  assert.throws(() => new VisionDataset(images(), undefined), {
    name: 'TypeError',
    message: 'VisionDataset: Expected Tensor for labels but received undefined',
  });
  assert.throws(() => new VisionDataset(torch.zeros([3, 2, 2]), labels()), {
    name: 'RangeError',
    message: 'VisionDataset: expected images of shape [N, C, H, W] but received shape [3, 2, 2]',
  });
  assert.throws(() => new VisionDataset(images(), torch.zeros([2])), {
    name: 'RangeError',
    message: 'VisionDataset: 3 images (shape [3, 1, 2, 2]) but 2 labels',
  });
  assert.throws(() => new VisionDataset(images(), labels(), 3), {
    name: 'TypeError',
    message: 'VisionDataset: expected an options object but received 3 of type number',
  });
  assert.throws(() => new VisionDataset(images(), labels(), { root: 'x' }), {
    name: 'TypeError',
    message: "VisionDataset: unknown option 'root' (expected one of transform, targetTransform, cache)",
  });
  const ds = new VisionDataset(images(), labels(), null);
  assert.equal(ds.len(), 3);
  assert.throws(() => ds.getBatch(any(-0.5)), {
    name: 'TypeError',
    message: 'VisionDataset.getBatch: Expected Tensor for indices but received -0.5 of type number',
  });
  assert.throws(() => ds.getBatch(torch.zeros([2])), {
    name: 'TypeError',
    message: 'VisionDataset.getBatch: Expected an int64 or int32 Tensor for indices but received a float32 tensor',
  });
  assert.throws(() => ds.getBatch(torch.zeros([2, 1], { dtype: 'int64' })), {
    name: 'RangeError',
    message: 'VisionDataset.getBatch: Expected a 1-D Tensor for indices but received a tensor of shape [2, 1]',
  });
  assert.throws(() => ds.getBatch(torch.tensor([5], { dtype: 'int64' })), /^\w*Error: VisionDataset\.getBatch: index_select: index out of range in self/);
  assert.throws(() => ds.toTorchvisionLayout(undefined), {
    name: 'TypeError',
    message: 'VisionDataset.toTorchvisionLayout: Expected Tensor for x but received undefined',
  });
  const [x, y] = ds.getBatch(torch.tensor([2, 0], { dtype: 'int64' }));
  assert.deepEqual(
    [x.shape, y.toArray()],
    [
      [2, 2, 2],
      [2, 0],
    ],
  );
  ds.dispose();
  assert.throws(() => ds.get(0), { name: 'Error', message: 'VisionDataset.get: the dataset was used after dispose() freed its storage' });
});

test('MNIST and FashionMNIST: null options are omitted options; other non-objects are refused', () => {
  assert.throws(() => new datasets.MNIST(null), /^Error: MNIST: dataset not found: /);
  assert.throws(() => new datasets.MNIST(any('bogus')), {
    name: 'TypeError',
    message: "MNIST: expected an options object but received 'bogus' of type string",
  });
  assert.throws(() => new datasets.FashionMNIST({ root: any(5) }), {
    name: 'TypeError',
    message: 'FashionMNIST: Expected string for root but received 5 of type number',
  });
});

test('readCifar10Binary takes a non-empty array of path strings', () => {
  assert.throws(() => datasets.readCifar10Binary(any(null)), {
    name: 'TypeError',
    message: 'readCifar10Binary: expected a non-empty array of file paths for paths but received null',
  });
  assert.throws(() => datasets.readCifar10Binary(any(-1)), {
    name: 'TypeError',
    message: 'readCifar10Binary: expected a non-empty array of file paths for paths but received -1 of type number',
  });
  assert.throws(() => datasets.readCifar10Binary(any([-1])), {
    name: 'TypeError',
    message: 'readCifar10Binary: Expected string for paths[0] but received -1 of type number',
  });
  assert.throws(
    () => datasets.readCifar10Binary(['/nonexistent/data_batch_1.bin']),
    /^Error: readCifar10Binary: cannot read \/nonexistent\/data_batch_1\.bin: ENOENT/,
  );
  assert.throws(() => datasets.readCifar10Python(any([])), {
    name: 'TypeError',
    message: 'readCifar10Python: expected a non-empty array of file paths for paths but received an array of length 0',
  });
});

test('npy, unpickle, PyBytes and NpDtype check their arguments and name themselves', () => {
  assert.throws(() => any(npy.fromBuffer)(), { name: 'TypeError', message: 'npy.fromBuffer: Expected Uint8Array or Buffer for b but received undefined' });
  assert.throws(() => npy.parseHeader(any(5)), {
    name: 'TypeError',
    message: 'npy.parseHeader: Expected Uint8Array or Buffer for buf but received 5 of type number',
  });
  assert.throws(() => npy.parseHeader(new Uint8Array(20)), {
    name: 'Error',
    message: 'npy.parseHeader: <buffer>: not a .npy file (missing the \\x93NUMPY magic string)',
  });
  assert.throws(() => any(npy.toBuffer)(), { name: 'TypeError', message: 'npy.toBuffer: Expected Tensor for tensor but received undefined' });
  const t = torch.ones([2]);
  t.dispose();
  assert.throws(() => npy.toBuffer(t), {
    name: 'TypeError',
    message: 'npy.toBuffer: Expected Tensor for tensor but received a disposed tensor (freed by dispose() or a tidy() scope)',
  });
  assert.throws(() => npy.save('/tmp/x.npy', any('cpu')), {
    name: 'TypeError',
    message: "npy.save: Expected Tensor for tensor but received 'cpu' of type string",
  });
  assert.throws(() => data.unpickle(any(5)), { name: 'TypeError', message: 'unpickle: Expected Uint8Array or Buffer for buf but received 5 of type number' });
  assert.throws(() => data.unpickle(new Uint8Array(0), 'x', any(5)), {
    name: 'TypeError',
    message: 'unpickle: expected an options object but received 5 of type number',
  });
  assert.throws(() => new data.PyBytes(any(undefined)), {
    name: 'TypeError',
    message: 'PyBytes: Expected Uint8Array or Buffer for bytes but received undefined',
  });
  assert.throws(() => new data.NpDtype(any(torch.ones([1]))), {
    name: 'TypeError',
    message: 'NpDtype: Expected string for spec but received an object of type Tensor',
  });
  assert.equal(new data.NpDtype('f4').descr, '<f4');
});

test('download helpers reject bad arguments before touching the network or the disk', async () => {
  await assert.rejects(any(datasets.downloadCifar10)(), { name: 'TypeError', message: 'downloadCifar10: Expected string for root but received undefined' });
  await assert.rejects(any(datasets.downloadCifar10)(null, 2), {
    name: 'TypeError',
    message: 'downloadCifar10: Expected string for root but received undefined',
  });
  await assert.rejects(datasets.downloadCifar10({ root: '/nonexistent', format: any('png') }), {
    name: 'TypeError',
    message: "downloadCifar10: Expected one of 'binary', 'python' for format but received 'png' of type string",
  });
  await assert.rejects(any(data.downloadAndExtractArchive)(), {
    name: 'TypeError',
    message: 'downloadAndExtractArchive: expected an options object with url and root but received undefined',
  });
  await assert.rejects(data.downloadAndExtractArchive({ root: '/nonexistent', url: 'bogus' }), {
    name: 'TypeError',
    message: 'downloadAndExtractArchive: invalid URL "bogus"',
  });
  await assert.rejects(data.extractArchive(any({}), 'x'), {
    name: 'TypeError',
    message: 'extractArchive: Expected string for archive but received an object of type Object',
  });
  await assert.rejects(any(data.extractArchive)(), { name: 'TypeError', message: 'extractArchive: Expected string for archive but received undefined' });
  await assert.rejects(data.extractArchive('/nonexistent.tar.gz', '/nonexistent/x'), /^Error: extractArchive: cannot read \/nonexistent\.tar\.gz: ENOENT/);
  await assert.rejects(data.downloadUrl(any({}), 'x'), {
    name: 'TypeError',
    message: 'downloadUrl: Expected string for url but received an object of type Object',
  });
  await assert.rejects(data.downloadUrl('http://127.0.0.1:1/x', '/nonexistent/x', any({ bogus: 1 })), {
    name: 'TypeError',
    message: "downloadUrl: unknown option 'bogus' (expected one of md5, progress, timeoutMs)",
  });
  await assert.rejects(data.md5File(any({})), { name: 'TypeError', message: 'md5File: Expected string for path but received an object of type Object' });
  await assert.rejects(data.md5File('/nonexistent'), /^Error: md5File: cannot read \/nonexistent: ENOENT/);
});

test('applyToBatch checks the transform and the batch, and what a function returns', () => {
  assert.throws(() => T.applyToBatch(any(torch.ones([2])), torch.ones([2])), {
    name: 'TypeError',
    message: 'applyToBatch: expected a Transform or a function for t but received an object of type Tensor',
  });
  assert.throws(() => T.applyToBatch(any([]), torch.ones([2])), {
    name: 'TypeError',
    message: 'applyToBatch: expected a Transform or a function for t but received an array of length 0',
  });
  assert.throws(() => T.applyToBatch((x) => x, any(undefined)), { name: 'TypeError', message: 'applyToBatch: Expected Tensor for x but received undefined' });
  assert.throws(() => T.applyToBatch((x) => x, torch.zeros([0, 3])), {
    name: 'RangeError',
    message: 'applyToBatch: cannot apply a per-sample function to an empty batch (shape [0, 3]): its output shape is unknown',
  });
  assert.throws(
    () =>
      T.applyToBatch(
        any(() => 5),
        torch.zeros([2, 3]),
      ),
    {
      name: 'TypeError',
      message: 'applyToBatch: expected the transform function to return a Tensor but it returned 5 of type number for sample 0',
    },
  );
  assert.deepEqual(T.applyToBatch((x) => x.add(1), torch.zeros([2, 3])).shape, [2, 3]);
});

test('abstract bases (Dataset, Transform, Sampler) say which method a subclass must implement', () => {
  assert.throws(() => new (data.Dataset as unknown as new () => data.Dataset)().length, {
    name: 'TypeError',
    message: 'Dataset.len: Dataset is abstract; subclasses must implement len()',
  });
  class NoGet extends (data.Dataset as unknown as new () => { len(): number; get(i: number): unknown }) {
    override len() {
      return 1;
    }
  }
  assert.throws(() => new NoGet().get(0), { name: 'TypeError', message: 'NoGet.get: Dataset is abstract; subclasses must implement get() (NoGet does not)' });
  assert.throws(() => new (T.Transform as unknown as new () => data.transforms.Transform)().apply(torch.ones([1])), {
    name: 'TypeError',
    message: 'Transform.apply: Transform is abstract; subclasses must implement apply()',
  });
  assert.throws(() => new (data.Sampler as unknown as new () => data.Sampler)().len(), {
    name: 'TypeError',
    message: 'Sampler.len: Sampler is abstract; subclasses must implement len()',
  });
});

test('transforms check their input tensors, options and function results', () => {
  assert.throws(() => new T.ToTensor().apply(any(true)), {
    name: 'TypeError',
    message: 'ToTensor: Expected Tensor for input but received true of type boolean',
  });
  assert.throws(() => new T.Lambda((x) => x).applyBatch(any(undefined)), {
    name: 'TypeError',
    message: 'Lambda: Expected Tensor for input but received undefined',
  });
  assert.throws(
    () =>
      new T.Lambda(
        any(() => 5),
        { batched: true },
      ).apply(torch.ones([2])),
    {
      name: 'TypeError',
      message: "Lambda: Expected Tensor for the function's result but received 5 of type number",
    },
  );
  assert.throws(() => new T.Lambda((x) => x, any(5)), { name: 'TypeError', message: 'Lambda: expected an options object but received 5 of type number' });
  assert.equal(new T.Normalize([0.5], [1], null).inplace, false);
});

test('oneDNN-layout tensors are refused by name (TensorDataset, ToTensor)', {
  skip: !torch.backends.mkldnn.isAvailable() && 'no oneDNN in this LibTorch',
}, () => {
  assert.throws(() => new data.TensorDataset(torch.ones([2, 2]).toMkldnn()), {
    name: 'TypeError',
    message: 'TensorDataset: Expected a strided (dense) Tensor for tensors[0] but received a tensor with layout _mkldnn (convert it with toDense() first)',
  });
  assert.throws(() => new T.ToTensor().apply(torch.ones([2, 2, 3]).toMkldnn()), {
    name: 'TypeError',
    message: 'ToTensor: Expected a strided (dense) Tensor for input but received a tensor with layout _mkldnn (convert it with toDense() first)',
  });
});

test('TensorDataset.getBatch, samplers and DataLoader check their arguments', () => {
  const ds = new data.TensorDataset(torch.ones([2, 2]));
  assert.throws(() => ds.getBatch(torch.zeros([1])), {
    name: 'TypeError',
    message: 'TensorDataset.getBatch: Expected an int64 or int32 Tensor for indices but received a float32 tensor',
  });
  assert.throws(() => ds.getBatch(torch.tensor([3], { dtype: 'int64' })), /^\w*Error: TensorDataset\.getBatch: index_select: index out of range in self/);
  assert.throws(() => data.drawSeed(any(5)), { name: 'TypeError', message: 'drawSeed: expected Generator for generator but received 5 of type number' });
  assert.throws(() => new data.SubsetRandomSampler(any([1, 'a'])), {
    name: 'TypeError',
    message: "SubsetRandomSampler: Expected integer for indices[1] but received 'a' of type string",
  });
  assert.throws(() => new data.RandomSampler(ds, any(5)), {
    name: 'TypeError',
    message: 'RandomSampler: expected an options object but received 5 of type number',
  });
  assert.equal(new data.DataLoader(ds, null).len(), 2);
  assert.throws(() => new data.DataLoader(ds).fetch([5]), {
    name: 'RangeError',
    message: 'DataLoader.fetch: Expected an integer in [0, 2) for indices[0] but received 5 of type number',
  });
  assert.throws(() => new data.Subset(ds, any(torch.zeros([1]))), {
    name: 'TypeError',
    message: 'Subset: expected an integer Tensor for indices but received a float32 tensor',
  });
});
