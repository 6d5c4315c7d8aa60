// A torchnode rank of test/76.distributed.more.test.ts. The common part mirrors
// test/76.distributed.worker.py step for step (so that Node and Python ranks can be mixed); with
// argv 'node-only' (every rank is Node) it goes on with what only torchnode has to check: every
// reduce op, allToAllSingle, a Work's state, and the argument errors. Prints one JSON line.
// Environment: MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE (env://); the world is 3 ranks.
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';
import { errorOf } from './70.distributed.helpers.js';

const nodeOnly = process.argv[2] === 'node-only';
await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://', timeout: 40000 });
const rank = dist.getRank();
const world = dist.getWorldSize();
const out: Record<string, unknown> = { rank, lang: 'node' };

if (rank === 0) {
  await dist.send(torch.tensor([10, 20, 30]), { dst: 2, tag: 7 });
  const got = torch.zeros([2], { dtype: 'int64' });
  // Tag 5: rank 2's ring message below (tag 0) must not match this any-source receive.
  out.anySender = await dist.recv(got, { tag: 5 });
  out.anyRecv = got.tolist();
} else if (rank === 1) {
  await dist.send(torch.tensor([105, 6], { dtype: 'int64' }), { dst: 0, tag: 5 });
} else {
  const got = torch.zeros([3]);
  out.recvSender = await dist.recv(got, { src: 0, tag: 7 });
  out.recv = got.tolist();
}

const toNext = torch.full([2], rank + 1);
const fromPrev = torch.zeros([2]);
const works = [dist.isend(toNext, { dst: (rank + 1) % world }), dist.irecv(fromPrev, { src: (rank + world - 1) % world })];
for (const w of works) await w.wait();
out.ring = fromPrev.tolist();
out.ringCompleted = works.map((w) => w.isCompleted());

const t = torch
  .arange(4, { dtype: 'float32' })
  .mul(rank + 1)
  .add(rank);
await dist.reduce(t, { dst: 1 });
if (rank === 1) out.reduceSum = t.tolist();
const m = torch.tensor([rank * 10 - 7, -rank], { dtype: 'int64' });
await dist.reduce(m, { dst: 2, op: 'max' });
if (rank === 2) out.reduceMax = m.tolist();

const g = torch.tensor([rank, rank * rank]);
const gl = rank === 2 ? Array.from({ length: world }, () => torch.zeros([2])) : null;
await dist.gather(g, { gatherList: gl, dst: 2 });
if (gl) out.gather = gl.map((x) => x.tolist());

const s = torch.zeros([2]);
const sl = rank === 0 ? Array.from({ length: world }, (_, i) => torch.tensor([i * 10, i * 10 + 1])) : null;
await dist.scatter(s, { scatterList: sl, src: 0 });
out.scatter = s.tolist();

const inputs = Array.from({ length: world }, (_, j) => torch.full([j + 1], 100 * rank + j));
const outputs = Array.from({ length: world }, () => torch.zeros([rank + 1]));
await dist.allToAll(outputs, inputs);
out.allToAll = outputs.map((x) => x.tolist());

const g12 = await dist.newGroup([1, 2]);
const a = torch.tensor([rank + 1]);
await dist.allReduce(a, { group: g12 });
out.g12AllReduce = a.tolist();
const b = torch.tensor([rank * 1.5]);
await dist.broadcast(b, { src: 2, group: g12 });
out.g12Broadcast = b.tolist();
out.g12Rank = g12.rank();
const g01 = await dist.newGroup([0, 1]);
const c = torch.tensor([rank + 10]);
await dist.allReduce(c, { op: 'product', group: g01 });
out.g01AllReduce = c.tolist();

const objs: unknown[] = rank === 1 ? [{ a: [1, 2.5, 'x'], t: [3, null] }, 'h\u00e9llo', null] : [null, null, null];
await dist.broadcastObjectList(objs, { src: 1 });
out.broadcastObjects = objs;
const gathered: unknown[] = Array(world).fill(null);
await dist.allGatherObject(gathered, { rank, name: `r${rank}`, ok: rank !== 1 });
out.allGatherObject = gathered;
const gol: unknown[] | null = rank === 0 ? Array(world).fill(null) : null;
await dist.gatherObject([rank, rank * 0.5], { objectGatherList: gol, dst: 0 });
if (gol) out.gatherObject = gol;
const so: unknown[] = [null];
await dist.scatterObjectList(so, rank === 2 ? Array.from({ length: world }, (_, i) => ({ to: i, s: 'x'.repeat(i) })) : null, { src: 2 });
out.scatterObject = so[0];

await dist.barrier();

