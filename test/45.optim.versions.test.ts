/**
 * Optimizers whose Python changed between PyTorch releases step as the Python of the LibTorch
 * torchnode runs on: from 2.1, Adam, AdamW, RMSprop (centered), NAdam, RAdam and Adamax decay their
 * averages with lerp_, where 1.13 wrote mul_().add_(), and NAdam's mu_product_next lost 1.13's
 * extra factor mu. 20 steps of each against that Python, live, bit for bit (on 1.13 this checks
 * the 1.13 sequence; tools/matrix.sh runs it against 2.6).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn, optim } from '../lib/index.js';
import { pythonRunsOurLibTorch, runGoldenLive, PYTHON } from './helpers.js';

interface Golden {
  torch: string;
  steps: number;
  x: number[][];
  y: number[][];
  w: number[][];
  b: number[];
  cases: { cls: string; kw: Record<string, number | boolean>; weight: number[][]; bias: number[] }[];
}

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const skip = pythonRunsOurLibTorch() ? false : `${PYTHON}'s torch is not LibTorch ${torch.version.libtorch}, which torchnode runs`;

test('20 steps of each optimizer equal the Python of this LibTorch bit for bit', { skip }, () => {
  const g = runGoldenLive<Golden>('optim_versions.py');
  const X = torch.tensor(g.x);
  const Y = torch.tensor(g.y);
  for (const c of g.cases) {
    const w = torch.tensor(g.w).requiresGrad_(true);
    const b = torch.tensor(g.b).requiresGrad_(true);
    const opts = Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [camel(k), v]));
    const opt = new (optim as unknown as Record<string, new (p: torch.Tensor[], o: object) => optim.Optimizer>)[c.cls]([w, b], opts);
    for (let i = 0; i < g.steps; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        nn.functional.mseLoss(nn.functional.linear(X, w, b), Y).backward();
        opt.step();
      });
    }
    const what = `${c.cls} ${JSON.stringify(c.kw)} after ${g.steps} steps (PyTorch ${g.torch})`;
    assert.deepEqual(w.detach().tolist(), c.weight, `${what}: weight`);
    assert.deepEqual(b.detach().tolist(), c.bias, `${what}: bias`);
    torch.dispose([w, b]);
  }
  torch.dispose([X, Y]);
});
