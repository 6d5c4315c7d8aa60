/**
 * The machinery shared by parts 3–5 (Appendices 3–5), so that each part's training reads like
 * its appendix: `evaluateModel` (the original's `evaluate_model` / `evaluate`), and `Training`,
 * which owns everything the Python code does not have: the checkpoint file, `--resume`, the
 * `--steps`/`--epoch-steps` limits, tqdm-like progress bars and Ctrl-C. A part reads:
 *
 *     const hw = new Training('part3', s, signature);
 *     return hw.main(async () => {                       // 0, or 130 after Ctrl-C
 *       for (const name of models) {
 *         const result = await hw.run(async (run) => {   // not called again for a run that
 *           const model = …, optimizer = …;              //   --resume finds finished: its
 *           run.resume(model, optimizer);                //   saved result comes back
 *           const { loss_curve } = run.restore({ loss_curve: [] as number[] });
 *           let { step_count } = run.restore({ step_count: 0 });
 *           for (const epoch of run.epochs(EPOCHS)) {    // for epoch in range(EPOCHS):
 *             model.train();
 *             let { running_loss } = run.restore({ running_loss: 0.0 });
 *             run.save(() => ({ loss_curve, step_count, running_loss }));
 *             for await (const [x, y] of run.batches(train_loader, `Epoch ${epoch + 1}/${EPOCHS}`)) {
 *               torch.tidy(() => { … the appendix's step, line for line … });
 *             }
 *           }
 *           return …;
 *         });
 *       }
 *     });
 *
 * `run.restore({ v: initial })` gives a variable its initial value, or, when the run continues
 * an interrupted one, the value `run.save` stored in the checkpoint. Checkpoints are written
 * after every epoch and at Ctrl-C (scripts/checkpoint.ts); they hold the run's variables, the
 * model's and optimizer's state dicts, the default generator's state and the results of the
 * finished runs. Resuming mid-epoch reproduces an uninterrupted run exactly: the generator is
 * reset to its state at the start of the epoch, the loader's iterator is re-created (drawing the
 * same shuffle) and advanced past the batches already trained on, then the generator is set to
 * its state at the interruption (dropout and validation loaders draw from it too). So the code
 * between an epoch's start and `run.batches` must not draw random numbers (the parts' do not).
 *
 * `run.batches` is an async generator so that signals get through: it yields to the event loop
 * after every step (Node runs signal handlers there); the loop is `for await`. Each batch is
 * disposed when the next is drawn. The parts keep each step in `torch.tidy`: the library would
 * free the step's tensors at garbage collection anyway, with the same numbers, but part 3
 * --quick then took 27% more CPU time and 21% more peak memory (median of five runs, issue 21).
 */
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import * as torch from '../lib/index.js';
import { type Tensor, tidy, inferenceMode, dispose } from '../lib/index.js';
import type { nn } from '../lib/index.js';
import type { Optimizer, OptimizerStateDict } from '../lib/optim/optimizer.js';
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { ParsedOptions } from './common.js';

/** What the loops need from a DataLoader: iteration over [x, y] batches (and ideally a length). */
export interface BatchLoader {
  [Symbol.iterator](): Iterator<[Tensor, Tensor]>;
}

/** Number of batches of a loader: its `length`, or `len()`, as lib/data's DataLoader provides. */
export function loaderLength(loader: BatchLoader): number | undefined {
  const l = loader as unknown as { length?: unknown; len?: unknown };
  if (typeof l.length === 'number') return l.length;
  if (typeof l.len === 'function') return (l.len as () => number).call(loader);
  return undefined;
}

/** Moves a batch to the device (a no-op on the CPU). */
export function toDevice(t: Tensor, device: string): Tensor {
  return device === 'cpu' ? t : t.to(device);
}

/**
 * Appendix 3's `evaluate_model` (Appendix 5's `evaluate`): accuracy in percent over a loader,
 * in eval mode and without gradients. `torch.max(outputs.data, 1)` gives the predictions.
 * It runs under inference mode (the same numbers as `no_grad`, without autograd's version
 * counters and view tracking); only counts leave it, so no inference tensor escapes.
 */
