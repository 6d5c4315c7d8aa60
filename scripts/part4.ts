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
 * before it trains (the original builds all ten up front, unseeded), and the batches go to
 * --device as the model does (the original trains part 4 on the CPU).
 *
 * `trainActivationModel` and `part4Experiment` are Appendix 4's functions, line for line;
 * scripts/train.ts's `Training` adds the checkpoints, --resume, the step limits, the progress
 * bar and Ctrl-C around them.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn } from '../lib/index.js';
import { SGD } from '../lib/optim/optimizers.js';
import { parseCli, writeJson } from './common.js';
import { MODEL_NAMES, buildModel, parseModelList, type Activation, type HwModel, type ModelName } from './models.js';
import { loadCifar10 } from './cifar.js';
import { HW_OPTIONS, Training, resolveSettings, setupTorch, type BatchLoader, type Run } from './train.js';
import { part4Plots, type Part4Result } from './utils.js';
import { Report } from './viz/report.js';
import { publishRecord } from './viz/live.js';

/** --quick and --full for part 4. */
export const PART4_PRESETS = { full: { epochs: 15 }, quick: { epochs: 1, epochSteps: 200 } };

/**
 * Appendix 4's `compute_gradient_magnitude(layer)`: the norm of the layer's weight gradient, 0
 * when there is none yet.
 */
export function computeGradientMagnitude(layer: nn.Linear | nn.Conv2d): number {
  if (layer.weight.grad === null) return 0.0;
  return layer.weight.grad.data.norm().item();
}

/**
 * Appendix 4's `train_activation_model(model, train_loader, first_layer, epochs)`: SGD with
 * lr 0.01 and momentum 0; every 10 steps the loss and the first layer's gradient magnitude,
 * taken after backward and before the step. Returns [loss_curve, grad_curve]. The port's
 * additions: `run` (checkpoints, --resume), the device, and `label` (progress bar, live charts).
 */
export async function trainActivationModel(
  run: Run,
  model: HwModel,
  train_loader: BatchLoader,
  first_layer: nn.Linear | nn.Conv2d,
  epochs = 15,
  device = 'cpu',
  label = '',
): Promise<[number[], number[]]> {
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.0 });
  run.resume(model, optimizer);
  // The loop's variables: checkpoints save them (run.save), --resume restores them.
  const { loss_curve } = run.restore({ loss_curve: [] as number[] });
  const { grad_curve } = run.restore({ grad_curve: [] as number[] });
  let { step_count } = run.restore({ step_count: 0 });
  run.save(() => ({ loss_curve, grad_curve, step_count }));
  for (const epoch of run.epochs(epochs)) {
    model.train();
    for await (let [x, y] of run.batches(train_loader, `${label} epoch ${epoch + 1}/${epochs}`)) {
      // tidy: the step's tensors are freed as it ends (faster than leaving them to the GC).
      torch.tidy(() => {
        [x, y] = [x.to(device), y.to(device)];
        step_count += 1;
        optimizer.zeroGrad();
        const outputs = model.call(x);
        const loss = criterion.call(outputs, y);
        loss.backward();
        // record every 10 steps
        if (step_count % 10 === 0) {
          loss_curve.push(loss.item());
          const grad_magnitude = computeGradientMagnitude(first_layer);
          grad_curve.push(grad_magnitude);
          // --live: the record on the live charts (a no-op without a live server).
          publishRecord('part4', label, step_count, { loss: loss_curve[loss_curve.length - 1], grad: grad_magnitude });
        }
        optimizer.step();
      });
    }
  }
  return [loss_curve, grad_curve];
}

/**
 * Appendix 4's `part4_experiment`: trains one architecture with ReLU, then with sigmoid, and
 * returns the dictionary of both curves. Each version is one run of `hw`; `build(activation)`
 * builds a model (the original passes the two models in). After Ctrl-C, `partial` gets the
 * curves so far under the dictionary's keys.
 */
