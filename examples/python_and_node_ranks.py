#!/usr/bin/python3
"""The Python rank of examples/python-and-node-ranks.ts: plain torch.distributed and
torch.nn.parallel.DistributedDataParallel, nothing torchnode-specific. It joins the same gloo group
as the Node rank(s) and trains the same model on its share of each batch.
    MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 RANK=1 WORLD_SIZE=2 USE_LIBUV=0 \\
        /usr/bin/python3 examples/python_and_node_ranks.py [--steps 20]
Prints the final parameters as one JSON line: {"rank": 1, "params": [...]}.
"""
import argparse
import datetime
import json

import torch
import torch.distributed as dist
import torch.nn.functional as F

N = 64  # samples per step, split evenly across the ranks


def data(world, rank):
    # The same float32 numbers in Node and Python (exact in binary), this rank's contiguous share.
    x = torch.tensor([[((i * 3 + j * 7) % 13 - 6) / 4 for j in range(10)] for i in range(N)])
    w = torch.tensor([[(j % 5 - 2) / 2] for j in range(10)])
    y = x @ w + 0.5
    per = N // world
    return x[rank * per : (rank + 1) * per], y[rank * per : (rank + 1) * per]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    args = ap.parse_args()
    # env://: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE. Rank 0 (here the Node rank) hosts the store.
    dist.init_process_group("gloo", init_method="env://", timeout=datetime.timedelta(seconds=60))
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(rank)  # differs per rank: DDP starts every rank from rank 0's weights
    model = torch.nn.Linear(10, 1)
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = data(world, rank)
    for step in range(args.steps):
        opt.zero_grad()
        loss = F.mse_loss(ddp(x), y)
        loss.backward()  # DDP averages the gradients with the other ranks, Node ones included
        opt.step()
    params = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).tolist()
    print(json.dumps({"rank": rank, "params": params}), flush=True)
    dist.destroy_process_group()


main()