export function evaluateModel(model: nn.Module, loader: BatchLoader, device = 'cpu'): number {
  model.eval();
  let correct = 0;
  let total = 0;
  inferenceMode(() => {
    for (const batch of loader) {
      try {
        const [c, n] = tidy(() => {
          const [x, y] = [toDevice(batch[0], device), toDevice(batch[1], device)];
          const outputs: Tensor = model.call(x);
          const [, predicted] = torch.max(outputs.data, 1);
          return [predicted.eq(y).sum().item(), y.size(0)];
        });
        correct += c;
        total += n;
      } finally {
        dispose(batch);
      }
    }
  });
  if (total === 0) throw new Error('evaluateModel: the loader yielded no samples');
  return (100.0 * correct) / total;
}

// ---- Ctrl-C ------------------------------------------------------------------------------------

/** Set by the first SIGINT: the loop finishes its step, checkpoints and stops. */
export class Interrupt {
  requested = false;
  private handler: (() => void) | null = null;
  /** Installs the SIGINT handler: first Ctrl-C asks to stop after the step, a second one exits now (130). */
  install(log: (s: string) => void = (s) => process.stderr.write(s + '\n')): this {
    if (this.handler) return this;
    this.handler = () => {
      if (this.requested) {
        log('\nSecond interrupt: exiting without saving.');
        process.exit(130);
      }
      this.requested = true;
      log('\nInterrupted: finishing the current step, then saving partial results and a checkpoint (Ctrl-C again to quit at once)…');
    };
    process.on('SIGINT', this.handler);
    return this;
  }
  /** Removes the handler. */
  uninstall(): void {
    if (this.handler) process.off('SIGINT', this.handler);
    this.handler = null;
  }
}

// Test hook: HW_STEP_DELAY_MS=n sleeps n ms after each step, so tests can interrupt mid-epoch.
const STEP_DELAY_MS = Number(process.env.HW_STEP_DELAY_MS ?? 0) || 0;

/** Lets pending signals and timers (progress redraws) run. */
export function yieldToEventLoop(): Promise<void> {
  if (STEP_DELAY_MS > 0) return new Promise((resolve) => setTimeout(resolve, STEP_DELAY_MS));
  return new Promise((resolve) => setImmediate(resolve));
}

// ---- progress ----------------------------------------------------------------------------------

