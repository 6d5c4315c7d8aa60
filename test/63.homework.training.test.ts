/**
 * scripts/train.ts's `Training`, the one helper behind parts 3–5's loops, on a toy experiment run
 * in this process (test/63.homework.resume runs the real scripts in child processes): two runs,
 * the first seeded, the second unseeded (its initial weights come from the generator as the
 * first run left it) and trained over two `run.epochs(first, end)` ranges as Appendix 5's
 * plateaus; a shuffling loader, dropout and code after each epoch draw random numbers; SGD with
 * momentum has state; there are run-level and epoch-level variables. Interrupted by Ctrl-C
 * (SIGINT, emitted in-process) or by a crash (an error: nothing saved then, like SIGKILL) at
 * various steps, `--resume` must give exactly the uninterrupted results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn, optim } from '../lib/index.js';
import { Training, type Saved, type Settings } from '../scripts/train.js';
import { loadCheckpoint, saveCheckpoint } from '../scripts/checkpoint.js';

const root = mkdtempSync(join(tmpdir(), 'hw-training-'));
torch.manualSeed(0);
const features = torch.randn([30, 4]);
const labels = torch.randint(0, 3, [30]);
const loader = new torch.data.DataLoader(new torch.data.TensorDataset(features, labels), { batchSize: 4, shuffle: true }); // 8 batches

function settings(out: string, o: Partial<Settings> = {}): Settings {
  return { data: '', epochs: 3, device: 'cpu', out, resume: false, preset: 'full', progress: false, ...o };
}

interface Stop {
  run: number;
  step: number;
  how: 'sigint' | 'crash';
}
interface Outcome {
  code: number;
  results: unknown[];
  partials: Saved[];
}

/** The toy experiment, written as the parts write theirs. */
async function experiment(s: Settings, stop?: Stop): Promise<Outcome> {
  const hw = new Training('toy', s, { toy: 1 });
  const results: unknown[] = [];
  const partials: Saved[] = [];
  const code = await hw.main(async () => {
    for (const r of [0, 1]) {
      const result = await hw.run(
        async (run) => {
          if (r === 0) torch.manualSeed(1);
          const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Dropout(0.5), new nn.Linear(8, 3));
          const criterion = new nn.CrossEntropyLoss();
          const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
          run.resume(model, optimizer);
          const { losses, epoch_stats } = run.restore({ losses: [] as number[], epoch_stats: [] as number[] });
          let { step_count } = run.restore({ step_count: 0 });
          const ranges =
            r === 0
              ? [[0, 3]]
              : [
                  [0, 1],
                  [1, 3],
                ];
          for (const [first, end] of ranges) {
            for (const g of optimizer.paramGroups) g.lr = first === 0 ? 0.1 : 0.05;
            for (const epoch of run.epochs(first, end)) {
              model.train();
              let { running, n } = run.restore({ running: 0, n: 0 });
              run.save(() => ({ losses, epoch_stats, step_count, running, n }));
              for await (const [x, y] of run.batches(loader, `toy ${r} epoch ${epoch + 1}`)) {
                torch.tidy(() => {
                  optimizer.zeroGrad();
                  const loss = criterion.call(model.call(x), y);
                  loss.backward();
                  optimizer.step();
                  step_count += 1;
                  running += loss.item();
                  n += 1;
                  if (step_count % 3 === 0) losses.push(running / n);
                });
                if (stop && stop.run === r && stop.step === step_count) {
                  if (stop.how === 'crash') throw new Error('crash');
                  process.emit('SIGINT');
                }
              }
              // After the epoch: the epoch's variables, and a draw from the generator.
              epoch_stats.push(running / n + n + torch.rand(1).item());
            }
          }
          const weights = [...model.parameters()].map((p) => p.sum().item());
          return { losses, epoch_stats, step_count, weights, next: torch.rand(1).item() };
        },
        (saved) => partials.push(saved),
      );
      results.push(result);
    }
  });
  return { code, results, partials };
}

let ref: Outcome | undefined;
/** The uninterrupted experiment (made once). */
async function uninterrupted(): Promise<Outcome> {
  ref ??= await experiment(settings(join(root, 'ref')));
  return ref;
}

