/**
 * Port of Appendix 3 (`part3.py`, EE449 HW1 part 3, "Experimenting ANN Architectures"): trains
 * MLP1, MLP2, CNN3, CNN4 and CNN5 on CIFAR-10 with Adam (lr 1e-3), batch 50, 15 epochs. Every 10
 * steps it records the mean loss of the last 10 steps (`running_loss / 10`; running_loss is
 * also reset at each epoch start, as the original), the training accuracy accumulated over the
 * epoch so far, and the validation accuracy over the whole validation loader. Then the test
 * accuracy, the first layer's weights (saved and drawn by visualizeWeights), and part3Plots.
 *
 *     npm run part3 -- [--quick] [--seed 0] [--models cnn_3] [--out results] [--resume]
 *
 * Outputs in --out: `part3_{name}.json` (the original's pickle keys: name, loss_curve,
 * train_acc_curve, val_acc_curve, test_acc, weights; plus data, settings, run_info),
 * `weights_{name}.png`, `all_models_performance*.png`, `part3_report.html`, and
 * `checkpoint_part3.json` while running.
 *
 * Presets: --full (default) = the seed's 15 epochs; --quick = 1 epoch capped at 100 steps per
 * model (10 records each, validation still over all 5000 images).
 * Differences from the original, on purpose: with --seed S, manualSeed(S) runs right before each
 * model is built, and each model is built right before it trains (the original builds all five
 * unseeded at import time).
 *
 * The training loop is Appendix 3's, line for line (docs/porting.md, "The homework's part-3
 * loop" sets them side by side); scripts/train.ts's `Training` adds the checkpoints, --resume,
 * the step limits, the progress bar and Ctrl-C around it.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn } from '../lib/index.js';
import { Adam } from '../lib/optim/optimizers.js';
import { parseCli, writeJson, fmt2 } from './common.js';
import { MODEL_NAMES, buildModel, parseModelList, type HwModel, type ModelName } from './models.js';
import { loadCifar10 } from './cifar.js';
import { HW_OPTIONS, Training, evaluateModel, resolveSettings, setupTorch } from './train.js';
import { part3Plots, visualizeWeights, type Part3Result } from './utils.js';
import { Report } from './viz/report.js';
import { publishRecord } from './viz/live.js';

/** --quick and --full for part 3. */
export const PART3_PRESETS = { full: { epochs: 15 }, quick: { epochs: 1, epochSteps: 100 } };

/** The first layer's weights, as the original saves them (`model.fc1` / `model.conv1`). */
function firstLayerWeights(name: string, model: HwModel): number[] {
  const layer = name.includes('mlp') ? (model as { fc1: nn.Linear }).fc1 : (model as { conv1: nn.Conv2d }).conv1;
  return layer.weight.data.cpu().tolist() as number[];
}

