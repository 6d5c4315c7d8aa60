#!/usr/bin/python3
"""Parity fixture for the part-3 port (test/62.part3.parity.test.ts), made with Debian's PyTorch 1.13.

Run: /usr/bin/python3 tools/golden/part3_parity.py  -> test/fixtures/part3_parity.json

It runs Appendix 3's code (`part3.py`: load_cifar10 with torchvision's CIFAR10, random_split with
manual_seed(42), DataLoaders with batch 50, the Adam 1e-3 loop with its every-10-steps records,
evaluate_model) on a small generated data set in CIFAR-10's on-disk formats, with one change
that the TS port shares: torch.manual_seed(SEED) right before each model is built (the original
builds all models unseeded at import time), and the loop stops after STEPS steps.

The data: a torch.Generator seeded with DATA_SEED draws, in this order, class prototypes
randint(0, 12, (10, 3072)), then for the training set labels randint(0, 10, (1000,)) and noise
randint(0, 244, (1000, 3072)), then the same for the test set (200); an image is
prototype[label] + noise as uint8, row-major R, G, B planes of 32x32 (CIFAR's layout): a faint
class signal in strong noise, so learning takes a while.
Integer draws from a seeded generator are the same bytes in LibTorch, so the TS test writes
identical files itself (checked through the sha256 stored here). Files are written both as
cifar-10-batches-bin (what torchnode reads) and cifar-10-batches-py (what torchvision reads).
"""
import hashlib
import json
import os
import pickle
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
import torchvision
import torchvision.transforms as transforms
from torch.utils.data import random_split, DataLoader

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'reference'))
from appendix3 import MLP1, CNN3, evaluate_model  # noqa: E402  (Appendix 3's classes, verbatim)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'part3_parity.json')
DATA_SEED = 2024
N_TRAIN, N_TEST = 1000, 200
SEED = 7
STEPS = 100
MODELS = ['mlp_1', 'cnn_3']

torch.set_num_threads(1)


def generate(root):
    """Writes the data set in both formats under root; returns sha256 of the binary files."""
    g = torch.Generator().manual_seed(DATA_SEED)
    proto = torch.randint(0, 12, (10, 3072), generator=g)
    splits = {}
    for split, n in (('train', N_TRAIN), ('test', N_TEST)):
        labels = torch.randint(0, 10, (n,), generator=g)
        noise = torch.randint(0, 244, (n, 3072), generator=g)
        images = (proto.index_select(0, labels) + noise).to(torch.uint8)
        splits[split] = (images.numpy(), labels.numpy().astype(np.uint8))
    names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']
    binDir = os.path.join(root, 'cifar-10-batches-bin')
    pyDir = os.path.join(root, 'cifar-10-batches-py')
    os.makedirs(binDir)
    os.makedirs(pyDir)
    digests = {}
    per = N_TRAIN // 5
    files = [('data_batch_%d' % (i + 1), 'train', i * per, (i + 1) * per) for i in range(5)] + [('test_batch', 'test', 0, N_TEST)]
    for name, split, a, b in files:
        images, labels = splits[split]
        rec = np.concatenate([labels[a:b, None], images[a:b]], axis=1)
        raw = rec.tobytes()
        with open(os.path.join(binDir, name + '.bin'), 'wb') as f:
            f.write(raw)
        digests[name + '.bin'] = hashlib.sha256(raw).hexdigest()
        with open(os.path.join(pyDir, name), 'wb') as f:
            pickle.dump({'batch_label': name, 'labels': [int(v) for v in labels[a:b]], 'data': images[a:b].copy(),
                         'filenames': ['%s_%d.png' % (split, i) for i in range(a, b)]}, f)
    with open(os.path.join(binDir, 'batches.meta.txt'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    with open(os.path.join(pyDir, 'batches.meta'), 'wb') as f:
        pickle.dump({'label_names': names, 'num_cases_per_batch': per, 'num_vis': 3072}, f)
    return digests


class CIFAR10(torchvision.datasets.CIFAR10):
    """torchvision's CIFAR10 unchanged, except that the generated files have no official md5."""

    def _check_integrity(self):
        return True

    def _load_meta(self):
        with open(os.path.join(self.root, self.base_folder, self.meta['filename']), 'rb') as infile:
            self.classes = pickle.load(infile, encoding='latin1')[self.meta['key']]
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}


# ---- Appendix 3, with the seed convention ----------------------------------------------------

def load_cifar10(root, batch_size=50):
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.4914, 0.4822, 0.4465),
                             (0.247, 0.243, 0.261))])
    full_trainset = CIFAR10(root=root, train=True, download=False, transform=transform)
    testset = CIFAR10(root=root, train=False, download=False, transform=transform)
    total_train = len(full_trainset)
    val_count = int(0.1 * total_train)
    train_count = total_train - val_count
    train_subset, val_subset = random_split(
        full_trainset, [train_count, val_count],
        generator=torch.Generator().manual_seed(42))
    train_loader = DataLoader(train_subset, batch_size=batch_size, shuffle=True, drop_last=False)
    val_loader = DataLoader(val_subset, batch_size=batch_size, shuffle=False, drop_last=False)
    test_loader = DataLoader(testset, batch_size=batch_size, shuffle=False, drop_last=False)
    return train_loader, val_loader, test_loader


