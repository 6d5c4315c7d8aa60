#!/usr/bin/python3
"""Parity fixture for the part-4 port (test/66.part4.parity.test.ts), made with Debian's PyTorch 1.13.

Run: /usr/bin/python3 tools/golden/part4_parity.py  -> test/fixtures/part4_parity.json

It runs Appendix 4's loop (`part4.py`: load_cifar10, SGD lr 0.01 momentum 0, batch 50; every 10
steps the batch's loss and the norm of the first layer's weight gradient, both after backward
and before optimizer.step, zero_grad first) for MLP1 and CNN3 with ReLU and sigmoid, on the
generated CIFAR-format data of tools/golden/part3_parity.py (same DATA_SEED and sizes, so the
TS test writes identical files). Shared convention with the TS port: torch.manual_seed(SEED)
right before each model is built (the original builds all ten unseeded up front); each run
stops after STEPS steps.
"""
import json
import os
import sys
import tempfile

import torch
import torch.nn as nn
import torch.optim as optim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import part3_parity as p3  # noqa: E402  (the data generator and load_cifar10 of Appendix 3)
from appendix4 import MLP1, CNN3  # noqa: E402  (Appendix 4's classes; part3_parity put reference/ on the path)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'part4_parity.json')
SEED = 11
STEPS = 50
RUNS = [('mlp_1', 'relu'), ('mlp_1', 'sigmoid'), ('cnn_3', 'relu'), ('cnn_3', 'sigmoid')]

torch.set_num_threads(1)


# ---- Appendix 4's loop ----------------------------------------------------------------------

def compute_gradient_magnitude(layer):
    if layer.weight.grad is None:
        return 0.0
    return layer.weight.grad.norm().item()


def train_activation_model(model, first_layer, train_loader, epochs=15, max_steps=STEPS):
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.0)
    loss_curve, grad_curve = [], []
    step_count = 0
    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            outputs = model(x)
            loss = criterion(outputs, y)
            loss.backward()
            step_count += 1
            # record every 10 steps
            if step_count % 10 == 0:
                loss_curve.append(loss.item())
                grad_curve.append(compute_gradient_magnitude(first_layer))
            optimizer.step()
            if step_count >= max_steps:
                break
        if step_count >= max_steps:
            break
    return loss_curve, grad_curve


def main():
    ctors = {'mlp_1': (MLP1, 'fc1'), 'cnn_3': (CNN3, 'conv1')}
    results = {}
    with tempfile.TemporaryDirectory() as root:
        digests = p3.generate(root)
        train_loader, _, _ = p3.load_cifar10(root, batch_size=50)
        for name, activation in RUNS:
            torch.manual_seed(SEED)  # the seed convention shared with the TS port
            ctor, first = ctors[name]
            model = ctor(activation)
            loss_curve, grad_curve = train_activation_model(model, getattr(model, first), train_loader)
            results.setdefault(name, {})[activation + '_loss_curve'] = loss_curve
            results[name][activation + '_grad_curve'] = grad_curve
    out = {
        'torch': torch.__version__, 'data_seed': p3.DATA_SEED, 'n_train': p3.N_TRAIN, 'n_test': p3.N_TEST,
        'seed': SEED, 'steps': STEPS, 'sha256': digests, 'results': results,
    }
    # An explicit path (the parity tests run this live, on the test's own machine) or the fixture.
    path = sys.argv[1] if len(sys.argv) > 1 else OUT
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes', file=sys.stderr)


if __name__ == '__main__':
    main()
