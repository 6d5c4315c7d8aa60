/**
 * Port of Appendix 5 (`part5.py`, EE449 HW1 part 5, "Experimenting Learning Rate"): CNN3 with
 * SGD (momentum 0) at lr 0.1, 0.01 and 0.001 for 20 epochs each, recording every 10 steps the
 * mean loss of the last 10 steps and the validation accuracy; then the scheduled run: lr 0.1
 * for epochs 0–4, 0.01 until epoch 15, 0.001 until 30, validating once per epoch, and the final
 * test accuracy.
 *
 *     npm run part5 -- [--quick] [--seed 0] [--out results] [--resume]
 *
 * Outputs in --out: `part5_cnn3.json` (the original's keys: name, loss_curve_1, loss_curve_01,
 * loss_curve_001, val_acc_curve_1, val_acc_curve_01, val_acc_curve_001; plus data, settings,
 * run_info), `part5_cnn3_scheduled.json` (val_acc_curve per epoch, lr_curve, test_acc; the
 * original only prints these), `part5_lr_comparison*.png`, `part5_scheduled*.png`,
 * `part5_report.html`, `checkpoint_part5.json`.
 *
 * Presets: --full (default) = 20 epochs per fixed-LR run, scheduled 30 epochs with drops at 5
 * and 15; --quick = 1 epoch per fixed-LR run and 3 scheduled epochs (drops at 1 and 2), every
 * epoch capped at 100 steps. `--epochs E` sets the fixed-LR runs' epochs and scales the
 * schedule: round(1.5·E) epochs, drops at round(E/4) and round(3E/4) (30, 5, 15 for E = 20).
 * With --seed S, manualSeed(S) runs right before each model is built (the three fixed-LR models
 * and the scheduled one then start from the same weights).
 *
 * `trainModel` and the scheduled run's three plateaus are Appendix 5's loops, line for line
 * (the plateaus' identical loops written once, over [lr, first epoch, end]); scripts/train.ts's
 * `Training` adds the checkpoints, --resume, the step limits, the progress bar and Ctrl-C.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn } from '../lib/index.js';
import { SGD } from '../lib/optim/optimizers.js';
import { parseCli, writeJson, fmt2 } from './common.js';
import { CNN3, parseModelList } from './models.js';
import { loadCifar10 } from './cifar.js';
import { HW_OPTIONS, Training, evaluateModel as evaluate, resolveSettings, setupTorch, type BatchLoader, type Run } from './train.js';
import { part5Plots, part5ScheduledPlot, type Part5Result } from './utils.js';
import { Report } from './viz/report.js';
import { publish, publishRecord } from './viz/live.js';

/** --quick and --full for part 5 (the fixed-LR runs; the schedule follows `schedule()`). */
export const PART5_PRESETS = { full: { epochs: 20 }, quick: { epochs: 1, epochSteps: 100 } };

/** The scheduled run's length and LR drops for fixed-LR runs of `epochs` epochs. */
export function schedule(epochs: number, quick: boolean): { epochs: number; milestones: [number, number] } {
  if (quick) return { epochs: 3, milestones: [1, 2] };
  const m1 = Math.max(1, Math.round(epochs / 4));
  const m2 = Math.max(m1 + 1, Math.round((3 * epochs) / 4));
  return { epochs: Math.max(m2 + 1, Math.round(1.5 * epochs)), milestones: [m1, m2] };
}

const LRS = [
  [0.1, '1'],
  [0.01, '01'],
  [0.001, '001'],
] as const;

/**
 * Appendix 5's `train_model(lr, train_loader, val_loader, model, device, epochs)`: SGD with
 * momentum 0; every 10 steps the mean loss of the last 10 steps and the validation accuracy.
 * Returns [loss_curve, val_acc_curve]. `run` (checkpoints, --resume) is the port's addition.
 */
