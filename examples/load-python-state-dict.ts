/**
 * Loads a CNN3 state dict saved by Python's torch.save into the same model written in
 * TypeScript, and checks that both give the same outputs on the same batch.
 *   node --import tsx examples/load-python-state-dict.ts [--dir results/examples] [--steps 20]
 * Without --dir it first runs examples/make_state_dict.py with /usr/bin/python3 (Debian's
 * PyTorch) into a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';

/** The homework's CNN3, field for field as the Python class (so the state-dict keys match). */
class CNN3 extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, { kernelSize: 3, stride: 1, padding: 0 });
  conv2 = new nn.Conv2d(16, 8, { kernelSize: 5, stride: 1, padding: 0 });
  pool1 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  conv3 = new nn.Conv2d(8, 16, { kernelSize: 7, stride: 1, padding: 0 });
  pool2 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  fc = new nn.Linear(16 * 3 * 3, 10);
  override forward(x: Tensor): Tensor {
    x = nn.F.relu(this.conv1.call(x));
    x = nn.F.relu(this.conv2.call(x));
    x = this.pool1.call(x);
    x = nn.F.relu(this.conv3.call(x));
    x = this.pool2.call(x);
    x = x.view(x.size(0), -1);
    return this.fc.call(x);
  }
}

const { values: args } = parseArgs({ options: { dir: { type: 'string' }, steps: { type: 'string', default: process.env.STEPS ?? '20' } } });
let dir = args.dir;
const made = dir === undefined;
if (dir === undefined) {
  dir = mkdtempSync(join(tmpdir(), 'torchnode-cnn3-'));
  const script = join(import.meta.dirname, 'make_state_dict.py');
  process.stdout.write(
    execFileSync(process.env.TORCHNODE_PYTHON || '/usr/bin/python3', [script, dir, '--steps', String(Number(args.steps))], { encoding: 'utf8' }),
  );
}

// torch.load returns Python's OrderedDict as a Map<string, Tensor>: what loadStateDict takes.
const state = torch.load(join(dir, 'cnn3_state_dict.pt')) as Map<string, Tensor>;
const model = new CNN3();
const { missingKeys, unexpectedKeys } = model.loadStateDict(state); // strict: throws on a mismatch
console.log(`loaded ${state.size} tensors: ${[...state.keys()].join(', ')} (missing ${missingKeys.length}, unexpected ${unexpectedKeys.length})`);
model.eval();

const io = torch.load(join(dir, 'cnn3_io.pt')) as { input: Tensor; output: Tensor };
const ours = torch.noGrad(() => model.call(io.input));
const maxDiff = ours.sub(io.output).abs().max().item();
const sameClasses = ours.argmax(1).equal(io.output.argmax(1));
console.log(`max |TS - Python| = ${maxDiff.toExponential(2)}, same predicted classes: ${sameClasses}`);
if (made) rmSync(dir, { recursive: true, force: true });
if (!(maxDiff < 1e-5 && sameClasses)) {
  console.error('outputs differ from Python');
  process.exit(1);
}
