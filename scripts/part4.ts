/**
 * Port of Appendix 4 (`part4.py`, EE449 HW1 part 4, "Experimenting Activation Functions"): for
 * each architecture, a ReLU and a sigmoid version trained with SGD (lr 0.01, momentum 0), batch
 * 50, 15 epochs. Every 10 steps it records that batch's loss and the norm of the first layer's
 * weight gradient, both taken after backward and BEFORE the optimizer step (zero_grad first,
 * as the original's `train_activation_model`).
 *
 *     npm run part4 -- [--quick] [--seed 0] [--models mlp_1,cnn_3] [--out results] [--resume]
 *
 * Outputs in --out: `part4_{name}.json` (the original's keys: name, relu_loss_curve,
 * sigmoid_loss_curve, relu_grad_curve, sigmoid_grad_curve; plus data, settings, run_info),
 * `part4_performance*.png`, `part4_report.html`, `checkpoint_part4.json`.
 *
 * Presets: --full (default) = 15 epochs; --quick = 1 epoch capped at 200 steps per model
 * (20 records per curve). With --seed S, manualSeed(S) runs right before each model is built
 * (so the ReLU and sigmoid versions start from the same weights), and each model is built right
 * before it trains (the original builds all ten up front, unseeded).
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { SGD } from '../lib/optim/optimizers.js';
import { parseCli, writeJson } from './common.js';
import { MODEL_NAMES, buildModel, parseModelList, type Activation, type ModelName } from './models.js';
import { loadCifar10 } from './cifar.js';
import { HW_OPTIONS, Interrupt, Progress, resolveSettings, setupTorch, toDevice, trainEpochs, type Position, type RngMark } from './train.js';
import { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
import { part4Plots, type Part4Result } from './utils.js';
import { Report } from './viz/report.js';
import { publishRecord } from './viz/live.js';

/** --quick and --full for part 4. */
export const PART4_PRESETS = { full: { epochs: 15 }, quick: { epochs: 1, epochSteps: 200 } };

interface Curves {
  loss_curve: number[];
  grad_curve: number[];
}
interface State {
  runIndex: number;
  inRun: boolean;
  pos: Position;
  curves: Curves;
  /** The ReLU curves of the architecture whose sigmoid version is training. */
  relu: Curves | null;
  finished: boolean;
}

/**
 * Appendix 4's `compute_gradient_magnitude(layer)`: the norm of the layer's weight gradient, 0
 * when there is none yet.
 */
export function computeGradientMagnitude(layer: nn.Linear | nn.Conv2d): number {
  const g = layer.weight.grad;
  if (g === null) return 0.0;
  const n = g.norm().item() as number;
  return n;
}

