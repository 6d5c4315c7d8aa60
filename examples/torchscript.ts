/**
 * Runs a TorchScript module scripted in Python (examples/make_torchscript.py) for inference,
 * and checks its outputs against the ones Python computed.
 *   node --import tsx examples/torchscript.ts [--dir results/examples]
 * Without --dir it first runs the Python script with /usr/bin/python3 into a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';

const { values: args } = parseArgs({ options: { dir: { type: 'string' } } });
let dir = args.dir;
const made = dir === undefined;
if (dir === undefined) {
  dir = mkdtempSync(join(tmpdir(), 'torchnode-jit-'));
  process.stdout.write(
    execFileSync(process.env.TORCHNODE_PYTHON || '/usr/bin/python3', [join(import.meta.dirname, 'make_torchscript.py'), dir], { encoding: 'utf8' }),
  );
}

// torch.jit.load(path, map_location): the module runs on LibTorch's TorchScript interpreter.
const module = torch.jit.load(join(dir, 'classifier.pt'), { device: 'cpu' });
module.eval();
const io = torch.load(join(dir, 'classifier_io.pt')) as Record<'image' | 'batch' | 'logits' | 'probs' | 'single', Tensor>;

// A Python tuple comes back as an array; inferenceMode is `with torch.inference_mode():`.
const [logits, probs] = torch.inferenceMode(() => module.call(io.batch)) as [Tensor, Tensor];
const [single] = torch.inferenceMode(() => module.call(io.image)) as [Tensor, Tensor]; // the scripted `if` adds a batch dim
const diff = Math.max(logits.sub(io.logits).abs().max().item(), probs.sub(io.probs).abs().max().item(), single.sub(io.single).abs().max().item());
console.log(`logits ${JSON.stringify(logits.shape)}, single image ${JSON.stringify(single.shape)}, predicted ${JSON.stringify(probs.argmax(1).tolist())}`);
console.log(`max |TS - Python| = ${diff.toExponential(2)}`);
module.dispose();
if (made) rmSync(dir, { recursive: true, force: true });
if (!(diff < 1e-5)) {
  console.error('outputs differ from Python');
  process.exit(1);
}
