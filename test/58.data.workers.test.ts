/**
 * DataLoader with worker threads (numWorkers > 0) against PyTorch 1.13's DataLoader with worker
 * processes, run live (tools/golden/data_workers.py), on the same data folder:
 *  - CIFAR10 with RandomCrop + RandomHorizontalFlip: the same images, labels and order for the
 *    same seed, over two epochs (so each worker's seeding, base seed + id, is checked), and the
 *    main default generator left in the same state;
 *  - a probe dataset (sent through workerSpec) reporting worker id, seed and torch.rand(1): with
 *    a loader generator, workerInitFn, three workers and prefetchFactor 1, persistent workers;
 *  - an error in a worker raised in the main thread naming the worker; refused datasets;
 *  - break, an exception in the loop body and unfinished persistent workers leave no thread that
 *    keeps the process alive.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import * as torch from '../lib/index.js';
import { data, datasets } from '../lib/index.js';
import { PYTHON, skipWithoutPythonTorchvision } from './helpers.js';
import { Probe } from './58.data.workers.probe.js';

const T = data.transforms;
const skip = skipWithoutPythonTorchvision();
const root = mkdtempSync(join(tmpdir(), 'torchnode-workers-'));

interface ProbeBatch {
  i: number[];
  id: number[];
  seed: string[];
  rand: number[];
}
interface ProbeRun {
  epochs: ProbeBatch[][];
  after: number;
}
interface Golden {
  cifar: { epochs: { labels: number[]; x: string }[][]; after: number };
  probe: Record<'plain' | 'generator' | 'init_fn' | 'three_prefetch1' | 'persistent' | 'not_persistent', ProbeRun>;
}
let G: Golden;

before(() => {
  if (skip) return;
  const out = join(root, 'golden.json');
  const r = spawnSync(PYTHON, ['-B', join(import.meta.dirname, '..', 'tools', 'golden', 'data_workers.py'), out, root], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tools/golden/data_workers.py failed:\n${r.stderr}`);
  G = JSON.parse(readFileSync(out, 'utf8')) as Golden;
});
after(() => rmSync(root, { recursive: true, force: true }));

const ints = (t: torch.Tensor): number[] => Array.from(t.dataSync() as BigInt64Array, Number);

/** Probe batches as the golden file writes them. */
function probeBatch(b: unknown): ProbeBatch {
  const [i, id, seed, rand] = b as torch.Tensor[];
  const out = { i: ints(i), id: ints(id), seed: Array.from(seed.dataSync() as BigInt64Array, String), rand: Array.from(rand.dataSync() as Float32Array) };
  torch.dispose([i, id, seed, rand]);
  return out;
}

const probeUrl = new URL('./58.data.workers.probe.ts', import.meta.url).href;
/** The probe built in the worker by an async factory export instead of a class. */
class ProbeByFactory extends Probe {
  override workerSpec(): data.WorkerSpec {
    return { module: probeUrl, exportName: 'makeProbe', args: [this.n] };
  }
}

test('CIFAR10 with random transforms: the same batches, in the same order, as PyTorch with num_workers=2 (two epochs)', { skip }, () => {
  const transform = new T.Compose([
    new T.ToTensor(),
    new T.RandomCrop(32, { padding: 4 }),
    new T.RandomHorizontalFlip(),
    new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]),
  ]);
  const cifar = new datasets.CIFAR10({ root, train: true, format: 'python', transform });
  torch.manualSeed(2024);
  const loader = new data.DataLoader(cifar, { batchSize: 16, shuffle: true, numWorkers: 2 });
  for (let e = 0; e < 2; e++) {
    const want = G.cifar.epochs[e];
    let k = 0;
    for (const [x, y] of loader) {
      assert.deepEqual(ints(y), want[k].labels, `epoch ${e} batch ${k}: labels`);
      const bytes = Buffer.from(want[k].x, 'base64');
      const expected = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      assert.deepEqual(x.shape, [want[k].labels.length, 3, 32, 32]);
      assert.deepEqual(x.dataSync(), expected, `epoch ${e} batch ${k}: images`);
      torch.dispose([x, y]);
      k++;
    }
    assert.equal(k, want.length);
  }
  assert.equal(torch.rand(1).item(), G.cifar.after, "the main thread's default generator after two epochs");
  cifar.dispose();
});

