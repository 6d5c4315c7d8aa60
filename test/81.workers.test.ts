/**
 * worker_threads: the addon loads in several workers at once; each trains a linear regression by
 * hand (requiresGrad, backward, noGrad updates) and must produce exactly the main thread's numbers
 * for the same seed. Workers exit and are recreated (3 cycles of 4) with the main process's RSS
 * bounded and every worker's tensor table empty at exit; a worker terminated mid-loop takes
 * nothing down with it.
 *
 * This file is both the test (main thread) and the worker script (workerData says what to do).
 * Seeds use an explicit Generator per worker: LibTorch's default CPU generator is process-global,
 * so torch.manualSeed in concurrent workers would race.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';

interface RunResult {
  losses: number[];
  w: number[];
  b: number;
  memory: { numTensors: number; numBytes: number };
}

/** Linear regression y = X w + b by plain tensor ops and autograd; every temporary in tidy(). */
function train(seed: number, steps: number, onStep?: (i: number) => void): RunResult {
  const g = new torch.Generator().manualSeed(seed);
  const X = torch.randn([64, 3], { generator: g });
  const trueW = torch.tensor([[1.5], [-2], [0.5]]);
  const y = torch.tidy(() =>
    X.matmul(trueW)
      .add(0.3)
      .add(torch.randn([64, 1], { generator: g }).mul(0.01)),
  );
  const w = torch.zeros([3, 1], { requiresGrad: true });
  const b = torch.zeros([1], { requiresGrad: true });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    torch.tidy(() => {
      const loss = X.matmul(w).add(b).sub(y).square().mean();
      loss.backward();
      torch.noGrad(() => {
        w.sub_(w.grad!.mul(0.1));
        b.sub_(b.grad!.mul(0.1));
      });
      w.grad!.zero_();
      b.grad!.zero_();
      losses.push(loss.item());
    });
    onStep?.(i);
  }
  const out = { losses, w: Array.from(w.dataSync() as Float32Array), b: b.item() };
  torch.dispose([X, trueW, y, w, b]);
  return { ...out, memory: torch.memory() };
}

