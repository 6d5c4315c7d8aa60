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
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { SGD } from '../lib/optim/optimizers.js';
import { parseCli, writeJson, fmt2 } from './common.js';
import { CNN3, parseModelList } from './models.js';
import { loadCifar10 } from './cifar.js';
import { HW_OPTIONS, Interrupt, Progress, evaluateModel, resolveSettings, setupTorch, toDevice, trainEpochs, type Position, type RngMark } from './train.js';
import { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
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

interface Curves {
  loss_curve: number[];
  val_acc_curve: number[];
}
interface State {
  runIndex: number; // 0..2 fixed LRs, 3 scheduled
  inRun: boolean;
  pos: Position;
  runningLoss: number;
  curves: Curves;
  lrCurve: number[];
  done: Record<string, Curves>;
  finished: boolean;
}

/** Runs part 5 with command-line `argv`; resolves to the exit code (130 when interrupted). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const o = parseCli('part5', HW_OPTIONS, argv);
  if (o === null) return 0;
  const s = resolveSettings('part5', o, PART5_PRESETS);
  if (s.models !== undefined && parseModelList(s.models).join() !== 'cnn_3')
    throw new Error(`part5: trains CNN3 only (Appendix 5); --models must be cnn_3, received '${s.models}'`);
  const device = setupTorch(s);
  const { trainLoader, valLoader, testLoader, data } = await loadCifar10({ data: s.data });
  const EPOCHS = s.epochs;
  const sched = schedule(EPOCHS, s.preset === 'quick' && o.epochs === undefined);
  const ckPath = join(s.out, 'checkpoint_part5.json');
  const signature = {
    epochs: EPOCHS,
    schedule: sched,
    steps: s.steps ?? null,
    epochSteps: s.epochSteps ?? null,
    seed: s.seed ?? null,
    data: data.kind,
    n: [data.nTrain, data.nVal, data.nTest],
  };
  const ck = s.resume ? loadCheckpoint<State>(ckPath, 'part5', signature) : null;
  if (s.resume && !ck) console.error(`--resume: no checkpoint at ${ckPath}; starting from the beginning`);
  const settings = { ...signature, preset: s.preset, device };
  const interrupt = new Interrupt().install();
  const progress = new Progress(s.progress);
  const t0 = Date.now();
  const zero = (): Position => ({ epoch: 0, stepInEpoch: 0, stepCount: 0 });
  let state: State = ck?.state ?? {
    runIndex: 0,
    inRun: false,
    pos: zero(),
    runningLoss: 0,
    curves: { loss_curve: [], val_acc_curve: [] },
    lrCurve: [],
    done: {},
    finished: false,
  };
  if (ck && !state.inRun) torch.setRngState(ck.tensors.rng as Tensor);

  const checkpoint = (st: State, model: nn.Module | null, opt: SGD | null, rng?: RngMark): void => {
    const optSd = opt?.stateDict();
    saveCheckpoint(ckPath, {
      part: 'part5',
      signature,
      state: st,
      tensors: { model: model?.stateDict() ?? null, optimizer: optSd ?? null, rng: rng?.now ?? torch.getRngState(), rngEpochStart: rng?.epochStart ?? null },
    });
    if (optSd) for (const v of Object.values(optSd.state)) for (const t of Object.values(v)) if (t instanceof torch.Tensor) t.dispose();
  };
  const report = new Report('EE449 HW1 part 5: learning rate');
  if (data.kind !== 'cifar10') report.text(`NOTE: trained on ${data.kind} (CIFAR-10 was not available), not CIFAR-10.`);

  const writePart5 = (): Part5Result => {
    const r: Record<string, unknown> = { name: 'cnn3' };
    for (const [, tag] of LRS) r[`loss_curve_${tag}`] = state.done[tag]?.loss_curve ?? [];
    for (const [, tag] of LRS) r[`val_acc_curve_${tag}`] = state.done[tag]?.val_acc_curve ?? [];
    Object.assign(r, { data, settings, run_info: { wall_s: (Date.now() - t0) / 1000, finished_at: new Date().toISOString() } });
    writeJson(join(s.out, 'part5_cnn3.json'), r);
    return r as unknown as Part5Result;
  };

  for (let i = state.runIndex; i < 4; i++) {
    const scheduled = i === 3;
    const lr = scheduled ? 0.1 : LRS[i][0];
    const epochs = scheduled ? sched.epochs : EPOCHS;
    console.log(scheduled ? '\n--- Scheduled Learning Rate Approach ---' : `\n--- Training with LR=${lr} ---`);
    const resuming = ck !== null && state.inRun && state.runIndex === i;
    if (!resuming && s.seed !== undefined) torch.manualSeed(s.seed);
    const model = new CNN3();
    if (resuming) model.loadStateDict(ck.tensors.model as nn.StateDict);
    model.to(device);
    const optimizer = new SGD(model.parameters(), { lr, momentum: 0.0 });
    if (resuming) optimizer.loadStateDict(ck.tensors.optimizer as never);
    const criterion = new nn.CrossEntropyLoss();
    if (!resuming) state = { ...state, runIndex: i, inRun: true, pos: zero(), runningLoss: 0, curves: { loss_curve: [], val_acc_curve: [] }, lrCurve: [] };
    else if (state.pos.stepInEpoch === 0) torch.setRngState(ck.tensors.rng as Tensor);
    const curves = state.curves;
    const epochLr = (e: number): number => (e < sched.milestones[0] ? 0.1 : e < sched.milestones[1] ? 0.01 : 0.001);

    const { end, pos: endPos } = await trainEpochs({
      loader: trainLoader,
      epochs,
      start: state.pos,
      maxSteps: s.steps,
      epochSteps: s.epochSteps,
      interrupt,
      progress,
      rng: resuming && state.pos.stepInEpoch > 0 ? { epochStart: ck.tensors.rngEpochStart as Tensor, now: ck.tensors.rng as Tensor } : undefined,
      describe: (e) => `Epoch ${e + 1}/${epochs} (LR=${scheduled ? epochLr(e) : lr})`,
      beginEpoch: (e, resumed) => {
        model.train();
        // The original sets param_groups' lr at the two plateaus; setting it each epoch is the same.
        if (scheduled) for (const g of optimizer.paramGroups) g.lr = epochLr(e);
        if (!resumed) state.runningLoss = 0.0;
      },
      step: (xb, yb, pos) => {
        const x = toDevice(xb, device),
          y = toDevice(yb, device);
        optimizer.zeroGrad();
        const outputs = model.call(x) as Tensor;
        const loss = criterion.call(outputs, y) as Tensor;
        loss.backward();
        optimizer.step();
        const l = loss.item() as number;
        if (scheduled) return l;
        state.runningLoss += l;
        // record every 10 steps
        if (pos.stepCount % 10 === 0) {
          const loss = state.runningLoss / 10;
          curves.loss_curve.push(loss);
          state.runningLoss = 0.0;
          const val_acc = evaluateModel(model, valLoader, device);
          curves.val_acc_curve.push(val_acc);
          // --live: the record on the live charts (a no-op without a live server).
          publishRecord('part5', `lr=${lr}`, pos.stepCount, { loss, val_acc });
        }
        return l;
      },
      endEpoch: (e, truncated) => {
        if (!scheduled) {
          if (!truncated) console.log(`Epoch [${e + 1}/${epochs}] LR=${lr} finished.`);
          return;
        }
        const valAcc = evaluateModel(model, valLoader, device);
        curves.val_acc_curve.push(valAcc);
        state.lrCurve.push(epochLr(e));
        console.log(`Scheduled LR=${epochLr(e)}, Epoch ${e + 1}/${epochs}, Val Acc=${fmt2(valAcc)}%`);
        publish({
          part: 'part5',
          chart: 'Validation accuracy, scheduled learning rate (part5)',
          series: 'scheduled',
          x: e + 1,
          y: valAcc,
          xLabel: 'epoch',
          yLabel: 'accuracy (%)',
        });
      },
      checkpoint: (pos, rng) => {
        state.pos = pos;
        checkpoint(state, model, optimizer, rng);
      },
    });
    state.pos = endPos;
    if (end === 'interrupted') {
      if (!scheduled) {
        state.done[LRS[i][1]] = curves;
        const r = writePart5() as unknown as Record<string, unknown>;
        writeJson(join(s.out, 'part5_cnn3.json'), { ...r, partial: true });
      } else {
        writeJson(join(s.out, 'part5_cnn3_scheduled.json'), {
          name: 'cnn3_scheduled',
          val_acc_curve: curves.val_acc_curve,
          lr_curve: state.lrCurve,
          test_acc: null,
          partial: true,
          data,
          settings,
        });
      }
      console.error(`Partial results and a checkpoint are in ${s.out}; continue with --resume.`);
      return 130;
    }
    if (!scheduled) {
      state.done[LRS[i][1]] = curves;
      if (i === 2) {
        part5Plots(writePart5(), s.out, 'part5_lr_comparison', { report });
        console.log('\nPart5 - LR experiment (0.1, 0.01, 0.001) completed. Plots saved.');
      }
    } else {
      const test_acc = evaluateModel(model, testLoader, device);
      console.log(`Final Test Accuracy with scheduled LR approach: ${fmt2(test_acc)}%`);
      writeJson(join(s.out, 'part5_cnn3_scheduled.json'), {
        name: 'cnn3_scheduled',
        val_acc_curve: curves.val_acc_curve,
        lr_curve: state.lrCurve,
        milestones: sched.milestones,
        test_acc,
        data,
        settings,
        run_info: { wall_s: (Date.now() - t0) / 1000, steps_done: state.pos.stepCount, finished_at: new Date().toISOString() },
      });
      part5ScheduledPlot(curves.val_acc_curve, state.lrCurve, s.out, 'part5_scheduled', { report });
      console.log('Part5 scheduled LR approach done.');
    }
    optimizer.dispose();
    model.dispose();
    state = { ...state, runIndex: i + 1, inRun: false, pos: zero(), runningLoss: 0, curves: { loss_curve: [], val_acc_curve: [] } };
    checkpoint(state, null, null);
  }
  if (state.runIndex >= 3 && ck && ck.state.runIndex >= 3) {
    // Resumed after the fixed-LR runs: their plots come from the saved results.
    part5Plots(writePart5(), s.out, 'part5_lr_comparison', { report });
  }
  report.write(join(s.out, 'part5_report.html'));
  state.finished = true;
  checkpoint(state, null, null);
  interrupt.uninstall();
  return 0;
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