/** Runs `epochs` epochs of a probe loader (sync or for await) after torch.manualSeed(seed). */
async function probeRun(seed: number, make: () => data.DataLoader<unknown>, epochs = 1, asyncIter = false): Promise<ProbeRun> {
  torch.manualSeed(seed);
  const loader = make();
  const res: ProbeBatch[][] = [];
  for (let e = 0; e < epochs; e++) {
    const batches: ProbeBatch[] = [];
    if (asyncIter) for await (const b of loader) batches.push(probeBatch(b));
    else for (const b of loader) batches.push(probeBatch(b));
    res.push(batches);
  }
  loader.shutdownWorkers();
  return { epochs: res, after: torch.rand(1).item() };
}

test('worker ids, seeds (base seed + id) and each worker default generator match PyTorch', { skip }, async () => {
  assert.equal(data.getWorkerInfo(), null, 'getWorkerInfo() in the main thread');
  const opts = { batchSize: 2, shuffle: true, numWorkers: 2 };
  assert.deepEqual(await probeRun(5, () => new data.DataLoader(new Probe(10), opts)), G.probe.plain, 'plain');
  const generator = () => new torch.Generator().manualSeed(7);
  assert.deepEqual(
    await probeRun(5, () => new data.DataLoader(new ProbeByFactory(9), { ...opts, generator: generator() }), 1, true),
    G.probe.generator,
    'a loader generator, a factory workerSpec, for await',
  );
  assert.deepEqual(
    await probeRun(8, () => new data.DataLoader(new Probe(11), { ...opts, numWorkers: 3, prefetchFactor: 1 })),
    G.probe.three_prefetch1,
    'three workers, prefetchFactor 1',
  );
});

test('workerInitFn runs in each worker, with getWorkerInfo() set, before its first batch', { skip }, async () => {
  const workerInitFn = (id: number) => {
    const info = torch.data.getWorkerInfo();
    if (info === null || info.id !== id || info.numWorkers !== 2 || info.dataset.len() !== 8 || info.seed !== torch.initialSeed()) {
      throw new Error(`unexpected worker info ${String(info)}`);
    }
    torch.manualSeed(1000 + id);
  };
  assert.deepEqual(await probeRun(6, () => new data.DataLoader(new Probe(8), { batchSize: 2, numWorkers: 2, workerInitFn })), G.probe.init_fn);
});

test('persistentWorkers: the workers and their random state carry over to the next epoch, as in PyTorch', { skip }, async () => {
  const opts = { batchSize: 2, shuffle: true, numWorkers: 2 };
  assert.deepEqual(await probeRun(9, () => new data.DataLoader(new Probe(8), { ...opts, persistentWorkers: true }), 2), G.probe.persistent);
  // Without persistent workers PyTorch reseeds new workers each epoch: the second epoch differs.
  assert.notDeepEqual(G.probe.persistent.epochs[1], G.probe.not_persistent.epochs[1]);
});

