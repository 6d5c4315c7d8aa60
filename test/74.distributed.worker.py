# A Python rank of test/74.distributed.python.test.ts (torch.distributed, gloo), the mirror of
# test/74.distributed.worker.ts: the same collectives in the same order, then DDP training of a
# small MLP. Prints one JSON line with what it received and its parameters.
#
#   74.distributed.worker.py <rank> <world> <port|env> <src> <steps> <bucket_bytes>
#   74.distributed.worker.py reference <world> <steps>   (JSON init params on stdin)
#
# <port>: tcp://127.0.0.1:<port>, or 'env': env:// (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE);
# <src>: the rank that broadcasts; <bucket_bytes>: DDP's bucket cap and first bucket cap, in bytes
# (they decide the rebuilt buckets when this is rank 0).
import datetime
import json
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F

PER_RANK = 4
LR = 0.1


def batch(step, world):
    # Exactly representable in float32 (no libm), so Node and Python build the same numbers.
    n = world * PER_RANK
    x = torch.tensor([[((i * 7 + j * 3 + step * 5) % 17 - 8) / 8 for j in range(4)] for i in range(n)])
    y = torch.tensor([[((i * 5 + k * 2 + step * 3) % 11 - 5) / 4 for k in range(2)] for i in range(n)])
    return x, y


def model():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))


def flat(m):
    return torch.cat([p.detach().reshape(-1) for p in m.parameters()]).tolist()


def reference(world, steps):
    init = json.load(sys.stdin)
    m = model()
    with torch.no_grad():
        off = 0
        for p in m.parameters():
            n = p.numel()
            p.copy_(torch.tensor(init[off : off + n]).view_as(p))
            off += n
    opt = torch.optim.SGD(m.parameters(), lr=LR)
    for step in range(steps):
        x, y = batch(step, world)
        opt.zero_grad()
        F.mse_loss(m(x), y).backward()
        opt.step()
    print(json.dumps({"params": flat(m)}))


def main():
    if sys.argv[1] == "reference":
        reference(int(sys.argv[2]), int(sys.argv[3]))
        return
    rank, world, src, steps, bucket = (int(a) for a in sys.argv[1:2] + sys.argv[2:3] + sys.argv[4:7])
    timeout = datetime.timedelta(seconds=20)
    if sys.argv[3] == "env":  # MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE
        dist.init_process_group("gloo", init_method="env://", timeout=timeout)
    else:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{sys.argv[3]}", rank=rank, world_size=world, timeout=timeout)
    out = {"rank": rank, "lang": "python", "world": dist.get_world_size()}

    t = torch.arange(4, dtype=torch.float32) * (rank + 1) + rank
    dist.all_reduce(t)
    out["allReduceSum"] = t.tolist()
    m = torch.tensor([rank * 10 - 7, -rank], dtype=torch.int64)
    dist.all_reduce(m, op=dist.ReduceOp.MAX)
    out["allReduceMax"] = m.tolist()

    b = torch.tensor([3.5, -1.0, 2.0]) if rank == src else torch.zeros(3)
    dist.broadcast(b, src)
    out["broadcast"] = b.tolist()

    gathered = [torch.zeros(2) for _ in range(world)]
    dist.all_gather(gathered, torch.tensor([float(rank), 10.0 * rank]))
    out["allGather"] = [g.tolist() for g in gathered]

    dist.barrier()

    torch.manual_seed(100 + rank)  # different on every rank: DDP's broadcast replaces it with rank 0's
    net = model()
    dist._DEFAULT_FIRST_BUCKET_BYTES = bucket  # read by the DDP constructor (the rebuilt first bucket)
    ddp = torch.nn.parallel.DistributedDataParallel(net, bucket_cap_mb=bucket / 2**20)
    out["init"] = flat(net)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    losses, summed = [], []
    for step in range(steps):
        x, y = batch(step, world)
        xs, ys = x[rank * PER_RANK : (rank + 1) * PER_RANK], y[rank * PER_RANK : (rank + 1) * PER_RANK]
        opt.zero_grad()
        loss = F.mse_loss(ddp(xs), ys)
        loss.backward()  # all-reduces the gradient buckets
        total = loss.detach().clone()
        dist.all_reduce(total)  # after them, as the Node ranks order it
        opt.step()
        losses.append(loss.item())
        summed.append(total.item())
    out["losses"] = losses
    out["summedLosses"] = summed
    out["params"] = flat(net)
    data = ddp._get_ddp_logging_data()
    out["rebuiltBuckets"] = data.get("rebuilt_per_bucket_param_indices", "")
    dist.barrier()
    dist.destroy_process_group()
    print(json.dumps(out), flush=True)


main()