export async function part4Experiment(
  hw: Training,
  arch_name: string,
  build: (activation: Activation) => HwModel,
  train_loader: BatchLoader,
  epochs = 15,
  device = 'cpu',
  partial?: (curves: Partial<Part4Result>, run: Run) => void,
): Promise<Part4Result> {
  const train = (activation: Activation, title: string, before: Partial<Part4Result>): Promise<[number[], number[]]> =>
    hw.run(
      async (run) => {
        console.log(`Training ${arch_name} - ${title} version`);
        const model = build(activation);
        const curves = await trainActivationModel(run, model, train_loader, model.firstLayer, epochs, device, `${arch_name} ${activation}`);
        model.dispose();
        return curves;
      },
      (saved, run) => partial?.({ ...before, [`${activation}_loss_curve`]: saved.loss_curve, [`${activation}_grad_curve`]: saved.grad_curve }, run),
    );
  // Train ReLU
  const [relu_loss_curve, relu_grad_curve] = await train('relu', 'ReLU', {});
  // Train Sigmoid
  const [sigmoid_loss_curve, sigmoid_grad_curve] = await train('sigmoid', 'Sigmoid', { relu_loss_curve, relu_grad_curve });
  // Create dictionary
  return { name: arch_name, relu_loss_curve, sigmoid_loss_curve, relu_grad_curve, sigmoid_grad_curve };
}

/** Runs part 4 with command-line `argv`; resolves to the exit code (130 when interrupted). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const o = parseCli('part4', HW_OPTIONS, argv);
  if (o === null) return 0;
  const s = resolveSettings('part4', o, PART4_PRESETS);
  const archs: ModelName[] = s.models ? parseModelList(s.models) : [...MODEL_NAMES];
  const device = setupTorch(s);
  // Load CIFAR10
  const { trainLoader: train_loader, data } = await loadCifar10({ data: s.data });
  console.log('Loaded CIFAR-10 with batch size=50 for Part 4...');
  // We'll do 15 epochs as stated
  const EPOCHS = s.epochs;
  const signature = {
    epochs: EPOCHS,
    steps: s.steps ?? null,
    epochSteps: s.epochSteps ?? null,
    models: archs,
    seed: s.seed ?? null,
    data: data.kind,
    n: [data.nTrain, data.nVal, data.nTest],
  };
  const settings = { ...signature, preset: s.preset, device };
  // Checkpoints, --resume, --steps, progress bars and Ctrl-C (scripts/train.ts).
  const hw = new Training('part4', s, signature);

  return hw.main(async () => {
    const results: Part4Result[] = [];
    for (const arch_name of archs) {
      console.log(`\n=== Running Part4 experiment for ${arch_name} ===`);
      // Each version is built right before it trains; --seed S seeds each (the same initial weights).
      const build = (activation: Activation): HwModel => {
        if (s.seed !== undefined) torch.manualSeed(s.seed);
        const model = buildModel(arch_name, activation);
        model.to(device);
        return model;
      };
      // Ctrl-C: the curves so far (the ReLU version's whole when the sigmoid one was training).
      const partial = (curves: Partial<Part4Result>, run: Run): void =>
        writeJson(join(s.out, `part4_${arch_name}.json`), { name: arch_name, ...curves, partial: true, data, settings, run_info: run.info() });
      // part4 experiment
      const arch_dict = await part4Experiment(hw, arch_name, build, train_loader, EPOCHS, device, partial);
      // save the dictionary
      writeJson(join(s.out, `part4_${arch_name}.json`), { ...arch_dict, data, settings, run_info: hw.runInfo() });
      results.push(arch_dict);
    }
    // Now we use part4Plots
    console.log('\nGenerating Part4 performance comparison plots...');
    if (results.length > 0) {
      const report = new Report('EE449 HW1 part 4: activation functions');
      if (data.kind !== 'cifar10') report.text(`NOTE: trained on ${data.kind} (CIFAR-10 was not available), not CIFAR-10.`);
      part4Plots(results, s.out, 'part4_performance', { report });
      report.write(join(s.out, 'part4_report.html'));
    }
    console.log('Part4 experiment completed! All results saved and plot generated.');
  });
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
