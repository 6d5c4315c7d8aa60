/**
 * Attention as the Python of the LibTorch torchnode runs on: F.scaledDotProductAttention (LibTorch's
 * operator on 2.1+, composed on 1.13, whose Python has none) and nn.MultiheadAttention with and
 * without weights (2.1+ scales q by √(1/E), averages heads with mean() and, without weights, calls
 * scaled_dot_product_attention). Compared live with that Python, bit for bit (1.13 here; 2.6 in
 * tools/matrix.sh's root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { nn } from '../lib/index.js';
import { pythonRunsOurLibTorch, runGoldenLive, PYTHON } from './helpers.js';

interface Golden {
  torch: string;
  q: number[];
  k: number[];
  v: number[];
  m: number[];
  bm: boolean[];
  x: number[];
  kpm: boolean[];
  am: number[];
  state: Record<string, number[]>;
  out: Record<string, number[] | null>;
}

const skip = pythonRunsOurLibTorch() ? false : `${PYTHON}'s torch is not LibTorch ${torch.version.libtorch}, which torchnode runs`;

test('scaledDotProductAttention and MultiheadAttention equal the Python of this LibTorch bit for bit', { skip }, () => {
  const g = runGoldenLive<Golden>('attention_versions.py');
  const F = nn.functional;
  torch.tidy(() => {
    const [q, k, v, m, x, am] = [g.q, g.k, g.v, g.m, g.x, g.am].map((a) => torch.tensor(a));
    const [bm, kpm] = [g.bm, g.kpm].map((a) => torch.tensor(a, { dtype: 'bool' }));
    const ours: Record<string, torch.Tensor | null> = {
      sdpa: F.scaledDotProductAttention(q, k, v),
      sdpa_mask: F.scaledDotProductAttention(q, k, v, { attnMask: m }),
      sdpa_bool: F.scaledDotProductAttention(q, k, v, { attnMask: bm }),
      sdpa_causal_scale: F.scaledDotProductAttention(q, k, v, { isCausal: true, scale: 0.3 }),
    };
    const mha = new nn.MultiheadAttention(8, 2);
    mha.loadStateDict(Object.fromEntries(Object.entries(g.state).map(([name, t]) => [name, torch.tensor(t)])));
    torch.noGrad(() => {
      for (const nw of [true, false]) {
        const [o, w] = mha.forward(x, x, x, { needWeights: nw, keyPaddingMask: kpm, attnMask: am });
        ours[`mha_${nw ? 'True' : 'False'}`] = o;
        ours[`mha_w_${nw ? 'True' : 'False'}`] = w;
      }
    });
    // 1.13's Python has no scaled_dot_product_attention to compare with.
    assert.deepEqual(
      Object.keys(g.out).sort(),
      Object.keys(ours)
        .filter((name) => name in g.out || !name.startsWith('sdpa'))
        .sort(),
    );
    for (const [name, expected] of Object.entries(g.out)) {
      const t = ours[name];
      if (expected === null) assert.equal(t, null, `${name}: PyTorch ${g.torch} returns None`);
      else assert.deepEqual(Array.from(t!.flatten().dataSync<'float32'>()), expected, `${name} (PyTorch ${g.torch})`);
    }
  });
});
