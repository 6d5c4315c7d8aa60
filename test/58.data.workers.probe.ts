/**
 * Datasets for test/58.data.workers.test.ts that are not built in, so they reach the worker
 * threads through workerSpec(): this module is imported again in each worker.
 */
import * as torch from '../lib/index.js';

/** Item i is [i, worker id, worker seed, torch.rand(1)] (PyTorch's probe in tools/golden/data_workers.py). */
export class Probe extends torch.data.Dataset<unknown[]> {
  constructor(
    readonly n: number,
    readonly failAt: number = -1,
    readonly delayMs: number = 0,
  ) {
    super();
  }
  len(): number {
    return this.n;
  }
  get(i: number): unknown[] {
    if (i === this.failAt) throw new RangeError(`Probe.get: item ${i} is broken on purpose`);
    if (this.delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, this.delayMs);
    const info = torch.data.getWorkerInfo();
    if (info === null) throw new Error('Probe.get: expected to run in a DataLoader worker');
    return [i, info.id, info.seed, torch.rand(1)];
  }
  workerSpec(): torch.data.WorkerSpec {
    return { module: import.meta.url, exportName: 'Probe', args: [this.n, this.failAt, this.delayMs] };
  }
}

/** A factory export: workerSpec may name a function (here an async one) instead of a class. */
export async function makeProbe(n: number): Promise<Probe> {
  await new Promise((r) => setTimeout(r, 1));
  return new Probe(n);
}
