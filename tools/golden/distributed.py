"""Goldens for torchnode.distributed: DistributedSampler index assignment (PyTorch 1.13).

Run: /usr/bin/python3 tools/golden/distributed.py  -> test/fixtures/distributed_sampler.json
"""
import json
import os

import torch
from torch.utils.data.distributed import DistributedSampler


class Sized:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


cases = []
for n in [0, 1, 7, 10, 17, 100]:
    for replicas in [1, 2, 3, 4]:
        for shuffle in [True, False]:
            for drop_last in [False, True]:
                for seed, epoch in [(0, 0), (0, 3), (42, 1)]:
                    if not shuffle and (seed, epoch) != (0, 0):
                        continue
                    ranks = []
                    for rank in range(replicas):
                        s = DistributedSampler(Sized(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                               seed=seed, drop_last=drop_last)
                        s.set_epoch(epoch)
                        ranks.append({"len": len(s), "indices": list(iter(s))})
                    cases.append({"n": n, "numReplicas": replicas, "shuffle": shuffle, "dropLast": drop_last,
                                  "seed": seed, "epoch": epoch, "ranks": ranks})

out = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "distributed_sampler.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {out}")