test('an uninterrupted toy experiment: 3 epochs of 8 steps per run, the limits', async () => {
  const reference = await uninterrupted();
  assert.equal(reference.code, 0);
  for (const r of reference.results as { losses: number[]; epoch_stats: number[]; step_count: number }[]) {
    assert.equal(r.step_count, 24);
    assert.equal(r.losses.length, 8);
    assert.equal(r.epoch_stats.length, 3);
  }
  const again = await experiment(settings(join(root, 'ref2')));
  assert.deepEqual(again.results, reference.results, 'the toy experiment is deterministic');
  const ck = JSON.parse(readFileSync(join(root, 'ref', 'checkpoint_toy.json'), 'utf8'));
  assert.deepEqual([ck.state.runIndex, ck.state.inRun, ck.state.finished, ck.state.done.length], [2, false, true, 2]);
  // --steps 5: five steps per run, the epoch cut short; --epoch-steps 2: two steps in each of the 3 epochs.
  const steps = await experiment(settings(join(root, 'steps'), { steps: 5 }));
  assert.deepEqual(
    steps.results.map((r) => (r as { step_count: number }).step_count),
    [5, 5],
  );
  const epochSteps = await experiment(settings(join(root, 'epoch-steps'), { epochSteps: 2 }));
  assert.deepEqual(
    epochSteps.results.map((r) => [(r as { step_count: number }).step_count, (r as { epoch_stats: number[] }).epoch_stats.length]),
    [
      [6, 3],
      [6, 3],
    ],
  );
});

const stops: Stop[] = [
  { run: 0, step: 1, how: 'sigint' }, // the first step
  { run: 0, step: 5, how: 'sigint' }, // mid-epoch
  { run: 0, step: 8, how: 'sigint' }, // the epoch's last batch: resumes past it, then the epoch's end
  { run: 0, step: 21, how: 'sigint' }, // the last epoch
  { run: 1, step: 3, how: 'sigint' }, // the unseeded run, first range
  { run: 1, step: 13, how: 'sigint' }, // the second range
  { run: 0, step: 11, how: 'crash' }, // resumes from the end of epoch 1
  { run: 1, step: 2, how: 'crash' }, // resumes from the end of run 0
  { run: 1, step: 20, how: 'crash' }, // resumes from the end of epoch 2, in the second range
];
for (const stop of stops) {
  test(`${stop.how === 'sigint' ? 'Ctrl-C' : 'a crash'} at step ${stop.step} of run ${stop.run}, then --resume: the uninterrupted results`, async () => {
    const reference = await uninterrupted();
    const out = join(root, `${stop.how}-${stop.run}-${stop.step}`);
    if (stop.how === 'crash') {
      await assert.rejects(experiment(settings(out), stop), { message: 'crash' });
    } else {
      const first = await experiment(settings(out), stop);
      assert.equal(first.code, 130);
      assert.deepEqual(first.results, reference.results.slice(0, stop.run), 'the runs finished before Ctrl-C');
      // partial(saved) gets the run's variables at the interruption.
      assert.equal(first.partials.length, 1);
      assert.equal(first.partials[0].step_count, stop.step);
      const ck = JSON.parse(readFileSync(join(out, 'checkpoint_toy.json'), 'utf8'));
      assert.deepEqual([ck.state.runIndex, ck.state.inRun, ck.state.pos.stepCount], [stop.run, true, stop.step]);
    }
    torch.manualSeed(12345); // whatever the generator is now, --resume restores it
    const resumed = await experiment(settings(out, { resume: true }));
    assert.equal(resumed.code, 0);
    assert.deepEqual(resumed.results, reference.results);
  });
}

test('the checkpoint of a finished experiment replays its results; bad use fails clearly', async () => {
  const reference = await uninterrupted();
  const replay = await experiment(settings(join(root, 'ref'), { resume: true }));
  assert.deepEqual(replay.results, reference.results);
  // A checkpoint from before the Training helper (no runs' results in it).
  const old = join(root, 'old');
  const ck = JSON.parse(readFileSync(join(root, 'ref', 'checkpoint_toy.json'), 'utf8'));
  delete ck.state.done;
  mkdirSync(old);
  writeFileSync(join(old, 'checkpoint_toy.json'), JSON.stringify(ck));
  assert.throws(() => new Training('toy', settings(old, { resume: true }), { toy: 1 }), {
    message: `--resume: ${join(old, 'checkpoint_toy.json')} was written by an older version of the scripts; run without --resume to start over`,
  });
  const hw = new Training('toy', settings(join(root, 'misuse')), { toy: 1 });
  await assert.rejects(
    hw.main(() =>
      hw.run(async (run) => {
        for (const _ of run.epochs(1));
      }),
    ),
    { message: 'Run.epochs: call run.resume(model, optimizer) before the epoch loop (checkpoints save them)' },
  );
});

test("a checkpoint's state keeps NaN and infinities (a diverging run's losses resume as they were)", () => {
  const path = join(root, 'checkpoint_nan.json');
  const state = { losses: [1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], nested: { x: Number.NaN } };
  saveCheckpoint(path, { part: 'nan', signature: { a: 1 }, state, tensors: {} });
  assert.deepEqual(loadCheckpoint(path, 'nan', { a: 1 })?.state, state);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