export async function trainModel(
  run: Run,
  lr: number,
  train_loader: BatchLoader,
  val_loader: BatchLoader,
  model: CNN3,
  device: string,
  epochs = 20,
): Promise<[number[], number[]]> {
  model.to(device);
  const optimizer = new SGD(model.parameters(), { lr, momentum: 0.0 });
  const criterion = new nn.CrossEntropyLoss();
  run.resume(model, optimizer);
  // The loop's variables: checkpoints save them (run.save), --resume restores them.
  const { loss_curve } = run.restore({ loss_curve: [] as number[] });
  const { val_acc_curve } = run.restore({ val_acc_curve: [] as number[] });
  let { step_count } = run.restore({ step_count: 0 });
  for (const epoch of run.epochs(epochs)) {
    model.train();
    let { running_loss } = run.restore({ running_loss: 0.0 });
    run.save(() => ({ loss_curve, val_acc_curve, step_count, running_loss }));
    for await (let [x, y] of run.batches(train_loader, `Epoch ${epoch + 1}/${epochs} (LR=${lr})`)) {
      // tidy: the step's tensors are freed as it ends (faster than leaving them to the GC).
      torch.tidy(() => {
        [x, y] = [x.to(device), y.to(device)];
        optimizer.zeroGrad();
        const outputs = model.call(x);
        const loss = criterion.call(outputs, y);
        loss.backward();
        optimizer.step();
        step_count += 1;
        running_loss += loss.item();
        // record every 10 steps
        if (step_count % 10 === 0) {
          const avg_loss = running_loss / 10;
          loss_curve.push(avg_loss);
          running_loss = 0.0;
          const val_acc = evaluate(model, val_loader, device);
          val_acc_curve.push(val_acc);
          // --live: the record on the live charts (a no-op without a live server).
          publishRecord('part5', `lr=${lr}`, step_count, { loss: avg_loss, val_acc });
        }
      });
    }
    console.log(`Epoch [${epoch + 1}/${epochs}] LR=${lr} finished.`);
  }
  return [loss_curve, val_acc_curve];
}