def train(name, ctor, loaders, device, epochs=15, max_steps=STEPS):
    train_loader, val_loader, test_loader = loaders
    torch.manual_seed(SEED)  # the seed convention shared with the TS port
    model = ctor()
    model.to(device)
    initial = {k: float(v.double().sum()) for k, v in model.state_dict().items()}
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    loss_curve, train_acc_curve, val_acc_curve = [], [], []
    step_count = 0
    for epoch in range(epochs):
        model.train()
        correct = 0
        total = 0
        running_loss = 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            outputs = model(x)
            loss = criterion(outputs, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            _, preds = torch.max(outputs.data, 1)
            total += y.size(0)
            correct += (preds == y).sum().item()
            step_count += 1
            if step_count % 10 == 0:
                train_loss = running_loss / 10
                train_acc = 100.0 * correct / total
                loss_curve.append(train_loss)
                train_acc_curve.append(train_acc)
                val_acc = evaluate_model(model, val_loader, device)
                val_acc_curve.append(val_acc)
                running_loss = 0.0
            if step_count >= max_steps:
                break
        if step_count >= max_steps:
            break
    test_acc = evaluate_model(model, test_loader, device)
    weights = (model.fc1 if 'mlp' in name else model.conv1).weight.data
    return {'name': name, 'loss_curve': loss_curve, 'train_acc_curve': train_acc_curve,
            'val_acc_curve': val_acc_curve, 'test_acc': test_acc, 'steps': step_count,
            'initial_param_sums': initial, 'weights_shape': list(weights.shape),
            'weights_sum': float(weights.double().sum()), 'weights_abs_sum': float(weights.double().abs().sum())}


def main():
    # PARITY_DEVICE=cuda: the same run on the GPU (test/62's CUDA test; the fixture is the CPU's),
    # with cuDNN's deterministic algorithms (its default ones may sum in any order).
    device = torch.device(os.environ.get('PARITY_DEVICE', 'cpu'))
    if device.type == 'cuda':
        torch.backends.cudnn.deterministic = True
    ctors = {'mlp_1': MLP1, 'cnn_3': CNN3}
    with tempfile.TemporaryDirectory() as root:
        digests = generate(root)
        loaders = load_cifar10(root, batch_size=50)
        # Sanity: the split and the first normalised image, so a data-side mismatch shows first.
        train_subset = loaders[0].dataset
        first = train_subset[0][0]
        results = {name: train(name, ctors[name], loaders, device) for name in MODELS}
    out = {
        'torch': torch.__version__, 'torchvision': torchvision.__version__,
        'data_seed': DATA_SEED, 'n_train': N_TRAIN, 'n_test': N_TEST, 'seed': SEED, 'steps': STEPS,
        'sha256': digests,
        'train_indices_head': [int(i) for i in train_subset.indices[:20]],
        'val_indices_head': [int(i) for i in loaders[1].dataset.indices[:20]],
        'first_train_image_sum': float(first.double().sum()), 'first_train_label': int(train_subset[0][1]),
        'results': results,
    }
    # An explicit path (the parity tests run this live, on the test's own machine) or the fixture.
    path = sys.argv[1] if len(sys.argv) > 1 else OUT
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes', file=sys.stderr)


if __name__ == '__main__':
    main()
