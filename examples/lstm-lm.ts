/**
 * A small word-level LSTM language model: Embedding → 2-layer LSTM (dropout between the layers)
 * → Linear, CrossEntropyLoss, SGD with momentum, clipGradNorm_, truncated back-propagation
 * through time (the hidden state is carried across batches, detached).
 *   node --import tsx examples/lstm-lm.ts [--steps 200]
 * examples/lstm_lm.py is the same program in PyTorch: with the same seed both print the same
 * losses, step for step (test/92.examples.lstm.test.ts checks it).
 */
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import { nn, optim, type Tensor } from '../lib/index.js';

const CORPUS = `
the cat sat on the mat . the dog sat on the log . the cat saw the dog and the dog saw the cat .
a bird sang in the tree and the cat looked up at the bird . the dog ran to the tree .
the bird flew from the tree to the roof . the cat sat on the roof and the bird flew away .
in the morning the dog ate and the cat slept on the mat . in the evening the bird sang again .
the cat and the dog sat by the fire . the fire was warm and the night was cold .
the bird slept in the tree . the dog slept by the door . the cat did not sleep .
the cat watched the door and the dog watched the cat . then the morning came again .
`;

const [EMBED, HIDDEN, LAYERS, DROPOUT] = [16, 32, 2, 0.2];
const [BATCH, BPTT] = [4, 8];
const [LR, MOMENTUM, CLIP] = [0.5, 0.9, 0.5];

/** Field for field as the Python class, so parameters are created (and drawn) in the same order. */
class LSTMLM extends nn.Module {
  embed: nn.Embedding;
  lstm: nn.LSTM;
  head: nn.Linear;
  constructor(vocab: number) {
    super();
    this.embed = new nn.Embedding(vocab, EMBED);
    this.lstm = new nn.LSTM(EMBED, HIDDEN, { numLayers: LAYERS, dropout: DROPOUT });
    this.head = new nn.Linear(HIDDEN, vocab);
  }
  override forward(x: Tensor, state: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const [out, next] = this.lstm.call(this.embed.call(x), state);
    return [this.head.call(out), next];
  }
}

const { values: args } = parseArgs({ options: { steps: { type: 'string', default: '200' } } });
const steps = Number(args.steps);

const words = CORPUS.split(/\s+/).filter((w) => w !== '');
const vocab = [...new Set(words)].sort();
const index = new Map(vocab.map((w, i) => [w, i]));
const ids = torch.tensor(
  words.map((w) => index.get(w) as number),
  { dtype: 'int64' },
);
console.log(`corpus: ${words.length} tokens, ${vocab.length} words`);

// [L, BATCH]: BATCH parallel streams through the corpus, as PyTorch's word_language_model.
const n = Math.floor(ids.size(0) / BATCH);
const data = torch.keep(
  ids
    .index(torch.slice(0, n * BATCH))
    .view(BATCH, n)
    .t()
    .contiguous(),
);
const windows = Math.floor((n - 1) / BPTT);

torch.manualSeed(0);
const model = new LSTMLM(vocab.length);
const criterion = new nn.CrossEntropyLoss();
const opt = new optim.SGD(model.parameters(), { lr: LR, momentum: MOMENTUM });
model.train();
let state: [Tensor, Tensor] | null = null;
for (let step = 0; step < steps; step++) {
  const w = step % windows;
  if (w === 0) {
    torch.dispose(state);
    state = null; // a new pass over the corpus starts from zeros
  }
  // tidy frees the step's intermediates; the detached state and the loss value leave it.
  const [loss, next] = torch.tidy(() => {
    const x = data.index(torch.slice(w * BPTT, (w + 1) * BPTT));
    const y = data.index(torch.slice(w * BPTT + 1, (w + 1) * BPTT + 1));
    const [logits, s] = model.call(x, state);
    const l = criterion.call(logits.view(-1, vocab.length), y.reshape(-1));
    opt.zeroGrad();
    l.backward();
    nn.utils.clipGradNorm_(model.parameters(), CLIP);
    opt.step();
    return [l.item(), [s[0].detach(), s[1].detach()] as [Tensor, Tensor]] as const;
  });
  torch.dispose(state);
  state = next;
  console.log(`step ${step + 1} loss ${loss}`);
}

model.eval();
const acc = torch.tidy(() =>
  torch.noGrad(() => {
    const [logits] = model.call(data.index(torch.slice(0, BPTT)));
    return logits
      .argmax(-1)
      .eq(data.index(torch.slice(1, BPTT + 1)))
      .float()
      .mean()
      .item();
  }),
);
console.log(`eval next-word accuracy on the first window: ${acc}`);
