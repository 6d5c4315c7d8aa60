# A Python rank of test/77.distributed.ddp.test.ts, the mirror of test/77.distributed.ddp.worker.ts:
# PyTorch DDP training of a small net with no_sync micro-batches (mode 'nosync') or with a branch
# some ranks skip in some steps, under find_unused_parameters=True (mode 'unused'), or with
# BatchNorm and an evaluation forward every other step (mode 'buffers'). Prints one JSON line with
# the parameters and buffers after every step.
#
#   77.distributed.ddp.worker.py <rank> <world> <port> <mode> <steps> <bucket_bytes>
import datetime
import faulthandler
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F

PER_RANK = 4
LR = 0.1


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 8)
        self.fc2 = torch.nn.Linear(8, 2)
        self.extra = torch.nn.Linear(8, 2)

    def forward(self, x, use_extra):
        h = torch.tanh(self.hidden(x))
        out = self.fc2(h)
        return out + self.extra(h) if use_extra else out

    def hidden(self, x):
        return self.fc1(x)


class NetBN(Net):
    """Mode 'buffers': BatchNorm's running statistics, which DDP broadcasts from rank 0 before forwards."""

    def __init__(self):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(8)

    def hidden(self, x):
        return self.bn(self.fc1(x))


def batch(step, micro, rank):
    # Exactly representable in float32, the same numbers as the Node worker's.
    base = (step * 2 + micro) * 31 + rank * PER_RANK
    x = torch.tensor([[(((base + i) * 7 + j * 3) % 17 - 8) / 8 for j in range(4)] for i in range(PER_RANK)])
    y = torch.tensor([[(((base + i) * 5 + k * 2) % 11 - 5) / 4 for k in range(2)] for i in range(PER_RANK)])
    return x, y


def flat(m):
    return torch.cat([p.detach().reshape(-1) for p in m.parameters()]).tolist()


def main():
    rank, world, port, mode, steps, bucket = sys.argv[1:7]
    rank, world, steps, bucket = int(rank), int(world), int(steps), int(bucket)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world, timeout=datetime.timedelta(seconds=20))
    net = NetBN() if mode == "buffers" else Net()
    with torch.no_grad():  # the same start on every rank and in both languages
        for p in net.parameters():
            p.copy_((((torch.arange(p.numel()) * 7 + rank) % 13 - 6) / 16).view_as(p))
    if mode == "nosync":  # rebuilt buckets (find_unused_parameters keeps the 1 MiB first bucket, as torchnode)
        dist._DEFAULT_FIRST_BUCKET_BYTES = bucket
    ddp = torch.nn.parallel.DistributedDataParallel(net, bucket_cap_mb=bucket / 2**20, find_unused_parameters=(mode == "unused"))
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    rows, bufs = [], []
    for step in range(steps):
        opt.zero_grad(set_to_none=True)
        if mode == "nosync":
            with ddp.no_sync():
                x, y = batch(step, 0, rank)
                F.mse_loss(ddp(x, True), y).backward()
            x, y = batch(step, 1, rank)
            F.mse_loss(ddp(x, True), y).backward()
        elif mode == "buffers":
            x, y = batch(step, 0, rank)
            F.mse_loss(ddp(x, True), y).backward()
        else:
            x, y = batch(step, 0, rank)
            F.mse_loss(ddp(x, (step + rank) % 3 == 0), y).backward()
        opt.step()
        if mode == "buffers" and step % 2 == 1:
            ddp.eval()
            with torch.no_grad():
                ddp(batch(step, 1, rank)[0], True)
            ddp.train()
        rows.append(flat(net))
        bufs.append([v for b in net.buffers() for v in b.detach().reshape(-1).double().tolist()])
    dist.barrier()
    dist.destroy_process_group()
    print(json.dumps({"rank": rank, "lang": "python", "rows": rows, "bufs": bufs}), flush=True)


# A rank that hangs says where before the test's 30 s limit ends it (its stderr is in the report).
faulthandler.dump_traceback_later(25)
main()
# Once in CI (two test files at a time), a rank of a Python-only group printed its result and then
# did not exit within 30 s: leave without the interpreter's shutdown, which has nothing left to do.
os._exit(0)