/** A tqdm-like bar: `desc |████░░| 45/900 [00:12<03:40, 3.61 it/s]` on stderr. */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private t0 = 0;
  private start0 = 0;
  constructor(readonly enabled: boolean) {}
  /** Starts a bar of `total` steps (unknown: 0) at `value`. */
  start(desc: string, total: number | undefined, value = 0): void {
    if (!this.enabled) return;
    this.stop();
    this.bar = new cliProgress.SingleBar(
      {
        format: `${desc} |{bar}| {value}/{total} [{duration_formatted}<{eta_formatted}, {rate} it/s]`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 5,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    this.t0 = Date.now();
    this.start0 = value;
    this.bar.start(total ?? 0, value, { rate: '?' });
  }
  /** Moves the bar to `value`. */
  update(value: number): void {
    if (!this.bar) return;
    const dt = (Date.now() - this.t0) / 1000;
    const rate = dt > 0 ? ((value - this.start0) / dt).toFixed(2) : '?';
    this.bar.update(value, { rate });
  }
  /** Finishes the bar (leaves it on screen, like tqdm). */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

// ---- Training: checkpoints, --resume, limits, progress and Ctrl-C around plain loops -------------

/** Where a run stands: the next epoch, batches done in it, steps done in the run. */
export interface Position {
  epoch: number;
  stepInEpoch: number;
  stepCount: number;
}

/** The variables a run saves with each checkpoint (`run.save`): plain JSON values. */
export type Saved = Record<string, unknown>;

/** Thrown out of `run.batches` after Ctrl-C, once the checkpoint is written; `Training.main` turns it into exit code 130. */
export class Interrupted extends Error {
  constructor() {
    super('Interrupted: a checkpoint and partial results are saved; continue with --resume');
    this.name = 'Interrupted';
  }
}

/** What a checkpoint holds besides tensors (scripts/checkpoint.ts stores it as JSON). */
export interface TrainingState {
  /** The run in progress (or next): its index among the part's `hw.run` calls. */
  runIndex: number;
  /** Whether the run `runIndex` has started (its model, optimizer and variables are saved). */
  inRun: boolean;
  pos: Position;
  /** The run's variables (`run.save`) at the checkpoint. */
  vars: Saved | null;
  /** What each finished run returned, and its steps. */
  done: { result: unknown; steps: number }[];
  finished: boolean;
}

type Marks = { epochStart: Tensor; now: Tensor };

const zero = (): Position => ({ epoch: 0, stepInEpoch: 0, stepCount: 0 });

/**
 * One part's experiment: a sequence of runs (`hw.run`), each training one model. See the file
 * comment. `main` installs the Ctrl-C handler and resolves to the exit code.
 */
export class Training {
  /** The checkpoint file: `checkpoint_{part}.json` in --out. */
  readonly path: string;
  readonly progress: Progress;
  private readonly interrupt = new Interrupt();
  private readonly resumed: Checkpoint<TrainingState> | null;
  private state: TrainingState;
  private calls = 0;
  /** When the part started (this process). */
  readonly t0 = Date.now();

  /**
   * Reads the checkpoint of `part` in `s.out` when `s.resume` (refusing one made with another
   * `signature`: the settings that decide the numbers).
   */
  constructor(
    readonly part: string,
    readonly settings: Settings,
    readonly signature: Record<string, unknown>,
  ) {
    this.path = join(settings.out, `checkpoint_${part}.json`);
    this.progress = new Progress(settings.progress);
    this.resumed = settings.resume ? loadCheckpoint<TrainingState>(this.path, part, signature) : null;
    if (settings.resume && !this.resumed) console.error(`--resume: no checkpoint at ${this.path}; starting from the beginning`);
    if (this.resumed && !Array.isArray(this.resumed.state.done))
      throw new Error(`--resume: ${this.path} was written by an older version of the scripts; run without --resume to start over`);
    this.state = this.resumed ? { ...this.resumed.state } : { runIndex: 0, inRun: false, pos: zero(), vars: null, done: [], finished: false };
  }

  /**
   * Runs the experiment with Ctrl-C handled: resolves to 0 when it completes (a last checkpoint
   * marks it finished), or to 130 after Ctrl-C (the checkpoint and partial results are saved).
   */
  async main(experiment: () => Promise<void>): Promise<number> {
    this.interrupt.install();
    try {
      await experiment();
      this.state = { ...this.state, finished: true };
      this.write(null, null);
      return 0;
    } catch (e) {
      if (!(e instanceof Interrupted)) throw e;
      console.error(`Partial results and a checkpoint are in ${this.settings.out}; continue with --resume.`);
      return 130;
    } finally {
      this.progress.stop();
      this.interrupt.uninstall();
    }
  }

  /**
   * The next run of the experiment: `train(run)` trains one model and returns its results.
   * A run that a resumed checkpoint records as finished is not run again: its saved result
   * (JSON) is returned. After Ctrl-C in this run, `partial(saved, run)` gets the run's
   * variables (`run.save`) to write partial results; then the `Interrupted` error goes on.
   */
  async run<R>(train: (run: Run) => Promise<R>, partial?: (saved: Saved, run: Run) => void): Promise<R> {
    const index = this.calls++;
    if (index < this.state.runIndex) return this.state.done[index].result as R;
    const ck = this.resumed;
    const continuing = ck?.state.inRun === true && index === ck.state.runIndex;
    // Resumed between runs: the generator as this run found it (an unseeded model draws from it).
    if (ck && !ck.state.inRun && index === ck.state.runIndex) torch.setRngState(ck.tensors.rng as Tensor);
    if (!continuing) this.state = { ...this.state, runIndex: index, inRun: true, pos: zero(), vars: null };
    const run = new Run(this, continuing && ck ? ck.state : null);
    let result: R;
    try {
      result = await train(run);
    } catch (e) {
      if (e instanceof Interrupted) partial?.(run.saved(), run);
      throw e;
    }
    this.state = {
      ...this.state,
      runIndex: index + 1,
      inRun: false,
      pos: zero(),
      vars: null,
      done: [...this.state.done, { result, steps: run.pos.stepCount }],
    };
    this.write(null, null);
    return result;
  }

  /** `run_info` for a result file: the part's wall time so far, the steps of the last finished run, when. */
  runInfo(steps = this.state.done.at(-1)?.steps ?? 0): Record<string, unknown> {
    return { wall_s: (Date.now() - this.t0) / 1000, steps_done: steps, finished_at: new Date().toISOString() };
  }

  /** @internal Writes the checkpoint: the state, the run's model/optimizer and the generator marks. */
  write(run: Run | null, marks: Marks | null): void {
    const optSd = run?.optimizer?.stateDict();
    const rng = marks?.now ?? torch.getRngState();
    const state: TrainingState = run ? { ...this.state, pos: { ...run.pos }, vars: run.saved() } : this.state;
    this.state = state;
    saveCheckpoint(this.path, {
      part: this.part,
      signature: this.signature,
      state,
      tensors: { model: run?.model?.stateDict() ?? null, optimizer: optSd ?? null, rng, rngEpochStart: marks?.epochStart ?? null },
    });
    if (!marks) rng.dispose();
    if (optSd) for (const v of Object.values(optSd.state)) for (const t of Object.values(v)) if (t instanceof torch.Tensor) t.dispose();
  }

  /** @internal The loop limits and Ctrl-C, for Run. */
  get limits(): { maxSteps: number; epochSteps: number; interrupted: boolean } {
    return { maxSteps: this.settings.steps ?? Infinity, epochSteps: this.settings.epochSteps ?? Infinity, interrupted: this.interrupt.requested };
  }

  /** @internal The resumed checkpoint's tensors (model, optimizer, generator marks). */
  get resumedTensors(): Record<string, unknown> {
    return this.resumed?.tensors ?? {};
  }
}

/**
 * One run of a `Training`: one model trained for some epochs. Its loops are the appendix's,
 * with `run.epochs(…)` for `range(…)` over epochs and `run.batches(loader, desc)` for
 * `tqdm(loader, desc=…)`; `resume`, `restore` and `save` carry the run across an interruption.
 */
export class Run {
  /** The model and optimizer registered by `resume`, which checkpoints save. */
  model: nn.Module | null = null;
  optimizer: Optimizer | null = null;
  /** Where the run stands (steps count batches handed out). */
  readonly pos: Position;
  private getter: (() => Saved) | null = null;
  /** Saved variables `restore` hands back: the whole run's before the first epoch, the epoch's when it resumes mid-way. */
  private restoring: Saved | null;
  private resumeMidEpoch: boolean;
  private truncated = false;

  /** @internal Made by Training.run; `from` is the checkpoint's state when continuing an interrupted run. */
  constructor(
    private readonly hw: Training,
    private readonly from: TrainingState | null,
  ) {
    this.pos = from ? { ...from.pos } : zero();
    this.restoring = from?.vars ?? null;
    this.resumeMidEpoch = from !== null && from.pos.stepInEpoch > 0;
  }

  /**
   * Registers the model and optimizer that checkpoints save; when this run continues an
   * interrupted one, loads their saved state now (and the generator's, at an epoch boundary).
   */
  resume(model: nn.Module, optimizer: Optimizer): void {
    this.model = model;
    this.optimizer = optimizer;
    if (!this.from) return;
    const saved = this.hw.resumedTensors;
    model.loadStateDict(saved.model as nn.StateDict);
    optimizer.loadStateDict(saved.optimizer as OptimizerStateDict);
    if (!this.resumeMidEpoch) torch.setRngState(saved.rng as Tensor);
  }

  /**
   * The run's variables with their initial values: `defaults`, or, when the run continues an
   * interrupted one, the values `save` stored in the checkpoint. Called before the epoch loop
   * it restores the run's variables; called inside it, the epoch's (only in the epoch being
   * resumed mid-way: other epochs start from `defaults`, as the loop body says).
   */
  restore<T extends Saved>(defaults: T): T {
    const from = this.restoring;
    if (!from) return defaults;
    const out: Saved = { ...defaults };
    for (const k of Object.keys(defaults)) if (k in from) out[k] = from[k];
    return out as T;
  }

  /** What a checkpoint stores of the run's variables: `get()` is called at each checkpoint. */
  save(get: () => Saved): void {
    this.getter = get;
  }

  /** `run_info` for a result file: the part's wall time so far, this run's steps, when. */
  info(): Record<string, unknown> {
    return this.hw.runInfo(this.pos.stepCount);
  }

  /** @internal The variables as `save` gives them now. */
  saved(): Saved {
    return this.getter?.() ?? {};
  }

  /**
   * Python's `range(end)` / `range(start, end)` over epochs, from where a resumed run stopped,
   * and ending early once `--steps` is reached. After each epoch's body a checkpoint is written.
   * Successive calls continue each other (Appendix 5's three plateaus).
   */
  *epochs(startOrEnd: number, end?: number): Generator<number, void, undefined> {
    const [start, stop] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
    if (!this.model || !this.optimizer) throw new Error('Run.epochs: call run.resume(model, optimizer) before the epoch loop (checkpoints save them)');
    for (let epoch = Math.max(start, this.pos.epoch); epoch < stop; epoch++) {
      if (this.truncated || this.pos.stepCount >= this.hw.limits.maxSteps) return;
      if (epoch !== this.pos.epoch) this.pos.stepInEpoch = 0;
      this.pos.epoch = epoch;
      // Inside the epoch, restore() hands back the epoch's variables only when resuming it mid-way.
      if (!(this.resumeMidEpoch && this.restoring)) this.restoring = null;
      yield epoch;
      this.restoring = null;
      this.resumeMidEpoch = false;
      if (this.truncated) return;
      this.pos.epoch = epoch + 1;
      this.pos.stepInEpoch = 0;
      this.hw.write(this, null);
    }
  }

  /**
   * `tqdm(loader, desc=desc)`: the loader's batches with a progress bar, stopping at
   * `--epoch-steps` and `--steps`. In the epoch a resumed run stopped in, it first draws (and
   * drops) the batches already trained on, with the generator as it was then. Between steps it
   * yields to the event loop; after Ctrl-C it writes the checkpoint and throws `Interrupted`.
   * Each batch is disposed when the next is drawn (or the loop ends).
   */
  async *batches(loader: BatchLoader, desc: string): AsyncGenerator<[Tensor, Tensor], void, undefined> {
    const { epochSteps, maxSteps } = this.hw.limits;
    const mid = this.resumeMidEpoch;
    this.resumeMidEpoch = false;
    this.restoring = null;
    const saved = this.hw.resumedTensors;
    let epochStart: Tensor;
    if (mid) {
      epochStart = saved.rngEpochStart as Tensor;
      torch.setRngState(epochStart);
    } else {
      epochStart = torch.getRngState();
      this.pos.stepInEpoch = 0;
    }
    const it = loader[Symbol.iterator]();
    if (mid) {
      // Same shuffle as the interrupted epoch: draw and drop the batches already trained on.
      for (let k = 0; k < this.pos.stepInEpoch; k++) {
        const r = it.next();
        if (r.done)
          throw new Error(
            `Run.batches: cannot resume at batch ${this.pos.stepInEpoch} of epoch ${this.pos.epoch + 1}: the loader has only ${k} batches (different data?)`,
          );
        dispose(r.value);
      }
      torch.setRngState(saved.rng as Tensor);
    }
    const total = loaderLength(loader);
    const cap = Math.min(epochSteps, total ?? Infinity);
    this.hw.progress.start(desc, Number.isFinite(cap) ? cap : total, this.pos.stepInEpoch);
    let batch: [Tensor, Tensor] | null = null;
    try {
      for (;;) {
        if (this.hw.limits.interrupted) {
          this.hw.progress.stop();
          const now = torch.getRngState();
          this.hw.write(this, { epochStart, now });
          now.dispose();
          throw new Interrupted();
        }
        if (this.pos.stepInEpoch >= epochSteps) break;
        if (this.pos.stepCount >= maxSteps) {
          this.truncated = true;
          break;
        }
        const r = it.next();
        if (r.done) break;
        batch = r.value;
        this.pos.stepCount++;
        this.pos.stepInEpoch++;
        yield batch;
        dispose(batch);
        batch = null;
        this.hw.progress.update(this.pos.stepInEpoch);
        await yieldToEventLoop();
      }
    } finally {
      if (batch) dispose(batch);
      this.hw.progress.stop();
      it.return?.();
      if (!mid) epochStart.dispose();
    }
  }
}

// ---- command line shared by parts 3–5 ------------------------------------------------------------

/** The options every part accepts (parsed with scripts/common.ts's parseCli). */
export const HW_OPTIONS = {
  data: { type: 'string', default: 'auto', help: "CIFAR-10 folder (binary batches), or 'auto': ./data, else download, else Fashion-MNIST (announced)" },
  epochs: { type: 'integer', help: "epochs per run (default: the preset's)" },
  steps: { type: 'integer', help: 'stop each run after N training steps' },
  'epoch-steps': { type: 'integer', help: 'stop each epoch after N steps (the quick preset uses it)' },
  models: { type: 'string', help: 'comma list of models (mlp_1,mlp_2,cnn_3,cnn_4,cnn_5)' },
  device: { type: 'string', default: 'auto', help: 'cpu | cuda | auto' },
  threads: { type: 'integer', help: 'LibTorch intra-op threads' },
  seed: { type: 'integer', help: 'manualSeed(S) right before each model is built (the original never seeds)' },
  out: { type: 'string', default: 'results', outDir: 'create', help: 'folder for results, figures and checkpoints' },
  resume: { type: 'boolean', default: false, help: 'continue from the checkpoint in --out' },
  quick: { type: 'boolean', default: false, help: 'the quick preset (see --help of each part)' },
  full: { type: 'boolean', default: false, help: "the seed's settings (the default)" },
  'no-progress': { type: 'boolean', default: false, help: 'no progress bars (they are off anyway when stderr is not a TTY)' },
} as const;

/** A preset: what --quick / --full mean for one part. */
export interface Preset {
  epochs: number;
  steps?: number;
  epochSteps?: number;
}

/** Settings after applying the preset and the explicit options. */
export interface Settings {
  data: string;
  epochs: number;
  steps?: number;
  epochSteps?: number;
  models?: string;
  device: string;
  threads?: number;
  seed?: number;
  out: string;
  resume: boolean;
  preset: 'quick' | 'full';
  progress: boolean;
}

function positive(v: number | undefined, what: string): number | undefined {
  if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new Error(`--${what}: expected a positive integer but received ${v}`);
  return v;
}

/** Merges the preset with explicit options; validates. */
export function resolveSettings(script: string, o: ParsedOptions<typeof HW_OPTIONS>, presets: { quick: Preset; full: Preset }): Settings {
  if (o.quick && o.full) throw new Error(`${script}: --quick and --full are exclusive`);
  const preset = o.quick ? 'quick' : 'full';
  const p = presets[preset];
  const device = o.device;
  if (!/^(cpu|cuda(:\d+)?|auto)$/.test(device)) throw new Error(`--device: expected cpu, cuda or auto but received '${device}'`);
  return {
    data: o.data,
    epochs: positive(o.epochs, 'epochs') ?? p.epochs,
    steps: positive(o.steps, 'steps') ?? p.steps,
    epochSteps: positive(o['epoch-steps'], 'epoch-steps') ?? p.epochSteps,
    models: o.models,
    device,
    threads: positive(o.threads, 'threads'),
    seed: o.seed,
    out: o.out,
    resume: o.resume,
    preset,
    progress: !o['no-progress'] && Boolean(process.stderr.isTTY),
  };
}

/** Applies --threads and --device; returns the device. */
export function setupTorch(s: Settings, log: (m: string) => void = console.log): string {
  if (s.threads !== undefined) torch.setNumThreads(s.threads);
  const device = torch.cuda.resolveDevice(s.device, log);
  log(`Using device: ${device}`);
  return device;
}
