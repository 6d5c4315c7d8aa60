"""The homework's data pipeline in PyTorch Python (Appendix 3's code), the same work as bench/data.ts:
load_cifar10 with torchvision's CIFAR10 over the generated files in $BENCH_CIFAR_ROOT
(bench/make_cifar.py), the loader alone, each model's train step with data loading and its
validation pass over the validation loader (evaluate_model), and part 3's
CNN3 epoch end to end (validation every 10 steps with evaluate_model)."""
import os
import pickle
import sys

import torch
import torch.nn as nn
import torch.optim as optim
import torchvision
import torchvision.transforms as transforms
from torch.utils.data import DataLoader, random_split

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'reference'))
from harness import emit, timeit  # noqa: E402
from appendix3 import MODELS, evaluate_model  # noqa: E402

torch.set_num_threads(1)
scale = float(os.environ.get("BENCH_SCALE", "1"))
root = os.environ["BENCH_CIFAR_ROOT"]
device = "cpu"


class CIFAR10(torchvision.datasets.CIFAR10):
    """torchvision's CIFAR10 unchanged, except that the generated files have no official md5."""

    def _check_integrity(self):
        return True

    def _load_meta(self):
        with open(os.path.join(self.root, self.base_folder, self.meta["filename"]), "rb") as infile:
            self.classes = pickle.load(infile, encoding="latin1")[self.meta["key"]]
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}


def load_cifar10(batch_size=50):
    """Appendix 3's load_cifar10 (training and validation loaders)."""
    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.4914, 0.4822, 0.4465),
                             (0.247, 0.243, 0.261))])
    full_trainset = CIFAR10(root=root, train=True, download=False, transform=transform)
    total_train = len(full_trainset)
    val_count = int(0.1 * total_train)
    train_count = total_train - val_count
    train_subset, val_subset = random_split(
        full_trainset, [train_count, val_count],
        generator=torch.Generator().manual_seed(42))
    train_loader = DataLoader(train_subset, batch_size=batch_size, shuffle=True, drop_last=False)
    val_loader = DataLoader(val_subset, batch_size=batch_size, shuffle=False, drop_last=False)
    return train_loader, val_loader


torch.manual_seed(0)
train_loader, val_loader = load_cifar10()
n_batches = len(train_loader)


def batches():
    it = [iter(train_loader)]

    def next_batch():
        try:
            return next(it[0])
        except StopIteration:
            it[0] = iter(train_loader)
            return next(it[0])
    return next_batch


def loader_epoch():
    for x, y in train_loader:
        pass


res = []
m = timeit("loader epoch b50 shuffle (batches/s)", loader_epoch, 1, blocks=3)
m["median"] /= n_batches
m["cpuMedian"] /= n_batches
m["samples"] = [v / n_batches for v in m["samples"]]
res.append(m)


def train_step(model, criterion, optimizer, x, y, acc):
    x, y = x.to(device), y.to(device)
    outputs = model(x)
    loss = criterion(outputs, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    acc["running"] += loss.item()
    _, preds = torch.max(outputs.data, 1)
    acc["total"] += y.size(0)
    acc["correct"] += (preds == y).sum().item()


for name, cls in MODELS.items():
    torch.manual_seed(0)
    model = cls()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    model.train()
    next_batch = batches()
    acc = {"running": 0.0, "correct": 0, "total": 0}

    def step():
        x, y = next_batch()
        train_step(model, criterion, optimizer, x, y, acc)

    res.append(timeit(f"{name} train step b50 + data", step, max(1, int(40 * scale))))
    # The full validation pass as part 3 runs it: evaluate_model over the validation loader.
    res.append(timeit(f"{name} validation {len(val_loader.dataset)} + data",
                      lambda: evaluate_model(model, val_loader, device), 1, blocks=3))


def part3_epoch():
    """Appendix 3's training loop for one epoch of CNN3."""
    torch.manual_seed(0)
    model = MODELS["cnn_3"]()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001)
    loss_curve, train_acc_curve, val_acc_curve = [], [], []
    step_count = 0
    model.train()
    acc = {"running": 0.0, "correct": 0, "total": 0}
    for x, y in train_loader:
        train_step(model, criterion, optimizer, x, y, acc)
        step_count += 1
        if step_count % 10 == 0:
            loss_curve.append(acc["running"] / 10)
            train_acc_curve.append(100.0 * acc["correct"] / acc["total"])
            val_acc_curve.append(evaluate_model(model, val_loader, device))
            acc["running"] = 0.0


res.append(timeit(f"cnn_3 part-3 epoch ({n_batches} steps, val every 10)", part3_epoch, 1, blocks=1, warmup=0))
emit(res)
