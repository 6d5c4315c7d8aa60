/**
 * The training machinery shared by parts 3–5 (Appendices 3–5): `evaluateModel` (the
 * original's `evaluate_model` / `evaluate`), a resumable epoch loop, tqdm-like progress bars,
 * and Ctrl-C handling.
 *
 * The loop is async only so that signals get through: it yields to the event loop after every
 * step (Node runs signal handlers there). Each step's tensor work runs synchronously inside
 * `tidy()`, so memory stays flat however long training runs.
 *
 * Resuming mid-epoch reproduces an uninterrupted run exactly: the default generator is reset
 * to its state at the start of the epoch, the loader's iterator is re-created (drawing the same
 * shuffle) and advanced past the batches already trained on, then the generator is set to its
 * state at the interruption (validation loaders draw from it too, as PyTorch's do).
 */
import cliProgress from 'cli-progress';
import * as torch from '../lib/index.js';
import { type Tensor, tidy, inferenceMode, dispose } from '../lib/index.js';
import type { nn } from '../lib/index.js';

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
          const outputs = model.call(x) as Tensor;
          const { indices: predicted } = outputs.max(1) as torch.ValuesIndices;
          return [predicted.eq(y).sum().item() as number, y.size(0) as number];
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

/** A tqdm-like bar: `desc |████░░| 45/900 [00:12<03:40, 3.61 it/s, loss=2.3012]` on stderr. */
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
        format: `${desc} |{bar}| {value}/{total} [{duration_formatted}<{eta_formatted}, {rate} it/s{loss}]`,
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
    this.bar.start(total ?? 0, value, { rate: '?', loss: '' });
  }
  /** Moves the bar to `value`, showing the current loss. */
  update(value: number, loss?: number): void {
    if (!this.bar) return;
    const dt = (Date.now() - this.t0) / 1000;
    const rate = dt > 0 ? ((value - this.start0) / dt).toFixed(2) : '?';
    this.bar.update(value, { rate, loss: loss === undefined ? '' : `, loss=${loss.toFixed(4)}` });
  }
  /** Finishes the bar (leaves it on screen, like tqdm). */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

// ---- the epoch loop ----------------------------------------------------------------------------

/** Where a run stands: the next epoch, batches done in it, steps done in the run. */
export interface Position {
  epoch: number;
  stepInEpoch: number;
  stepCount: number;
}

/** Encoded RNG states for resuming mid-epoch. */
export interface RngMark {
  /** The default generator at the start of the epoch (before the loader's iterator was made). */
  epochStart: Tensor;
  /** The default generator now. */
  now: Tensor;
}

/** Everything `trainEpochs` needs; callbacks other than `step` may be omitted. */
export interface EpochLoopOptions {
  loader: BatchLoader;
  epochs: number;
  /** Where to start (a fresh run: {epoch: 0, stepInEpoch: 0, stepCount: 0}). */
  start: Position;
  /** For a mid-epoch start: the generator states saved at the interruption. */
  rng?: RngMark;
  /** Stop the run after this many steps in all (`--steps`). */
  maxSteps?: number;
  /** Stop each epoch after this many steps (`--epoch-steps`). */
  epochSteps?: number;
  interrupt?: Interrupt;
  progress?: Progress;
  /** Progress label for an epoch. */
  describe?: (epoch: number) => string;
  /** Start of an epoch (model.train(), accumulators reset); `resumed` when continuing one mid-way. */
  beginEpoch?: (epoch: number, resumed: boolean) => void;
  /** One training step (inside tidy); returns the loss to show, if any. `stepCount` counts this step. */
  step: (x: Tensor, y: Tensor, pos: Position) => number | undefined;
  /** End of an epoch (printing, per-epoch validation); `truncated` when --steps cut it short. */
  endEpoch?: (epoch: number, truncated: boolean) => void;
  /** Save a checkpoint: at each epoch end (rng undefined) and on interrupt (mid-epoch, with rng). */
  checkpoint?: (pos: Position, rng?: RngMark) => void;
}

/** How trainEpochs ended. */
export type LoopEnd = 'done' | 'steps' | 'interrupted';
/** trainEpochs' result: how it ended and where (the next epoch, steps done). */
export interface LoopResult {
  end: LoopEnd;
  pos: Position;
}

