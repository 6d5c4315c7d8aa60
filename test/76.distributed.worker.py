# A Python rank of test/76.distributed.more.test.ts (torch.distributed, gloo), the mirror of
# test/76.distributed.worker.ts's common part: point to point, reduce, gather, scatter, all-to-all
# and new_group, in the same order. Prints one JSON line with what it received.
# Environment: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (env://); the world is 3 ranks.
import datetime
import faulthandler
import json

import torch
import torch.distributed as dist

# A rank that hangs says where before the test's 50 s limit ends it (its stderr is in the report).
faulthandler.dump_traceback_later(45)
dist.init_process_group("gloo", init_method="env://", timeout=datetime.timedelta(seconds=40))
rank, world = dist.get_rank(), dist.get_world_size()
out = {"rank": rank, "lang": "python"}

# send/recv: 0 -> 2 (tag 7); 1 -> 0 (tag 5), received from any source
if rank == 0:
    dist.send(torch.tensor([10.0, 20.0, 30.0]), dst=2, tag=7)
    got = torch.zeros(2, dtype=torch.int64)
    # tag 5: rank 2's ring message below (tag 0) must not match this any-source receive
    out["anySender"] = dist.recv(got, tag=5)
    out["anyRecv"] = got.tolist()
elif rank == 1:
    dist.send(torch.tensor([105, 6], dtype=torch.int64), dst=0, tag=5)
else:
    got = torch.zeros(3)
    out["recvSender"] = dist.recv(got, src=0, tag=7)
    out["recv"] = got.tolist()

# isend/irecv around the ring
to_next = torch.full((2,), float(rank + 1))
from_prev = torch.zeros(2)
works = [dist.isend(to_next, dst=(rank + 1) % world), dist.irecv(from_prev, src=(rank + world - 1) % world)]
for w in works:
    w.wait()
out["ring"] = from_prev.tolist()

t = torch.arange(4, dtype=torch.float32) * (rank + 1) + rank
dist.reduce(t, dst=1)
if rank == 1:
    out["reduceSum"] = t.tolist()
m = torch.tensor([rank * 10 - 7, -rank], dtype=torch.int64)
dist.reduce(m, dst=2, op=dist.ReduceOp.MAX)
if rank == 2:
    out["reduceMax"] = m.tolist()

g = torch.tensor([float(rank), float(rank * rank)])
gl = [torch.zeros(2) for _ in range(world)] if rank == 2 else None
dist.gather(g, gather_list=gl, dst=2)
if rank == 2:
    out["gather"] = [x.tolist() for x in gl]

s = torch.zeros(2)
sl = [torch.tensor([i * 10.0, i * 10.0 + 1]) for i in range(world)] if rank == 0 else None
dist.scatter(s, scatter_list=sl, src=0)
out["scatter"] = s.tolist()

# all_to_all of lists is not supported by Gloo: all_to_all_single on the flattened lists, which is
# what torchnode's allToAll sends. inputs[j] = full(j + 1, 100 * rank + j).
inp = torch.cat([torch.full((j + 1,), float(100 * rank + j)) for j in range(world)])
res = torch.zeros(world * (rank + 1))
dist.all_to_all_single(res, inp, output_split_sizes=[rank + 1] * world, input_split_sizes=[j + 1 for j in range(world)])
out["allToAll"] = [x.tolist() for x in res.split(rank + 1)]

# Subgroups: [1, 2], then [0, 1].
g12 = dist.new_group([1, 2])
a = torch.tensor([rank + 1.0])
dist.all_reduce(a, group=g12)  # a no-op on rank 0 (not a member)
out["g12AllReduce"] = a.tolist()
b = torch.tensor([rank * 1.5])
dist.broadcast(b, src=2, group=g12)
out["g12Broadcast"] = b.tolist()
out["g12Rank"] = dist.get_rank(g12) if g12 != dist.GroupMember.NON_GROUP_MEMBER else -1
g01 = dist.new_group([0, 1])
c = torch.tensor([rank + 10.0])
dist.all_reduce(c, op=dist.ReduceOp.PRODUCT, group=g01)
out["g01AllReduce"] = c.tolist()

# Object collectives (pickles in uint8 tensors)
objs = [{"a": [1, 2.5, "x"], "t": (3, None)}, "h\u00e9llo", None] if rank == 1 else [None, None, None]
dist.broadcast_object_list(objs, src=1)
out["broadcastObjects"] = objs
gathered = [None] * world
dist.all_gather_object(gathered, {"rank": rank, "name": f"r{rank}", "ok": rank != 1})
out["allGatherObject"] = gathered
gl = [None] * world if rank == 0 else None
dist.gather_object([rank, rank * 0.5], gl, dst=0)
if rank == 0:
    out["gatherObject"] = gl
so = [None]
dist.scatter_object_list(so, [{"to": i, "s": "x" * i} for i in range(world)] if rank == 2 else None, src=2)
out["scatterObject"] = so[0]

dist.barrier()
dist.destroy_process_group()
print(json.dumps(out), flush=True)