if (nodeOnly) {
  // Values JSON cannot carry, through pickles: bytes, a bigint, a Map with int keys.
  const rich: unknown[] = [null, null, null];
  await dist.allGatherObject(rich, [new Uint8Array([rank, 255]), 2n ** 70n + BigInt(rank), new Map([[rank, 'v']])]);
  out.rich = rich.map((v) => {
    const [b, big, m] = v as [Uint8Array, bigint, Map<number, string>];
    return [b instanceof Uint8Array ? Array.from(b) : 'not bytes', String(big), [...m.entries()]];
  });
  out.g12 = [g12.isMember(), g12.size(), dist.getRank(g12), dist.getWorldSize(g12), [...g12.ranks]];
  // Every op of reduce, to dst 0.
  const x = torch.tensor([rank + 1, -2 * rank, 0.5 * rank + 3]);
  for (const op of ['sum', 'avg', 'product', 'min', 'max'] as const) {
    const y = x.clone();
    await dist.reduce(y, { dst: 0, op });
    if (rank === 0) out[`reduce_${op}`] = y.tolist();
  }
  // allToAllSingle with uneven splits: rank r sends j + 1 rows to rank j, rows of [100r + j, -j].
  const rows = Array.from({ length: world }, (_, j) => Array.from({ length: j + 1 }, () => [100 * rank + j, -j])).flat();
  const single = torch.zeros([world * (rank + 1), 2]);
  await dist.allToAllSingle(single, torch.tensor(rows), {
    outputSplitSizes: Array(world).fill(rank + 1),
    inputSplitSizes: Array.from({ length: world }, (_, j) => j + 1),
  });
  out.allToAllSingle = single.tolist();
  // Equal splits by default, on a subgroup: [0, 2] exchange halves.
  const g02 = await dist.newGroup([2, 0]);
  const half = torch.tensor([rank, rank + 0.5]);
  const halfOut = torch.zeros([2]);
  await dist.allToAllSingle(halfOut, half, { group: g02 });
  out.g02AllToAllSingle = halfOut.tolist();
  // Subgroup gather/scatter with global src/dst; the non-member resolves at once, untouched.
  const gg = rank === 2 ? [torch.zeros([1]), torch.zeros([1])] : null;
  await dist.gather(torch.tensor([rank * 7]), { gatherList: gg, dst: 2, group: g02 });
  if (gg) out.g02Gather = gg.map((v) => v.tolist());
  const untouched = torch.tensor([42]);
  await dist.scatter(untouched, { scatterList: rank === 0 ? [torch.tensor([1]), torch.tensor([2])] : null, src: 0, group: g02 });
  out.g02Scatter = untouched.tolist();
  await dist.barrier();
  if (rank === 0) {
    const v = torch.zeros([2]);
    out.argErrors = [
      await errorOf(dist.send(v, { dst: 3 })),
      await errorOf(dist.send(v, { dst: 0 })),
      await errorOf(dist.send(v, {} as never)),
      await errorOf(dist.recv(v, { src: 1, tag: 1.5 })),
      await errorOf(dist.reduce(v, { dst: 5 })),
      await errorOf(dist.reduce(v, { dst: 0, op: 'mean' as never })),
      await errorOf(dist.gather(v, { dst: 0 })),
      await errorOf(dist.gather(v, { dst: 0, gatherList: [v] })),
      await errorOf(dist.gather(v, { dst: 1, gatherList: [v, v, v] })),
      await errorOf(dist.gather(v, { dst: 0, gatherList: [v, v, torch.zeros([3])] })),
      await errorOf(dist.scatter(v, { src: 0, scatterList: [v, v] })),
      await errorOf(dist.scatter(v, { src: 2, scatterList: [v, v, v] })),
      await errorOf(dist.allToAll([v, v], [v, v, v])),
      await errorOf(dist.allToAll([v, v, v], [v, v, torch.zeros([2], { dtype: 'int64' })])),
      await errorOf(dist.allToAllSingle(torch.zeros([4]), torch.zeros([4]))),
      await errorOf(dist.allToAllSingle(v, v, { inputSplitSizes: [1, 1, 1], outputSplitSizes: [0, 1, 1] })),
      await errorOf(dist.broadcast(v, { src: 1, group: g02 })),
      await errorOf(dist.allReduce(v, { group: {} as never })),
      await errorOf(dist.newGroup([0, 3])),
      await errorOf(dist.newGroup([1, 1])),
      await errorOf(dist.newGroup([0], { backend: 'nccl' })),
    ];
    out.objectErrors = [
      await errorOf(dist.allGatherObject([null], 1)),
      await errorOf(dist.allGatherObject([null, null, null], { t: torch.zeros([1]) })),
      await errorOf(dist.gatherObject(1, { dst: 0 })),
      await errorOf(dist.broadcastObjectList([1], { src: 3 })),
      await errorOf(dist.scatterObjectList([null], [1, 2, 3], { src: 1 })),
      await errorOf(dist.scatterObjectList([], null)),
    ];
    try {
      dist.isend(v, { dst: 9 });
      out.isendError = null;
    } catch (e) {
      out.isendError = (e as Error).message;
    }
  }
  dist.destroyProcessGroup();
  out.afterDestroy = await errorOf(dist.allReduce(torch.zeros([1]), { group: g12 }));
} else {
  dist.destroyProcessGroup();
}
console.log(JSON.stringify(out));