if (!isMainThread) {
  const { mode, seed, steps } = workerData as { mode: 'train' | 'forever'; seed: number; steps: number };
  if (mode === 'train') {
    parentPort!.postMessage({ result: train(seed, steps), threadMemory: torch.memory() });
  } else {
    // Runs until terminated; reports progress so the parent can kill it mid-loop.
    for (;;)
      train(seed, 1000, (i) => {
        if (i % 10 === 0) parentPort!.postMessage({ step: i });
      });
  }
} else {
  // Node 20 does not apply --import loaders to a worker's entry module: the worker registers
  // tsx itself, then imports this file.
  const boot =
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` + `.then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const spawn = (data: object): Worker => new Worker(boot, { eval: true, workerData: data });

  const runWorker = (seed: number, steps: number): Promise<{ result: RunResult; exitCode: number }> =>
    new Promise((resolve, reject) => {
      const w = spawn({ mode: 'train', seed, steps });
      let result: RunResult | null = null;
      w.on('message', (m: { result: RunResult }) => {
        result = m.result;
      });
      w.on('error', reject);
      w.on('exit', (code) => (result ? resolve({ result, exitCode: code }) : reject(new Error(`worker exited with ${code} before reporting`))));
    });

  const STEPS = 60;
  const SEEDS = [11, 22, 33, 44];

  test('4 workers x 3 cycles train by hand and match the main thread bit for bit; RSS bounded', async () => {
    const reference = SEEDS.map((s) => train(s, STEPS));
    // Sanity: the regression converges (true w = [1.5, -2, 0.5], b = 0.3) and seeds differ.
    for (const r of reference) {
      assert.ok(r.losses[STEPS - 1] < r.losses[0] / 10, `loss ${r.losses[0]} -> ${r.losses[STEPS - 1]}`);
      assert.ok(Math.abs(r.w[0] - 1.5) < 0.2 && Math.abs(r.w[1] + 2) < 0.2, `w = ${r.w}`);
    }
    assert.notDeepEqual(reference[0].losses, reference[1].losses);
    const rss: number[] = [process.memoryUsage().rss];
    const mainTensors = torch.memory().numTensors;
    for (let cycle = 0; cycle < 3; cycle++) {
      const outs = await Promise.all(SEEDS.map((s) => runWorker(s, STEPS)));
      outs.forEach((o, k) => {
        assert.equal(o.exitCode, 0);
        assert.deepEqual(o.result.losses, reference[k].losses, `worker seed ${SEEDS[k]} losses`);
        assert.deepEqual(o.result.w, reference[k].w);
        assert.equal(o.result.b, reference[k].b);
        // Each worker has its own tensor table: all of its tensors were disposed.
        assert.equal(o.result.memory.numTensors, 0, `worker ${k} live tensors at exit`);
      });
      rss.push(process.memoryUsage().rss);
    }
    assert.equal(torch.memory().numTensors, mainTensors, 'workers do not touch the main thread table');
    const mb = rss.map((r) => Math.round(r / 2 ** 20));
    console.log(`main RSS (MiB) before / after each of 3 cycles of 4 workers: ${mb.join(' / ')}`);
    // The first cycle maps LibTorch's per-thread state; later cycles must not keep growing.
    assert.ok(rss[3] - rss[1] < 96 * 2 ** 20, `RSS grew ${mb[3] - mb[1]} MiB between cycle 1 and 3`);
  });

  test('terminate() a worker in the middle of its training loop; others and the main thread carry on', async () => {
    const w = spawn({ mode: 'forever', seed: 5, steps: 0 });
    let steps = 0;
    await new Promise<void>((resolve, reject) => {
      w.on('error', reject);
      w.on('message', (m: { step?: number }) => {
        if (m.step !== undefined && ++steps === 5) resolve();
      });
    });
    const code = await w.terminate();
    assert.equal(code, 1);
    // A fresh worker and the main thread still compute the same numbers.
    const again = await runWorker(SEEDS[0], 10);
    assert.deepEqual(again.result.losses, train(SEEDS[0], 10).losses);
    // Kill several at once, each in the middle of its loop.
    const many = [0, 1, 2, 3].map((k) => spawn({ mode: 'forever', seed: k, steps: 0 }));
    await Promise.all(
      many.map(
        (x) =>
          new Promise<void>((resolve, reject) => {
            x.on('error', reject);
            x.once('message', () => resolve());
          }),
      ),
    );
    const codes = await Promise.all(many.map((x) => x.terminate()));
    assert.deepEqual(codes, [1, 1, 1, 1]);
    assert.equal(torch.ones([2]).sum().item(), 2);
  });

  test("terminate() at any point of a worker's start, addon loading included, never takes the process down", async () => {
    // N-API cannot throw into an environment that is shutting down. Before
    // NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS, a worker terminated while the addon registered
    // itself rethrew that failure as a C++ exception and aborted the whole process ("terminate
    // called after throwing an instance of 'Napi::Error'"), in 5 of 5 stress runs of this kind.
    // Delays spread over a worker's start (tsx, then LibTorch, then the addon registering), mixed up.
    for (const delay of [700, 100, 1300, 400, 1600, 1000, 200, 1500, 800, 300, 1200, 600, 1400, 900, 500, 1100, 750, 150, 1350, 450, 1650, 1050, 250, 1550]) {
      const ws = [0, 1, 2, 3].map((k) => spawn({ mode: 'forever', seed: k, steps: 0 }));
      await new Promise((r) => setTimeout(r, delay));
      const codes = await Promise.all(ws.map((x) => x.terminate()));
      // 1 once its loop runs; 0 when it is stopped before running any of its code.
      for (const c of codes) assert.ok(c === 0 || c === 1, `exit code ${c} after ${delay} ms`);
    }
    assert.equal(torch.ones([2]).sum().item(), 2);
  });
}
