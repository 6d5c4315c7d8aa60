/**
 * A character-level Transformer language model: token and position embeddings, a causal
 * nn.TransformerEncoder (batchFirst, dropout), a linear head, trained with Adam on a small fixed
 * corpus; then greedy generation. examples/transformer_lm.py is its Python twin: same data,
 * batches, seed and steps, so both print the same losses.
 *   node --import tsx examples/transformer-lm.ts [--steps 200]
 */
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';

const CORPUS =
  'the quick brown fox jumps over the lazy dog. ' +
  'a small transformer learns to spell the words it reads. ' +
  'every step looks back at the characters before it, never ahead. ' +
  'attention weighs the past; the feed-forward layer mixes what it found. ';
const BLOCK = 32; // context length
const BATCH = 8;
const D_MODEL = 32;
const NHEAD = 4;
const LAYERS = 2;
const SEED = 0;

/** Token and position embeddings, a causal TransformerEncoder, a linear head (fields in Python's order). */
class CharLM extends nn.Module {
  tok: nn.Embedding;
  pos: nn.Embedding;
  encoder: nn.TransformerEncoder;
  head: nn.Linear;
  declare mask: Tensor;
  constructor(vocab: number) {
    super();
    this.tok = new nn.Embedding(vocab, D_MODEL);
    this.pos = new nn.Embedding(BLOCK, D_MODEL);
    const layer = new nn.TransformerEncoderLayer(D_MODEL, NHEAD, { dimFeedforward: 4 * D_MODEL, dropout: 0.1, batchFirst: true });
    this.encoder = new nn.TransformerEncoder(layer, LAYERS, new nn.LayerNorm(D_MODEL));
    this.head = new nn.Linear(D_MODEL, vocab);
    // -inf above the diagonal: position i attends to positions <= i.
    this.registerBuffer('mask', nn.Transformer.generateSquareSubsequentMask(BLOCK), { persistent: false });
  }
  override forward(idx: Tensor): Tensor {
    return torch.tidy(() => {
      const t = idx.size(1);
      const x = this.tok
        .call(idx)
        .mul(Math.sqrt(D_MODEL))
        .add(this.pos.call(torch.arange(t)));
      const h = this.encoder.call(x, { mask: this.mask.narrow(0, 0, t).narrow(1, 0, t) });
      return this.head.call(h);
    });
  }
}

/** Deterministic windows: the same starts as the Python twin. */
function batch(data: Tensor, step: number): [Tensor, Tensor] {
  const n = data.numel() - BLOCK - 1;
  const starts = Array.from({ length: BATCH }, (_, b) => ((step * BATCH + b) * 37) % n);
  return [torch.stack(starts.map((s) => data.narrow(0, s, BLOCK))), torch.stack(starts.map((s) => data.narrow(0, s + 1, BLOCK)))];
}

const { values: args } = parseArgs({ options: { steps: { type: 'string', default: process.env.STEPS ?? '200' } } });
const steps = Number(args.steps);
torch.setNumThreads(1);
const chars = [...new Set(CORPUS)].sort();
const stoi = new Map(chars.map((c, i) => [c, i]));
const data = torch.tensor(
  [...CORPUS].map((c) => stoi.get(c) as number),
  { dtype: 'int64' },
);
torch.manualSeed(SEED);
const model = new CharLM(chars.length);
const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
const nParams = model.parameters().reduce((a, p) => a + p.numel(), 0);
console.log(`vocab ${chars.length}, corpus ${CORPUS.length} chars, ${nParams} parameters`);
for (let step = 1; step <= steps; step++) {
  const loss = torch.tidy(() => {
    const [x, y] = batch(data, step);
    const logits = model.call(x);
    const l = nn.F.crossEntropy(logits.reshape(-1, chars.length), y.reshape(-1));
    opt.zeroGrad();
    l.backward();
    opt.step();
    return l.item();
  });
  console.log(`step ${step} loss ${loss}`);
}
model.eval();
let idx = data.narrow(0, 0, 8).unsqueeze(0);
torch.noGrad(() => {
  for (let i = 0; i < 40; i++) {
    const next = torch.tidy(() => {
      const t = idx.size(1);
      const logits = model.call(idx.narrow(1, Math.max(0, t - BLOCK), Math.min(t, BLOCK)));
      return torch.cat([idx, logits.select(1, -1).argmax(-1, { keepdim: true })], 1);
    });
    idx.dispose();
    idx = next;
  }
});
const sample = (idx.select(0, 0).tolist() as number[]).map((i) => chars[i]).join('');
console.log(`sample: '${sample}'`);
