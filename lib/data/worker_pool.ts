/**
 * The main-thread side of a DataLoader with `numWorkers > 0`, PyTorch 1.13's
 * `_MultiProcessingDataLoaderIter` for map-style datasets with worker threads:
 *
 *  - the workers start when the iterator is created, worker i seeded with `baseSeed + i`;
 *  - `prefetchFactor * numWorkers` batches of indices are sent at once, round-robin from worker
 *    0, and one more each time a batch is handed out, so batch k always goes to worker
 *    `k % numWorkers` (the random numbers each worker draws are PyTorch's);
 *  - batches are handed out in index order whatever order they finish in;
 *  - an error in a worker is raised in the main thread as "Caught TypeError in DataLoader
 *    worker N", with the worker's message and stack;
 *  - the workers stop at the end of the epoch, on `break`, on an error, or (persistent workers)
 *    when the loader is shut down or the process exits: they never keep the process alive.
 *
 * `for…of` waits for results with Atomics.wait on a shared counter the workers bump after each
 * message; `for await…of` waits on the port's message events.
 */
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tidy } from '../scope.js';
import { decodeSync, encodeForWorker } from './worker_transfer.js';

/** What a worker sends back. */
interface WorkerMessage {
  worker: number;
  idx: number;
  batch?: unknown;
  error?: { name: string; message: string; stack: string };
  exited?: boolean;
}

/** What the pool needs from the DataLoader. @internal */
export interface PoolConfig {
  dataset: unknown;
  numWorkers: number;
  prefetchFactor: number;
  workerInitFn: ((id: number) => unknown) | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: samples are whatever the dataset yields
  collate: ((samples: any[]) => unknown) | undefined;
}

const ERROR_TYPES: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

/** PyTorch's ExceptionWrapper.reraise: the worker's error, in the main thread, saying where it came from. */
function workerError(m: WorkerMessage): Error {
  if (m.exited) return new Error(`DataLoader worker ${m.worker} exited unexpectedly`);
  const e = m.error as NonNullable<WorkerMessage['error']>;
  const Ctor = ERROR_TYPES[e.name] ?? Error;
  const err = new Ctor(`Caught ${e.name} in DataLoader worker ${m.worker}.\nOriginal ${e.stack}`);
  Object.defineProperty(err, 'workerId', { value: m.worker, enumerable: true });
  return err;
}

/**
 * The worker entry module: $TORCHNODE_WORKER_ENTRY (for bundled applications, which must ship
 * worker_main.js as an entry of its own), else the file next to this one (lib/data/*.ts,
 * dist/data/*.js, or dist/index.cjs's data/), else the package's lib/ or dist/ above this file.
 */
function workerEntry(): string {
  const override = process.env.TORCHNODE_WORKER_ENTRY;
  if (override) return override.startsWith('file:') ? override : pathToFileURL(override).href;
  const here = import.meta.url;
  const sibling = here.endsWith('.cjs')
    ? new URL('./data/worker_main.js', here)
    : new URL(here.endsWith('.ts') ? './worker_main.ts' : './worker_main.js', here);
  if (existsSync(sibling)) return sibling.href;
  let dir = dirname(fileURLToPath(here));
  for (let i = 0; i < 4; i++) {
    for (const rel of ['lib/data/worker_main.ts', 'dist/data/worker_main.js']) {
      if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, rel))) return pathToFileURL(join(dir, rel)).href;
    }
    dir = dirname(dir);
  }
  throw new Error(
    `DataLoader: cannot find the worker entry (worker_main.js) near ${fileURLToPath(here)}; a bundled application must ship ` +
      "torchnode's dist/data/worker_main.js and name it in TORCHNODE_WORKER_ENTRY (or keep torchnode out of the bundle)",
  );
}

/** The code each worker thread starts with: registers tsx when running from TypeScript, then imports the entry. */
function bootScript(): string {
  const here = import.meta.url;
  const entry = workerEntry();
  const underTsx = entry.endsWith('.ts') || process.execArgv.some((a) => a.includes('tsx')) || (process.env.NODE_OPTIONS ?? '').includes('tsx');
  let tsx: string | null = null;
  if (underTsx) {
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href;
    }
  }
  return `
const { workerData: d } = require('node:worker_threads');
const fail = (e) => {
  d.port.postMessage({ worker: d.id, idx: -1, error: { name: (e && e.name) || 'Error', message: String((e && e.message) || e), stack: String((e && e.stack) || e) } });
  const s = new Int32Array(d.signal);
  Atomics.add(s, 0, 1);
  Atomics.notify(s, 0);
};
(${JSON.stringify(tsx)} ? import(${JSON.stringify(tsx)}).then((m) => m.register()) : Promise.resolve())
  .then(() => import(${JSON.stringify(entry)}))
  .catch(fail);
`;
}

const poolRegistry = new FinalizationRegistry<Worker[]>((workers) => {
  for (const w of workers) void w.terminate();
});

/** A set of started worker threads, each with a port for the current epoch's results. @internal */
export class WorkerPool {
  readonly workers: Worker[] = [];
  readonly signal = new Int32Array(new SharedArrayBuffer(4));
  /** The main thread's ends of this epoch's channels, one per worker. */
  private ports: MessagePort[] = [];
  private closed = false;