/** Runs part 4 with command-line `argv`; resolves to the exit code (130 when interrupted). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const o = parseCli('part4', HW_OPTIONS, argv);
  if (o === null) return 0;
  const s = resolveSettings('part4', o, PART4_PRESETS);
  const archs: ModelName[] = s.models ? parseModelList(s.models) : [...MODEL_NAMES];
  const device = setupTorch(s);
  const { trainLoader, data } = await loadCifar10({ data: s.data });
  console.log('Loaded CIFAR-10 with batch size=50 for Part 4...');
  const EPOCHS = s.epochs;
  const runs: [ModelName, Activation][] = archs.flatMap(
    (a) =>
      [
        [a, 'relu'],
        [a, 'sigmoid'],
      ] as [ModelName, Activation][],
  );
  const ckPath = join(s.out, 'checkpoint_part4.json');
  const signature = {
    epochs: EPOCHS,
    steps: s.steps ?? null,
    epochSteps: s.epochSteps ?? null,
    models: archs,
    seed: s.seed ?? null,
    data: data.kind,
    n: [data.nTrain, data.nVal, data.nTest],
  };
  const ck = s.resume ? loadCheckpoint<State>(ckPath, 'part4', signature) : null;
  if (s.resume && !ck) console.error(`--resume: no checkpoint at ${ckPath}; starting from the beginning`);
  const settings = { ...signature, preset: s.preset, device };
  const interrupt = new Interrupt().install();
  const progress = new Progress(s.progress);
  const results: Part4Result[] = [];
  const t0 = Date.now();
  const fresh = (): State => ({
    runIndex: 0,
    inRun: false,
    pos: { epoch: 0, stepInEpoch: 0, stepCount: 0 },
    curves: { loss_curve: [], grad_curve: [] },
    relu: null,
    finished: false,
  });
  let state: State = ck?.state ?? fresh();
  for (const name of archs.slice(0, Math.floor(state.runIndex / 2))) {
    const p = join(s.out, `part4_${name}.json`);
    if (!existsSync(p)) throw new Error(`--resume: ${p} (an architecture finished before the checkpoint) is missing`);
    results.push(JSON.parse(readFileSync(p, 'utf8')) as Part4Result);
  }
  if (ck && !state.inRun) torch.setRngState(ck.tensors.rng as Tensor);

  const checkpoint = (st: State, model: nn.Module | null, opt: SGD | null, rng?: RngMark): void => {
    const optSd = opt?.stateDict();
    saveCheckpoint(ckPath, {
      part: 'part4',
      signature,
      state: st,
      tensors: { model: model?.stateDict() ?? null, optimizer: optSd ?? null, rng: rng?.now ?? torch.getRngState(), rngEpochStart: rng?.epochStart ?? null },
    });
    if (optSd) for (const v of Object.values(optSd.state)) for (const t of Object.values(v)) if (t instanceof torch.Tensor) t.dispose();
  };

  for (let i = state.runIndex; i < runs.length; i++) {
    const [name, activation] = runs[i];
    if (activation === 'relu') console.log(`\n=== Running Part4 experiment for ${name} ===`);
    console.log(`Training ${name} - ${activation === 'relu' ? 'ReLU' : 'Sigmoid'} version`);
    const resuming = ck !== null && state.inRun && state.runIndex === i;
    if (!resuming && s.seed !== undefined) torch.manualSeed(s.seed);
    const model = buildModel(name, activation);
    if (resuming) model.loadStateDict(ck.tensors.model as nn.StateDict);
    model.to(device);
    // For MLP: first layer is fc1; for CNN: first layer is conv1.
    const firstLayer = model.firstLayer;
    const criterion = new nn.CrossEntropyLoss();
    const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.0 });
    if (resuming) optimizer.loadStateDict(ck.tensors.optimizer as never);
    if (!resuming) state = { ...state, runIndex: i, inRun: true, pos: { epoch: 0, stepInEpoch: 0, stepCount: 0 }, curves: { loss_curve: [], grad_curve: [] } };
    else if (state.pos.stepInEpoch === 0) torch.setRngState(ck.tensors.rng as Tensor);
    const curves = state.curves;

    const { end, pos: endPos } = await trainEpochs({
      loader: trainLoader,
      epochs: EPOCHS,
      start: state.pos,
      maxSteps: s.steps,
      epochSteps: s.epochSteps,
      interrupt,
      progress,
      rng: resuming && state.pos.stepInEpoch > 0 ? { epochStart: ck.tensors.rngEpochStart as Tensor, now: ck.tensors.rng as Tensor } : undefined,
      describe: (e) => `${name} ${activation} epoch ${e + 1}/${EPOCHS}`,
      beginEpoch: () => model.train(),
      step: (xb, yb, pos) => {
        const x = toDevice(xb, device),
          y = toDevice(yb, device);
        optimizer.zeroGrad();
        const outputs = model.call(x) as Tensor;
        const loss = criterion.call(outputs, y) as Tensor;
        loss.backward();
        const l = loss.item() as number;
        // record every 10 steps
        if (pos.stepCount % 10 === 0) {
          const grad = computeGradientMagnitude(firstLayer);
          curves.loss_curve.push(l);
          curves.grad_curve.push(grad);
          // --live: the record on the live charts (a no-op without a live server).
          publishRecord('part4', `${name} ${activation}`, pos.stepCount, { loss: l, grad });
        }
        optimizer.step();
        return l;
      },
      checkpoint: (pos, rng) => {
        state.pos = pos;
        checkpoint(state, model, optimizer, rng);
      },
    });
    state.pos = endPos;
    const partial = (): Record<string, unknown> => {
      const r: Record<string, unknown> = { name, partial: true, data, settings, run_info: runInfo(t0, state.pos) };
      if (state.relu) Object.assign(r, { relu_loss_curve: state.relu.loss_curve, relu_grad_curve: state.relu.grad_curve });
      Object.assign(r, { [`${activation}_loss_curve`]: curves.loss_curve, [`${activation}_grad_curve`]: curves.grad_curve });
      return r;
    };
    if (end === 'interrupted') {
      writeJson(join(s.out, `part4_${name}.json`), partial());
      console.error(`Partial results of ${name} and a checkpoint are in ${s.out}; continue with --resume.`);
      return 130;
    }
    optimizer.dispose();
    model.dispose();
    if (activation === 'relu') {
      state = {
        ...state,
        runIndex: i + 1,
        inRun: false,
        relu: curves,
        curves: { loss_curve: [], grad_curve: [] },
        pos: { epoch: 0, stepInEpoch: 0, stepCount: 0 },
      };
    } else {
      const relu = state.relu ?? { loss_curve: [], grad_curve: [] };
      const archDict: Part4Result & Record<string, unknown> = {
        name,
        relu_loss_curve: relu.loss_curve,
        sigmoid_loss_curve: curves.loss_curve,
        relu_grad_curve: relu.grad_curve,
        sigmoid_grad_curve: curves.grad_curve,
        data,
        settings,
        run_info: runInfo(t0, state.pos),
      };
      writeJson(join(s.out, `part4_${name}.json`), archDict);
      results.push(archDict);
      state = {
        ...state,
        runIndex: i + 1,
        inRun: false,
        relu: null,
        curves: { loss_curve: [], grad_curve: [] },
        pos: { epoch: 0, stepInEpoch: 0, stepCount: 0 },
      };
    }
    checkpoint(state, null, null);
  }
  console.log('\nGenerating Part4 performance comparison plots...');
  if (results.length > 0) {
    const report = new Report('EE449 HW1 part 4: activation functions');
    if (data.kind !== 'cifar10') report.text(`NOTE: trained on ${data.kind} (CIFAR-10 was not available), not CIFAR-10.`);
    part4Plots(results, s.out, 'part4_performance', { report });
    report.write(join(s.out, 'part4_report.html'));
  }
  state.finished = true;
  checkpoint(state, null, null);
  interrupt.uninstall();
  console.log('Part4 experiment completed! All results saved and plot generated.');
  return 0;
}

function runInfo(t0: number, pos: Position): Record<string, unknown> {
  return { wall_s: (Date.now() - t0) / 1000, steps_done: pos.stepCount, finished_at: new Date().toISOString() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
