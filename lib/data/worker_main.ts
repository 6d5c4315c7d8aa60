/**
 * The entry of a DataLoader worker thread: PyTorch 1.13's `_worker_loop` for map-style datasets.
 * It seeds this thread's default generator with `baseSeed + id` (a thread of its own standing for
 * PyTorch's worker process), publishes getWorkerInfo(), runs `workerInitFn(id)`, then builds one
 * batch per task, in the order the tasks arrive, and posts it to the epoch's port.
 *
 * Messages from the main thread (parentPort): `{type: 'epoch', port}` (where results go from now
 * on), `{type: 'task', idx, indices}`, `{type: 'stop'}`. Results: `{idx, batch}` or
 * `{idx, error}`. After each result the shared counter `signal[0]` is bumped and notified, so a
 * synchronous `for…of` in the main thread can wait for it with Atomics.wait.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as torch from '../index.js';
import { describe } from '../dtype.js';
import { Generator, setThreadDefaultGenerator } from '../random.js';
import { tidy, dispose } from '../scope.js';
import { tensor } from '../tensor.js';
import { Dataset, hasBatchGather } from './dataset.js';
import { defaultCollate } from './dataloader.js';
import { decodeInWorker, encodeForWorker, setWorkerInfo, tensorsIn } from './worker_transfer.js';

interface WorkerData {
  id: number;
  numWorkers: number;
  seed: bigint;
  dataset: unknown;
  workerInitFn: string | null;
  workerInitName: string;
  samplesOnly: boolean;
  signal: SharedArrayBuffer;
  /** The first epoch's result port (later ones come in 'epoch' messages). */
  port: MessagePort;
}

type Message = { type: 'epoch'; port: MessagePort } | { type: 'task'; idx: number; indices: number[] } | { type: 'stop' };

interface SentError {
  name: string;
  message: string;
  stack: string;
}

const data = workerData as WorkerData;
const signal = new Int32Array(data.signal);
let out: MessagePort | null = data.port;

function serializeError(e: unknown): SentError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack ?? `${e.name}: ${e.message}` };
  return { name: 'Error', message: String(e), stack: `thrown value: ${String(e)}` };
}

function post(message: object, transfer: ArrayBuffer[] = []): void {
  out?.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** A workerInitFn sent as source, evaluated here with `torch` in scope (it cannot close over the main thread's variables). */
function compileInitFn(src: string, name: string): (id: number) => unknown {
  try {
    return new Function('torch', `return (${src});`)(torch);
  } catch (e) {
    // A method written in shorthand (`workerInitFn(id) { … }`) is not an expression on its own.
    if (!(e instanceof SyntaxError)) throw e;
    return new Function('torch', `return ({ ${src} })[${JSON.stringify(name)}];`)(torch);
  }
}

let dataset: Dataset<unknown> | null = null;
let initError: SentError | null = null;
let stopped = false;
const queue: Message[] = [];
let ready = false;

function fetchBatch(indices: number[]): unknown {
  const ds = dataset as Dataset<unknown>;
  if (!data.samplesOnly && hasBatchGather(ds)) return ds.getBatch(tensor(Float64Array.from(indices), { dtype: 'int64' }));
  const samples = indices.map((i) => ds.get(i));
  return data.samplesOnly ? samples : defaultCollate(samples);
}

function handle(m: Message): void {
  if (stopped) return;
  if (m.type === 'epoch') {
    out?.close();
    out = m.port;
    return;
  }
  if (m.type === 'stop') {
    stopped = true;
    out?.close();
    parentPort?.close();
    return;
  }
  if (initError !== null) {
    // As PyTorch: an error in the dataset's setup or workerInitFn is raised on the first task.
    const error = initError;
    initError = null;
    post({ worker: data.id, idx: m.idx, error });
    return;
  }
  const transfer: ArrayBuffer[] = [];
  let message: object;
  try {
    message = tidy(() => {
      const batch = fetchBatch(m.indices);
      try {
        return { worker: data.id, idx: m.idx, batch: encodeForWorker(batch, transfer, 'DataLoader worker', 'batch') };
      } finally {
        dispose(tensorsIn(batch));
      }
    });
  } catch (e) {
    message = { worker: data.id, idx: m.idx, error: serializeError(e) };
  }
  post(message, transfer);
}

parentPort?.on('message', (m: Message) => {
  if (ready) handle(m);
  else queue.push(m);
});

async function init(): Promise<void> {
  const seed = BigInt.asUintN(64, data.seed);
  setThreadDefaultGenerator(new Generator().manualSeed(seed));
  try {
    const ds = (await decodeInWorker(data.dataset, true)) as Dataset<unknown>;
    if (
      !(ds instanceof Dataset) &&
      (ds === null || typeof ds !== 'object' || typeof (ds as Dataset).len !== 'function' || typeof (ds as Dataset).get !== 'function')
    ) {
      throw new TypeError(`DataLoader worker: the dataset's workerSpec() built ${describe(ds)}, not a Dataset`);
    }
    dataset = ds;
    setWorkerInfo({ id: data.id, numWorkers: data.numWorkers, seed: data.seed, dataset: ds });
    if (data.workerInitFn !== null) await compileInitFn(data.workerInitFn, data.workerInitName)(data.id);
  } catch (e) {
    initError = serializeError(e);
  }
  ready = true;
  for (const m of queue.splice(0)) handle(m);
}

// An error that escapes the loop (in user code run later by a timer) ends the worker: report it
// so the main thread raises it instead of waiting forever.
process.on('uncaughtException', (e) => {
  post({ worker: data.id, idx: -1, error: serializeError(e) });
  process.exit(1);
});
process.on('exit', () => {
  if (!stopped) post({ worker: data.id, idx: -1, exited: true });
});

void init();