  /** Starts the workers; worker i's default generator is seeded with `baseSeed + i`. */
  constructor(config: PoolConfig, baseSeed: bigint) {
    const dataset = encodeForWorker(config.dataset, [], 'DataLoader', 'dataset');
    const init = config.workerInitFn;
    const boot = bootScript();
    for (let id = 0; id < config.numWorkers; id++) {
      const channel = new MessageChannel();
      this.ports.push(channel.port1);
      const w = new Worker(boot, {
        eval: true,
        workerData: {
          id,
          numWorkers: config.numWorkers,
          seed: baseSeed + BigInt(id),
          dataset,
          workerInitFn: init ? Function.prototype.toString.call(init) : null,
          workerInitName: init?.name ?? '',
          samplesOnly: config.collate !== undefined,
          signal: this.signal.buffer,
          port: channel.port2,
        },
        transferList: [channel.port2],
      });
      w.unref(); // as PyTorch's daemonic workers: never what keeps the process alive
      w.on('error', () => undefined); // reported through the port (boot script, uncaughtException)
      this.workers.push(w);
    }
    poolRegistry.register(this, this.workers, this);
  }

  /** New result channels for another epoch (persistent workers); the old ports are closed, so stale results are dropped. */
  newEpoch(): void {
    this.closePorts();
    this.workers.forEach((w, id) => {
      const channel = new MessageChannel();
      this.ports[id] = channel.port1;
      w.postMessage({ type: 'epoch', port: channel.port2 }, [channel.port2]);
    });
  }

  /** Posts a task to worker `id`. */
  send(id: number, message: object): void {
    this.workers[id].postMessage(message);
  }

  /** Takes a result that has arrived, without waiting; null when none has. */
  poll(): WorkerMessage | null {
    for (const p of this.ports) {
      const r = receiveMessageOnPort(p);
      if (r) return r.message as WorkerMessage;
    }
    return null;
  }

  /** Waits (blocking this thread) for the next result; null once `timeoutMs` (> 0) has passed without one. */
  waitSync(timeoutMs = 0): WorkerMessage | null {
    const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Number.POSITIVE_INFINITY;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      const m = this.poll();
      if (m) return m;
      const left = deadline - performance.now();
      if (left <= 0) return null;
      Atomics.wait(this.signal, 0, seen, Math.min(1000, left));
    }
  }

  /** Calls `onMessage` for each result as it arrives (the ports then keep the event loop alive); returns the unsubscribe. */
  listen(onMessage: (m: WorkerMessage) => void): () => void {
    const ports = this.ports.slice();
    for (const p of ports) p.on('message', onMessage);
    return () => {
      for (const p of ports) p.off('message', onMessage);
    };
  }

  private closePorts(): void {
    for (const p of this.ports) p.close();
  }

  /** Ends the epoch's channels (the workers stay, for persistent workers). */
  endEpoch(): void {
    this.closePorts();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops the workers now (tasks in flight are abandoned). */
  terminate(): void {
    if (this.closed) return;
    this.closed = true;
    poolRegistry.unregister(this);
    this.closePorts();
    for (const w of this.workers) {
      w.postMessage({ type: 'stop' });
      void w.terminate();
    }
  }
}

/**
 * One epoch over a pool: PyTorch's task bookkeeping (`_send_idx`, `_rcvd_idx`, `_task_info`,
 * `_try_put_index`, `_process_data`). @internal
 */
export class WorkerEpoch<B> {
  private sendIdx = 0;
  private rcvdIdx = 0;
  private readonly tasks = new Map<number, { worker: number; result?: WorkerMessage }>();
  private nextWorker = 0;
  private exhausted = false;
  private finished = false;

  constructor(
    readonly pool: WorkerPool,
    private readonly config: PoolConfig,
    private readonly batches: Iterator<number[]>,
    private readonly onEnd: (error: boolean) => void,
  ) {
    // Prime the prefetch loop: this is when the sampler starts (and draws its seed), as in PyTorch.
    for (let k = 0; k < config.prefetchFactor * config.numWorkers; k++) this.tryPutIndex();
  }

  private tryPutIndex(): void {
    if (this.exhausted) return;
    const r = this.batches.next();
    if (r.done) {
      this.exhausted = true;
      return;
    }
    const worker = this.nextWorker;
    this.nextWorker = (worker + 1) % this.config.numWorkers;
    this.pool.send(worker, { type: 'task', idx: this.sendIdx, indices: r.value });
    this.tasks.set(this.sendIdx, { worker });
    this.sendIdx++;
  }

  /** Files a result; an error not tied to a task (a worker that died) ends the epoch at once. */
  accept(m: WorkerMessage): void {
    if (m.idx < 0) {
      this.finish(true);
      throw workerError(m);
    }
    const task = this.tasks.get(m.idx);
    if (task) task.result = m;
  }

  /** The next batch if it has arrived: `{done}` at the end, null while it is still being built. */
  ready(): IteratorResult<B> | null {
    if (this.finished) return { done: true, value: undefined };
    if (this.rcvdIdx >= this.sendIdx) {
      this.finish(false);
      return { done: true, value: undefined };
    }
    const task = this.tasks.get(this.rcvdIdx) as { worker: number; result?: WorkerMessage };
    if (!task.result) return null;
    this.tasks.delete(this.rcvdIdx);
    this.rcvdIdx++;
    this.tryPutIndex();
    const m = task.result;
    if (m.error) {
      this.finish(true);
      throw workerError(m);
    }
    const collate = this.config.collate;
    if (collate === undefined) return { done: false, value: decodeSync(m.batch, false) as B };
    return { done: false, value: tidy(() => collate(decodeSync(m.batch, false) as unknown[])) as B };
  }

  /** Ends the epoch (end of data, break, error): the loader stops or keeps the workers. */
  finish(error: boolean): void {
    if (this.finished) return;
    this.finished = true;
    this.onEnd(error);
  }

  get isFinished(): boolean {
    return this.finished;
  }
}
