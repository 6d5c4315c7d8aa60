#!/usr/bin/python3
"""A small word-level LSTM language model, the Python twin of examples/lstm-lm.ts: same corpus,
model, seed and training loop, so both print the same losses step for step.
  /usr/bin/python3 examples/lstm_lm.py [--steps 200]

Embedding -> 2-layer LSTM (dropout between the layers) -> Linear, CrossEntropyLoss, SGD with
momentum, clip_grad_norm_, truncated back-propagation through time (the hidden state is carried
across batches, detached).
"""
import argparse

import torch
import torch.nn as nn

CORPUS = """
the cat sat on the mat . the dog sat on the log . the cat saw the dog and the dog saw the cat .
a bird sang in the tree and the cat looked up at the bird . the dog ran to the tree .
the bird flew from the tree to the roof . the cat sat on the roof and the bird flew away .
in the morning the dog ate and the cat slept on the mat . in the evening the bird sang again .
the cat and the dog sat by the fire . the fire was warm and the night was cold .
the bird slept in the tree . the dog slept by the door . the cat did not sleep .
the cat watched the door and the dog watched the cat . then the morning came again .
"""

EMBED, HIDDEN, LAYERS, DROPOUT = 16, 32, 2, 0.2
BATCH, BPTT = 4, 8
LR, MOMENTUM, CLIP = 0.5, 0.9, 0.5


def tokenize(text):
    return text.split()


class LSTMLM(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, EMBED)
        self.lstm = nn.LSTM(EMBED, HIDDEN, num_layers=LAYERS, dropout=DROPOUT)
        self.head = nn.Linear(HIDDEN, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=200)
    args = ap.parse_args()

    words = tokenize(CORPUS)
    vocab = sorted(set(words))
    index = {w: i for i, w in enumerate(vocab)}
    ids = torch.tensor([index[w] for w in words], dtype=torch.int64)
    print(f'corpus: {len(words)} tokens, {len(vocab)} words')

    # [L, BATCH]: BATCH parallel streams through the corpus, as PyTorch's word_language_model.
    n = ids.size(0) // BATCH
    data = ids[:n * BATCH].view(BATCH, n).t().contiguous()
    windows = (n - 1) // BPTT

    torch.manual_seed(0)
    model = LSTMLM(len(vocab))
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    model.train()
    state = None
    for step in range(args.steps):
        w = step % windows
        if w == 0:
            state = None  # a new pass over the corpus starts from zeros
        x = data[w * BPTT:(w + 1) * BPTT]
        y = data[w * BPTT + 1:(w + 1) * BPTT + 1]
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = criterion(logits.view(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        print(f'step {step + 1} loss {loss.item()!r}')

    model.eval()
    with torch.no_grad():
        logits, _ = model(data[:BPTT])
        pred = logits.argmax(-1)
        acc = (pred == data[1:BPTT + 1]).float().mean().item()
    print(f'eval next-word accuracy on the first window: {acc!r}')


if __name__ == '__main__':
    main()