/** Runs part 3 with command-line `argv`; resolves to the exit code (130 when interrupted). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const o = parseCli('part3', HW_OPTIONS, argv);
  if (o === null) return 0;
  const s = resolveSettings('part3', o, PART3_PRESETS);
  const models: ModelName[] = s.models ? parseModelList(s.models) : [...MODEL_NAMES];
  const device = setupTorch(s);
  const { trainLoader: train_loader, valLoader: val_loader, testLoader: test_loader, data } = await loadCifar10({ data: s.data });
  const EPOCHS = s.epochs;
  const signature = {
    epochs: EPOCHS,
    steps: s.steps ?? null,
    epochSteps: s.epochSteps ?? null,
    models,
    seed: s.seed ?? null,
    data: data.kind,
    n: [data.nTrain, data.nVal, data.nTest],
  };
  const settings = { ...signature, preset: s.preset, device };
  // Checkpoints, --resume, --steps, progress bars and Ctrl-C (scripts/train.ts).
  const hw = new Training('part3', s, signature);

  return hw.main(async () => {
    const final_results: Part3Result[] = [];
    for (const name of models) {
      const result_dict = await hw.run(
        async (run) => {
          console.log(`\n--- Training ${name} ---`);
          if (s.seed !== undefined) torch.manualSeed(s.seed);
          const model = buildModel(name);
          model.to(device);
          const criterion = new nn.CrossEntropyLoss();
          const optimizer = new Adam(model.parameters(), { lr: 0.001 });
          run.resume(model, optimizer);
          // The loop's variables: checkpoints save them (run.save), --resume restores them.
          const { loss_curve } = run.restore({ loss_curve: [] as number[] });
          const { train_acc_curve } = run.restore({ train_acc_curve: [] as number[] });
          const { val_acc_curve } = run.restore({ val_acc_curve: [] as number[] });
          let { step_count } = run.restore({ step_count: 0 });
          for (const epoch of run.epochs(EPOCHS)) {
            model.train();
            let { correct } = run.restore({ correct: 0 });
            let { total } = run.restore({ total: 0 });
            let { running_loss } = run.restore({ running_loss: 0.0 });
            run.save(() => ({ loss_curve, train_acc_curve, val_acc_curve, step_count, correct, total, running_loss }));
            for await (let [x, y] of run.batches(train_loader, `Epoch ${epoch + 1}/${EPOCHS}`)) {
              // tidy: the step's tensors are freed as it ends (faster than leaving them to the GC).
              torch.tidy(() => {
                // Move inputs to device
                [x, y] = [x.to(device), y.to(device)];
                const outputs = model.call(x);
                const loss = criterion.call(outputs, y);
                optimizer.zeroGrad();
                loss.backward();
                optimizer.step();
                running_loss += loss.item();
                const [, preds] = torch.max(outputs.data, 1);
                total += y.size(0);
                correct += preds.eq(y).sum().item();
                step_count += 1;
                // Every 10 steps
                if (step_count % 10 === 0) {
                  const train_loss = running_loss / 10;
                  const train_acc = (100.0 * correct) / total;
                  loss_curve.push(train_loss);
                  train_acc_curve.push(train_acc);
                  const val_acc = evaluateModel(model, val_loader, device);
                  val_acc_curve.push(val_acc);
                  running_loss = 0.0;
                  // --live: the record on the live charts (a no-op without a live server).
                  publishRecord('part3', name, step_count, { loss: train_loss, train_acc, val_acc });
                }
              });
            }
            console.log(`Epoch [${epoch + 1}/${EPOCHS}] : Train Acc=${fmt2((100.0 * correct) / total)}%`);
          }
          const test_acc = evaluateModel(model, test_loader, device);
          console.log(`Test accuracy of ${name}: ${fmt2(test_acc)}%`);
          const weights = firstLayerWeights(name, model);
          const result: Part3Result = { name, loss_curve, train_acc_curve, val_acc_curve, test_acc, weights };
          writeJson(join(s.out, `part3_${name}.json`), { ...result, data, settings, run_info: run.info() });
          visualizeWeights(weights, s.out, `weights_${name}`);
          optimizer.dispose();
          model.dispose();
          return result;
        },
        // Ctrl-C: the curves so far, without a test accuracy.
        (saved, run) =>
          writeJson(join(s.out, `part3_${name}.json`), {
            name,
            loss_curve: saved.loss_curve,
            train_acc_curve: saved.train_acc_curve,
            val_acc_curve: saved.val_acc_curve,
            test_acc: null,
            weights: run.model ? firstLayerWeights(name, run.model as HwModel) : undefined,
            partial: true,
            data,
            settings,
            run_info: run.info(),
          }),
      );
      final_results.push(result_dict);
    }
    writeReport(final_results, s.out, data.kind);
    console.log('All architectures trained; final results saved.');
  });
}

function writeReport(results: Part3Result[], out: string, dataKind: string): void {
  if (results.length === 0) return;
  const report = new Report('EE449 HW1 part 3: ANN architectures');
  if (dataKind !== 'cifar10') report.text(`NOTE: trained on ${dataKind} (CIFAR-10 was not available), not CIFAR-10.`);
  part3Plots(results, out, 'all_models_performance', { report });
  report.heading('First-layer weights');
  for (const r of results) {
    if (r.weights === undefined) continue;
    report.image({ title: `weights_${r.name}`, png: visualizeWeights(r.weights as number[], out, `weights_${r.name}`) });
  }
  report.write(join(out, 'part3_report.html'));
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