test('an error in a worker is raised in the main thread, naming the worker, after the batches before it', () => {
  const loader = new data.DataLoader(new Probe(10, 7), { batchSize: 2, numWorkers: 2 });
  const seen: number[][] = [];
  assert.throws(
    () => {
      for (const b of loader) seen.push(probeBatch(b).i);
    },
    (e: Error & { workerId?: number }) => {
      assert.ok(e instanceof RangeError, `a RangeError, as thrown in the worker (${e.name})`);
      assert.match(e.message, /^Caught RangeError in DataLoader worker 1\.\nOriginal RangeError: Probe\.get: item 7 is broken on purpose\n\s+at /);
      assert.equal(e.workerId, 1);
      return true;
    },
  );
  assert.deepEqual(seen, [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  const failingInit = new data.DataLoader(new Probe(4), {
    batchSize: 2,
    numWorkers: 1,
    workerInitFn: (id: number) => {
      if (id === 0) throw new Error('no setup for worker 0');
    },
  });
  assert.throws(() => [...failingInit], /^Error: Caught Error in DataLoader worker 0\.\nOriginal Error: no setup for worker 0/);
});

test('timeout: a batch that takes longer raises "DataLoader timed out", and the next epoch starts afresh', async () => {
  const slow = new data.DataLoader(new Probe(4, -1, 1500), { batchSize: 2, numWorkers: 1, timeout: 0.2 });
  const t0 = performance.now();
  assert.throws(() => [...slow], { message: 'DataLoader timed out after 0.2 seconds' });
  assert.ok(performance.now() - t0 < 1400, 'raised before the batch was ready');
  await assert.rejects(
    async () => {
      for await (const _ of slow);
    },
    { message: 'DataLoader timed out after 0.2 seconds' },
  );
  // A custom collate runs in the main thread on the samples the worker sends.
  const patient = new data.DataLoader(new Probe(2, -1, 300), {
    batchSize: 2,
    numWorkers: 1,
    timeout: 30,
    collate: (samples) => samples.map((s) => s[0] as number),
  });
  assert.deepEqual([...patient], [[0, 1]]);
  assert.throws(() => new data.DataLoader(new Probe(2), { timeout: -1 }), {
    message: 'DataLoader: timeout option should be a non-negative number of seconds but received -1 of type number',
  });
});

test('datasets that cannot reach a worker thread are refused when the loader is made, naming the field', () => {
  class Unregistered extends data.TensorDataset {}
  const t = torch.arange(4);
  assert.throws(
    () => new data.DataLoader(new Unregistered(t), { numWorkers: 2 }),
    (e: Error) =>
      e instanceof data.WorkerTransferError &&
      e.name === 'WorkerTransferError' &&
      e.message.startsWith('DataLoader: dataset is a Unregistered, which cannot be sent to a worker thread: only tensors, plain data,'),
  );
  const withLambda = new data.TensorDataset(t);
  (withLambda as unknown as { transform: unknown }).transform = new T.Compose([new T.ToTensor(), new T.Lambda((x) => x)]);
  assert.throws(() => new data.DataLoader(withLambda, { numWorkers: 1 }), {
    name: 'WorkerTransferError',
    message: /^DataLoader: dataset\.transform\.transforms\[1\] is a Lambda \(a Lambda holds a function\), which cannot be sent/,
  });
  assert.throws(() => new data.DataLoader(withLambda, { numWorkers: -1 }), {
    name: 'TypeError',
    message: 'DataLoader: Expected non-negative integer for numWorkers but received -1 of type number',
  });
  assert.throws(() => new data.DataLoader(withLambda, { prefetchFactor: 3 }), {
    message: 'DataLoader: the prefetchFactor option can only be given with numWorkers > 0 (batches are then built ahead in worker threads)',
  });
  assert.throws(() => new data.DataLoader(withLambda, { persistentWorkers: true }), {
    message: 'DataLoader: the persistentWorkers option needs numWorkers > 0',
  });
  assert.throws(() => new data.DataLoader(withLambda, { workerInitFn: Math.max }), /workerInitFn is a native or bound function/);
  t.dispose();
});

test('break, an exception in a for await body and unfinished persistent workers leave the process free to exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-workers-exit-'));
  const script = join(dir, 'exit.mts');
  writeFileSync(
    script,
    `import * as torch from ${JSON.stringify(new URL('../lib/index.ts', import.meta.url).href)};
const ds = new torch.data.TensorDataset(torch.arange(64), torch.arange(64));
const loader = new torch.data.DataLoader(ds, { batchSize: 4, numWorkers: 1 });
for (const [x] of loader) { if (x.shape[0] === 4) break; }
try { for await (const _ of loader) throw new Error('body'); } catch (e) { if (e.message !== 'body') throw e; }
const persistent = new torch.data.DataLoader(ds, { batchSize: 4, numWorkers: 1, persistentWorkers: true });
let n = 0;
for (const _ of persistent) n++;
for (const _ of persistent) { n++; break; }
console.log('done', n);
`,
  );
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `the process did not exit by itself within 60 s:\n${r.stdout}\n${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'done 17');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
