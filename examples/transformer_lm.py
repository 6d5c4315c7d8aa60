#!/usr/bin/python3
"""Python twin of examples/transformer-lm.ts: the same character-level Transformer language model,
data, batches, seed and steps, so both print the same losses (test/92.examples.transformer).

  /usr/bin/python3 examples/transformer_lm.py [--steps 200]
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

CORPUS = (
    'the quick brown fox jumps over the lazy dog. '
    'a small transformer learns to spell the words it reads. '
    'every step looks back at the characters before it, never ahead. '
    'attention weighs the past; the feed-forward layer mixes what it found. '
)
BLOCK = 32  # context length
BATCH = 8
D_MODEL = 32
NHEAD = 4
LAYERS = 2
SEED = 0


class CharLM(nn.Module):
    """Token and position embeddings, a causal TransformerEncoder, a linear head."""

    def __init__(self, vocab):
        super().__init__()
        self.tok = nn.Embedding(vocab, D_MODEL)
        self.pos = nn.Embedding(BLOCK, D_MODEL)
        layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, dim_feedforward=4 * D_MODEL, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, norm=nn.LayerNorm(D_MODEL))
        self.head = nn.Linear(D_MODEL, vocab)
        self.register_buffer('mask', nn.Transformer.generate_square_subsequent_mask(BLOCK), persistent=False)

    def forward(self, idx):
        t = idx.size(1)
        x = self.tok(idx) * math.sqrt(D_MODEL) + self.pos(torch.arange(t))
        x = self.encoder(x, mask=self.mask[:t, :t])
        return self.head(x)


def batch(data, step):
    """Deterministic windows: the same starts in TS (plain integer arithmetic)."""
    n = data.numel() - BLOCK - 1
    starts = [(step * BATCH + b) * 37 % n for b in range(BATCH)]
    x = torch.stack([data[s:s + BLOCK] for s in starts])
    y = torch.stack([data[s + 1:s + 1 + BLOCK] for s in starts])
    return x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--steps', type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    chars = sorted(set(CORPUS))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in CORPUS], dtype=torch.int64)
    torch.manual_seed(SEED)
    model = CharLM(len(chars))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    print(f'vocab {len(chars)}, corpus {len(CORPUS)} chars, {sum(p.numel() for p in model.parameters())} parameters')
    for step in range(1, args.steps + 1):
        x, y = batch(data, step)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f'step {step} loss {loss.item()!r}')
    model.eval()
    idx = data[:8].unsqueeze(0)
    with torch.no_grad():
        for _ in range(40):
            logits = model(idx[:, -BLOCK:])
            nxt = logits[:, -1].argmax(-1, keepdim=True)
            idx = torch.cat([idx, nxt], dim=1)
    print('sample:', repr(''.join(chars[i] for i in idx[0].tolist())))


if __name__ == '__main__':
    main()