/**
 * Runs epochs `start.epoch … epochs-1` of a training loop, resumable at any step (see the file
 * comment). Returns 'done', 'steps' (maxSteps reached) or 'interrupted' (after checkpointing).
 */
export async function trainEpochs(o: EpochLoopOptions): Promise<LoopResult> {
  const pos: Position = { ...o.start };
  const total = loaderLength(o.loader);
  const limitSteps = o.maxSteps ?? Infinity;
  for (let epoch = pos.epoch; epoch < o.epochs; epoch++) {
    if (pos.stepCount >= limitSteps) return { end: 'steps', pos };
    const resumed = epoch === o.start.epoch && o.start.stepInEpoch > 0;
    let epochStart: Tensor;
    if (resumed) {
      if (!o.rng) throw new Error('trainEpochs: resuming mid-epoch needs the saved generator states (rng)');
      epochStart = o.rng.epochStart;
      torch.setRngState(epochStart);
    } else {
      epochStart = torch.getRngState();
      pos.stepInEpoch = 0;
    }
    o.beginEpoch?.(epoch, resumed);
    const it = o.loader[Symbol.iterator]();
    if (resumed) {
      // Same shuffle as the interrupted epoch: draw and drop the batches already trained on.
      for (let k = 0; k < pos.stepInEpoch; k++) {
        const r = it.next();
        if (r.done)
          throw new Error(`trainEpochs: cannot resume at batch ${pos.stepInEpoch} of epoch ${epoch + 1}: the loader has only ${k} batches (different data?)`);
        dispose(r.value);
      }
      torch.setRngState(o.rng!.now);
    }
    const cap = Math.min(o.epochSteps ?? Infinity, total ?? Infinity);
    o.progress?.start(o.describe ? o.describe(epoch) : `Epoch ${epoch + 1}/${o.epochs}`, Number.isFinite(cap) ? cap : total, pos.stepInEpoch);
    let truncated = false;
    try {
      for (;;) {
        if (o.interrupt?.requested) {
          o.progress?.stop();
          o.checkpoint?.({ ...pos, epoch }, { epochStart, now: torch.getRngState() });
          it.return?.();
          return { end: 'interrupted', pos: { ...pos, epoch } };
        }
        if (pos.stepInEpoch >= (o.epochSteps ?? Infinity)) break;
        if (pos.stepCount >= limitSteps) {
          truncated = true;
          break;
        }
        const r = it.next();
        if (r.done) break;
        let loss: number | undefined;
        try {
          pos.stepCount++;
          pos.stepInEpoch++;
          const p = { ...pos, epoch };
          loss = tidy(() => o.step(r.value[0], r.value[1], p));
        } finally {
          dispose(r.value);
        }
        o.progress?.update(pos.stepInEpoch, typeof loss === 'number' ? loss : undefined);
        await yieldToEventLoop();
      }
    } finally {
      o.progress?.stop();
    }
    if (truncated || pos.stepInEpoch < (total ?? 0)) it.return?.();
    o.endEpoch?.(epoch, truncated);
    pos.epoch = epoch + 1;
    pos.stepInEpoch = 0;
    if (!truncated) o.checkpoint?.({ ...pos });
    if (truncated) return { end: 'steps', pos };
  }
  return { end: pos.stepCount >= limitSteps ? 'steps' : 'done', pos };
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
export function resolveSettings(script: string, o: Record<string, unknown>, presets: { quick: Preset; full: Preset }): Settings {
  if (o.quick && o.full) throw new Error(`${script}: --quick and --full are exclusive`);
  const preset = o.quick ? 'quick' : 'full';
  const p = presets[preset];
  const device = String(o.device);
  if (!/^(cpu|cuda(:\d+)?|auto)$/.test(device)) throw new Error(`--device: expected cpu, cuda or auto but received '${device}'`);
  return {
    data: String(o.data),
    epochs: positive(o.epochs as number | undefined, 'epochs') ?? p.epochs,
    steps: positive(o.steps as number | undefined, 'steps') ?? p.steps,
    epochSteps: positive(o['epoch-steps'] as number | undefined, 'epoch-steps') ?? p.epochSteps,
    models: o.models as string | undefined,
    device,
    threads: positive(o.threads as number | undefined, 'threads'),
    seed: o.seed as number | undefined,
    out: String(o.out),
    resume: Boolean(o.resume),
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
