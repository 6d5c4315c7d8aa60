#!/usr/bin/python3
"""PyTorch 1.13's DataLoader with worker processes, the reference of test/58.data.workers.test.ts
(run live there, since it needs a data folder the test shares).

Run: /usr/bin/python3 tools/golden/data_workers.py OUT.json ROOT
  -> writes a small CIFAR-10 (python pickles: 5 train batches of 20 images, a test batch of 10)
     under ROOT/cifar-10-batches-py, then records what DataLoader(num_workers>0) yields:
  cifar:  torchvision's CIFAR10 with RandomCrop(32, padding=4), RandomHorizontalFlip(),
          ToTensor(), Normalize; shuffle, batch 16, num_workers=2, two epochs: labels and the
          images' float32 bytes (base64) per batch, and torch.rand(1) in the main process after.
  probe:  a dataset whose items are (i, worker id, worker seed, torch.rand(1)) under several
          loader settings (generator, worker_init_fn, persistent_workers, prefetch_factor,
          three workers, batch_size=None is not used).
"""
import base64
import json
import os
import pickle
import sys

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from torch.utils.data import DataLoader, Dataset, get_worker_info

out_path, root = sys.argv[1], sys.argv[2]

# ---- a small CIFAR-10 in the python layout ------------------------------------------------------
folder = os.path.join(root, 'cifar-10-batches-py')
os.makedirs(folder, exist_ok=True)
rng = np.random.RandomState(58)


def write_batch(name, n):
    d = {'data': rng.randint(0, 256, size=(n, 3072)).astype(np.uint8), 'labels': [int(v) for v in rng.randint(0, 10, size=n)]}
    with open(os.path.join(folder, name), 'wb') as f:
        pickle.dump(d, f, protocol=2)


for i in range(1, 6):
    write_batch('data_batch_%d' % i, 20)
write_batch('test_batch', 10)
with open(os.path.join(folder, 'batches.meta'), 'wb') as f:
    pickle.dump({'label_names': [c for c in ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']]}, f, protocol=2)


class SmallCIFAR10(torchvision.datasets.CIFAR10):
    # The files are not the official ones: skip torchvision's MD5 checks.
    def _check_integrity(self):
        return True

    def _load_meta(self):
        self.classes = ['c%d' % i for i in range(10)]
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}


G = {}

transform = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))])
cifar = SmallCIFAR10(root, train=True, transform=transform)
torch.manual_seed(2024)
loader = DataLoader(cifar, batch_size=16, shuffle=True, num_workers=2)
epochs = []
for _ in range(2):
    epochs.append([{'labels': y.tolist(), 'x': base64.b64encode(x.numpy().astype('<f4').tobytes()).decode()} for x, y in loader])
G['cifar'] = {'epochs': epochs, 'after': torch.rand(1).item()}


# ---- the probe dataset ----------------------------------------------------------------------------
class Probe(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return i, info.id, info.seed, torch.rand(1)


def init_fn(worker_id):
    torch.manual_seed(1000 + worker_id)


def run(case, epochs=1, **kw):
    torch.manual_seed(case.pop('seed'))
    if 'generator_seed' in case:
        kw['generator'] = torch.Generator().manual_seed(case.pop('generator_seed'))
    loader = DataLoader(Probe(case.pop('n')), **kw)
    res = []
    for _ in range(epochs):
        batches = []
        for i, wid, seed, r in loader:
            batches.append({'i': i.tolist(), 'id': wid.tolist(), 'seed': [str(s) for s in seed.tolist()], 'rand': r.flatten().tolist()})
        res.append(batches)
    return {'epochs': res, 'after': torch.rand(1).item()}


G['probe'] = {
    'plain': run({'seed': 5, 'n': 10}, batch_size=2, shuffle=True, num_workers=2),
    'generator': run({'seed': 5, 'n': 9, 'generator_seed': 7}, batch_size=2, shuffle=True, num_workers=2),
    'init_fn': run({'seed': 6, 'n': 8}, batch_size=2, num_workers=2, worker_init_fn=init_fn),
    'three_prefetch1': run({'seed': 8, 'n': 11}, batch_size=2, shuffle=True, num_workers=3, prefetch_factor=1),
    'persistent': run({'seed': 9, 'n': 8}, epochs=2, batch_size=2, shuffle=True, num_workers=2, persistent_workers=True),
    'not_persistent': run({'seed': 9, 'n': 8}, epochs=2, batch_size=2, shuffle=True, num_workers=2),
}

with open(out_path, 'w') as f:
    json.dump(G, f)
