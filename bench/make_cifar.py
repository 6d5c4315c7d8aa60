"""Writes a generated CIFAR-10 look-alike in the python on-disk format (cifar-10-batches-py:
pickled dicts with b'data' uint8 [n, 3072] and b'labels'), so that both sides of the data
benchmarks read the same files: torchvision.datasets.CIFAR10 on the Python side (the appendix
code verbatim), lib/data's CIFAR10 on the TS side.

Usage: python3 bench/make_cifar.py ROOT N_TRAIN   (N_TRAIN a multiple of 5; the test batch has 100 images)
"""
import os
import pickle
import sys

import numpy as np


def main(root, n_train):
    rng = np.random.default_rng(0)
    d = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(d, exist_ok=True)
    per = n_train // 5
    for name, n in [("data_batch_%d" % (i + 1), per) for i in range(5)] + [("test_batch", 100)]:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        # Protocol 3 stores the pixels as raw bytes, as the real files (Python 2 cPickle) do;
        # Python 3's protocol 2 would write them as UTF-8 text through _codecs.encode (1.5x
        # larger, and both readers would pay for decoding it).
        with open(os.path.join(d, name), "wb") as f:
            pickle.dump({"batch_label": name, "labels": labels, "data": data}, f, protocol=3)
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    with open(os.path.join(d, "batches.meta"), "wb") as f:
        pickle.dump({"label_names": names, "num_cases_per_batch": per, "num_vis": 3072}, f, protocol=2)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