/** Runs part 5 with command-line `argv`; resolves to the exit code (130 when interrupted). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const o = parseCli('part5', HW_OPTIONS, argv);
  if (o === null) return 0;
  const s = resolveSettings('part5', o, PART5_PRESETS);
  if (s.models !== undefined && parseModelList(s.models).join() !== 'cnn_3')
    throw new Error(`part5: trains CNN3 only (Appendix 5); --models must be cnn_3, received '${s.models}'`);
  const device = setupTorch(s);
  // 5a) Load data
  const { trainLoader: train_loader, valLoader: val_loader, testLoader: test_loader, data } = await loadCifar10({ data: s.data });
  const EPOCHS = s.epochs;
  const sched = schedule(EPOCHS, s.preset === 'quick' && o.epochs === undefined);
  const signature = {
    epochs: EPOCHS,
    schedule: sched,
    steps: s.steps ?? null,
    epochSteps: s.epochSteps ?? null,
    seed: s.seed ?? null,
    data: data.kind,
    n: [data.nTrain, data.nVal, data.nTest],
  };
  const settings = { ...signature, preset: s.preset, device };
  // Checkpoints, --resume, --steps, progress bars and Ctrl-C (scripts/train.ts).
  const hw = new Training('part5', s, signature);
  const report = new Report('EE449 HW1 part 5: learning rate');
  if (data.kind !== 'cifar10') report.text(`NOTE: trained on ${data.kind} (CIFAR-10 was not available), not CIFAR-10.`);
  // 5b) CNN3 for each LR, built right before it trains (--seed S: the same initial weights).
  const newCNN3 = (): CNN3 => {
    if (s.seed !== undefined) torch.manualSeed(s.seed);
    return new CNN3();
  };
  const part5Json = (curves: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: 'cnn3',
    ...Object.fromEntries(LRS.map(([, tag]) => [`loss_curve_${tag}`, curves[`loss_curve_${tag}`] ?? []])),
    ...Object.fromEntries(LRS.map(([, tag]) => [`val_acc_curve_${tag}`, curves[`val_acc_curve_${tag}`] ?? []])),
    ...extra,
    data,
    settings,
  });

  return hw.main(async () => {
    const curves: Record<string, number[]> = {};
    for (const [lr, tag] of LRS) {
      [curves[`loss_curve_${tag}`], curves[`val_acc_curve_${tag}`]] = await hw.run(
        async (run) => {
          console.log(`\n--- Training with LR=${lr} ---`);
          const model = newCNN3();
          const result = await trainModel(run, lr, train_loader, val_loader, model, device, EPOCHS);
          model.dispose();
          return result;
        },
        // Ctrl-C: the curves so far.
        (saved, run) =>
          writeJson(
            join(s.out, 'part5_cnn3.json'),
            part5Json(
              { ...curves, [`loss_curve_${tag}`]: saved.loss_curve, [`val_acc_curve_${tag}`]: saved.val_acc_curve },
              { partial: true, run_info: run.info() },
            ),
          ),
      );
    }
    // Create dictionary
    const result_dict = part5Json(curves, { run_info: hw.runInfo() });
    writeJson(join(s.out, 'part5_cnn3.json'), result_dict);
    // Plot
    part5Plots(result_dict as unknown as Part5Result, s.out, 'part5_lr_comparison', { report });
    console.log('\nPart5 - LR experiment (0.1, 0.01, 0.001) completed. Plots saved.');

    // 5c) Manual scheduled LR approach
    const [scheduled_val_acc, lr_curve, final_test_acc_sch] = await hw.run(
      async (run): Promise<[number[], number[], number]> => {
        console.log('\n--- Scheduled Learning Rate Approach ---');
        const scheduled_model = newCNN3();
        scheduled_model.to(device);
        const optimizer_sch = new SGD(scheduled_model.parameters(), { lr: 0.1, momentum: 0.0 });
        const criterion = new nn.CrossEntropyLoss();
        run.resume(scheduled_model, optimizer_sch);
        // We'll store only the validation accuracy (and, the port's, each epoch's LR)
        const { scheduled_val_acc } = run.restore({ scheduled_val_acc: [] as number[] });
        const { lr_curve } = run.restore({ lr_curve: [] as number[] });
        run.save(() => ({ scheduled_val_acc, lr_curve }));
        // The original's three plateaus: LR 0.1 until epoch 5, 0.01 until 15, 0.001 until 30.
        const [plateau_epoch_1, plateau_epoch_2] = sched.milestones;
        const plateaus = [
          [0.1, 0, plateau_epoch_1],
          [0.01, plateau_epoch_1, plateau_epoch_2],
          [0.001, plateau_epoch_2, sched.epochs],
        ] as const;
        for (const [lr, first, end] of plateaus) {
          // set the plateau's LR
          for (const g of optimizer_sch.paramGroups) g.lr = lr;
          for (const epoch of run.epochs(first, end)) {
            scheduled_model.train();
            for await (let [x, y] of run.batches(train_loader, `Epoch ${epoch + 1}/${end} (LR=${lr})`)) {
              torch.tidy(() => {
                [x, y] = [x.to(device), y.to(device)];
                optimizer_sch.zeroGrad();
                const outputs = scheduled_model.call(x);
                const loss = criterion.call(outputs, y);
                loss.backward();
                optimizer_sch.step();
              });
            }
            const val_acc_sch = evaluate(scheduled_model, val_loader, device);
            scheduled_val_acc.push(val_acc_sch);
            lr_curve.push(lr);
            console.log(`Scheduled LR=${lr}, Epoch ${epoch + 1}/${end}, Val Acc=${fmt2(val_acc_sch)}%`);
            // --live: the epoch's validation accuracy on the live charts.
            publish({
              part: 'part5',
              chart: 'Validation accuracy, scheduled learning rate (part5)',
              series: 'scheduled',
              x: epoch + 1,
              y: val_acc_sch,
              xLabel: 'epoch',
              yLabel: 'accuracy (%)',
            });
          }
        }
        const final_test_acc_sch = evaluate(scheduled_model, test_loader, device);
        console.log(`Final Test Accuracy with scheduled LR approach: ${fmt2(final_test_acc_sch)}%`);
        scheduled_model.dispose();
        return [scheduled_val_acc, lr_curve, final_test_acc_sch];
      },
      // Ctrl-C: the validation accuracies so far.
      (saved, run) =>
        writeJson(join(s.out, 'part5_cnn3_scheduled.json'), {
          name: 'cnn3_scheduled',
          val_acc_curve: saved.scheduled_val_acc,
          lr_curve: saved.lr_curve,
          test_acc: null,
          partial: true,
          data,
          settings,
          run_info: run.info(),
        }),
    );
    writeJson(join(s.out, 'part5_cnn3_scheduled.json'), {
      name: 'cnn3_scheduled',
      val_acc_curve: scheduled_val_acc,
      lr_curve,
      milestones: sched.milestones,
      test_acc: final_test_acc_sch,
      data,
      settings,
      run_info: hw.runInfo(),
    });
    part5ScheduledPlot(scheduled_val_acc, lr_curve, s.out, 'part5_scheduled', { report });
    console.log('Part5 scheduled LR approach done.');
    report.write(join(s.out, 'part5_report.html'));
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
