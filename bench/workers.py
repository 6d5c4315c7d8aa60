"""DataLoader worker processes on the homework's pipeline, the same work as bench/workers.ts: one
epoch of the training loader (torchvision's CIFAR10 from $BENCH_CIFAR_ROOT, batch 50, shuffled)
with num_workers 0 and 2 (and 2 persistent), for Appendix 3's transform and for RandomCrop +
RandomHorizontalFlip before it. Rows are per batch, in wall time on both clocks (see workers.ts)."""
import os
import pickle
import sys

import torch
import torchvision
import torchvision.transforms as transforms
from torch.utils.data import DataLoader

sys.path.insert(0, os.path.dirname(__file__))
from harness import emit, timeit  # noqa: E402

torch.set_num_threads(1)
root = os.environ["BENCH_CIFAR_ROOT"]


class CIFAR10(torchvision.datasets.CIFAR10):
    """torchvision's CIFAR10 unchanged, except that the generated files have no official md5."""

    def _check_integrity(self):
        return True

    def _load_meta(self):
        with open(os.path.join(self.root, self.base_folder, self.meta["filename"]), "rb") as infile:
            self.classes = pickle.load(infile, encoding="latin1")[self.meta["key"]]
        self.class_to_idx = {_class: i for i, _class in enumerate(self.classes)}


def normalize():
    return transforms.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))


pipelines = [
    ("ToTensor+Normalize", lambda: transforms.Compose([transforms.ToTensor(), normalize()])),
    ("RandomCrop+Flip+ToTensor+Normalize", lambda: transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize()])),
]

res = []
for label, transform in pipelines:
    dataset = CIFAR10(root=root, train=True, download=False, transform=transform())
    for workers, persistent in [(0, False), (2, False), (2, True)]:
        torch.manual_seed(0)
        loader = DataLoader(dataset, batch_size=50, shuffle=True, num_workers=workers, persistent_workers=persistent)
        n = len(loader)

        def epoch():
            for _ in loader:
                pass

        m = timeit(f"{label} workers={workers}{' persistent' if persistent else ''} (per batch)", epoch, 1, blocks=3)
        m["median"] /= n
        m["cpuMedian"] = m["median"]
        m["samples"] = [v / n for v in m["samples"]]
        res.append(m)
        del loader
emit(res)
