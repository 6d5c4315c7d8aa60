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
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { Adam } from '../lib/optim/optimizers.js';
import { parseCli, writeJson, fmt2 } from './common.js';
import { MODEL_NAMES, buildModel, parseModelList, type ModelName } from './models.js';
import { loadCifar10 } from './cifar.js';
import { HW_OPTIONS, Interrupt, Progress, evaluateModel, resolveSettings, setupTorch, toDevice, trainEpochs, type Position, type RngMark } from './train.js';
import { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
import { part3Plots, visualizeWeights, type Part3Result } from './utils.js';
import { Report } from './viz/report.js';
import { publishRecord } from './viz/live.js';

/** --quick and --full for part 3. */
export const PART3_PRESETS = { full: { epochs: 15 }, quick: { epochs: 1, epochSteps: 100 } };

interface Records {
  loss_curve: number[];
  train_acc_curve: number[];
  val_acc_curve: number[];
}
interface Acc {
  running_loss: number;
  correct: number;
  total: number;
}
interface State {
  runIndex: number;
  inRun: boolean;
  pos: Position;
  records: Records;
  acc: Acc;
  finished: boolean;
}

/** Runs part 3 with command-line `argv`; resolves to the exit code (130 when interrupted). */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const o = parseCli('part3', HW_OPTIONS, argv);
  if (o === null) return 0;
  const s = resolveSettings('part3', o, PART3_PRESETS);
  const models: ModelName[] = s.models ? parseModelList(s.models) : [...MODEL_NAMES];
  const device = setupTorch(s);
  const { trainLoader, valLoader, testLoader, data } = await loadCifar10({ data: s.data });
  const EPOCHS = s.epochs;
  const ckPath = join(s.out, 'checkpoint_part3.json');
  const signature = {
    epochs: EPOCHS,
    steps: s.steps ?? null,
    epochSteps: s.epochSteps ?? null,
    models,
    seed: s.seed ?? null,
    data: data.kind,
    n: [data.nTrain, data.nVal, data.nTest],
  };
  const ck = s.resume ? loadCheckpoint<State>(ckPath, 'part3', signature) : null;
  if (s.resume && !ck) console.error(`--resume: no checkpoint at ${ckPath}; starting from the beginning`);
  const settings = { ...signature, preset: s.preset, device };
  const interrupt = new Interrupt().install();
  const progress = new Progress(s.progress);
  const finalResults: Part3Result[] = [];
  const t0 = Date.now();

  let state: State = ck?.state ?? {
    runIndex: 0,
    inRun: false,
    pos: { epoch: 0, stepInEpoch: 0, stepCount: 0 },
    records: emptyRecords(),
    acc: { running_loss: 0, correct: 0, total: 0 },
    finished: false,
  };
  // Results of models finished before the checkpoint.
  for (const name of models.slice(0, state.runIndex)) {
    const p = join(s.out, `part3_${name}.json`);
    if (!existsSync(p)) throw new Error(`--resume: ${p} (a model finished before the checkpoint) is missing`);
    finalResults.push(JSON.parse(readFileSync(p, 'utf8')) as Part3Result);
  }
  if (ck && !state.inRun) torch.setRngState(ck.tensors.rng as Tensor);

  const checkpoint = (st: State, model: nn.Module | null, opt: Adam | null, rng?: RngMark): void => {
    const optSd = opt?.stateDict();
    saveCheckpoint(ckPath, {
      part: 'part3',
      signature,
      state: st,
      tensors: { model: model?.stateDict() ?? null, optimizer: optSd ?? null, rng: rng?.now ?? torch.getRngState(), rngEpochStart: rng?.epochStart ?? null },
    });
    if (optSd) for (const v of Object.values(optSd.state)) for (const t of Object.values(v)) if (t instanceof torch.Tensor) t.dispose();
  };

  for (let i = state.runIndex; i < models.length; i++) {
    const name = models[i];
    console.log(`\n--- Training ${name} ---`);
    const resuming = ck !== null && state.inRun && state.runIndex === i;
    if (!resuming && s.seed !== undefined) torch.manualSeed(s.seed);
    const model = buildModel(name);
    if (resuming) model.loadStateDict(ck.tensors.model as nn.StateDict);
    model.to(device);
    const criterion = new nn.CrossEntropyLoss();
    const optimizer = new Adam(model.parameters(), { lr: 0.001 });
    if (resuming) optimizer.loadStateDict(ck.tensors.optimizer as never);
    if (!resuming)
      state = {
        runIndex: i,
        inRun: true,
        pos: { epoch: 0, stepInEpoch: 0, stepCount: 0 },
        records: emptyRecords(),
        acc: { running_loss: 0, correct: 0, total: 0 },
        finished: false,
      };
    else if (state.pos.stepInEpoch === 0) torch.setRngState(ck.tensors.rng as Tensor);
    const { records, acc } = state;

    const { end, pos: endPos } = await trainEpochs({
      loader: trainLoader,
      epochs: EPOCHS,
      start: state.pos,
      maxSteps: s.steps,
      epochSteps: s.epochSteps,
      interrupt,
      progress,
      rng: resuming && state.pos.stepInEpoch > 0 ? { epochStart: ck.tensors.rngEpochStart as Tensor, now: ck.tensors.rng as Tensor } : undefined,
      describe: (e) => `${name} epoch ${e + 1}/${EPOCHS}`,
      beginEpoch: (_e, resumed) => {
        model.train();
        if (!resumed) Object.assign(acc, { running_loss: 0, correct: 0, total: 0 });
      },
      step: (xb, yb, pos) => {
        const x = toDevice(xb, device),
          y = toDevice(yb, device);
        const outputs = model.call(x) as Tensor;
        const loss = criterion.call(outputs, y) as Tensor;
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        const l = loss.item() as number;
        acc.running_loss += l;
        const { indices: preds } = outputs.detach().max(1) as torch.ValuesIndices;
        acc.total += y.size(0) as number;
        acc.correct += preds.eq(y).sum().item() as number;
        // Every 10 steps
        if (pos.stepCount % 10 === 0) {
          const loss = acc.running_loss / 10;
          const train_acc = (100.0 * acc.correct) / acc.total;
          const val_acc = evaluateModel(model, valLoader, device);
          records.loss_curve.push(loss);
          records.train_acc_curve.push(train_acc);
          records.val_acc_curve.push(val_acc);
          acc.running_loss = 0.0;
          // --live: the record on the live charts (a no-op without a live server).
          publishRecord('part3', name, pos.stepCount, { loss, train_acc, val_acc });
        }
        return l;
      },
      endEpoch: (e, truncated) => truncated || console.log(`Epoch [${e + 1}/${EPOCHS}] : Train Acc=${fmt2((100.0 * acc.correct) / Math.max(1, acc.total))}%`),
      checkpoint: (pos, rng) => {
        state.pos = pos;
        checkpoint(state, model, optimizer, rng);
      },
    });
    state.pos = endPos;
    const weightsOf = (): number[] =>
      (name.startsWith('mlp') ? (model as { fc1: nn.Linear }).fc1.weight : (model as { conv1: nn.Conv2d }).conv1.weight).detach().cpu().tolist() as number[];
    if (end === 'interrupted') {
      writeJson(join(s.out, `part3_${name}.json`), {
        name,
        ...records,
        test_acc: null,
        weights: weightsOf(),
        partial: true,
        data,
        settings,
        run_info: runInfo(t0, state.pos),
      });
      console.error(`Partial results of ${name} and a checkpoint are in ${s.out}; continue with --resume.`);
      progress.stop();
      return 130;
    }
    const test_acc = evaluateModel(model, testLoader, device);
    console.log(`Test accuracy of ${name}: ${fmt2(test_acc)}%`);
    const weights = weightsOf();
    const result: Part3Result & Record<string, unknown> = { name, ...records, test_acc, weights, data, settings, run_info: runInfo(t0, state.pos) };
    writeJson(join(s.out, `part3_${name}.json`), result);
    visualizeWeights(weights, s.out, `weights_${name}`);
    finalResults.push(result);
    optimizer.dispose();
    model.dispose();
    state = { ...state, runIndex: i + 1, inRun: false, pos: { epoch: 0, stepInEpoch: 0, stepCount: 0 }, records: emptyRecords() };
    checkpoint(state, null, null);
  }
  writeReport(finalResults, s.out, data.kind);
  state.finished = true;
  checkpoint(state, null, null);
  interrupt.uninstall();
  console.log('All architectures trained; final results saved.');
  return 0;
}

function emptyRecords(): Records {
  return { loss_curve: [], train_acc_curve: [], val_acc_curve: [] };
}

function runInfo(t0: number, pos: Position): Record<string, unknown> {
  return { wall_s: (Date.now() - t0) / 1000, steps_done: pos.stepCount, finished_at: new Date().toISOString() };
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
