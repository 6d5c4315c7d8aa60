// One rank of the collective tests (test/72.distributed.collectives.test.ts), started by torchnode-run.
// argv: <mode> <outFile>. Writes this rank's results as JSON; the test checks them.
import { writeFileSync } from 'node:fs';
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';
import { errorOf } from './70.distributed.helpers.js';

const [mode, outFile] = process.argv.slice(2);
const rank = Number(process.env.RANK);
const out: Record<string, unknown> = { rank };

if (mode === 'collectives') {
  await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://', timeout: 20000 });
  out.rankWorld = [dist.getRank(), dist.getWorldSize(), dist.isInitialized(), dist.getBackend()];
  const e = process.env;
  out.env = [e.RANK, e.LOCAL_RANK, e.WORLD_SIZE, e.LOCAL_WORLD_SIZE, e.GROUP_RANK, e.MASTER_ADDR];
  torch.manualSeed(100 + rank);
  const input = torch.randn([2, 3]);
  out.input = input.tolist();
  for (const op of ['sum', 'avg', 'max', 'min', 'product'] as const) {
    const t = input.clone();
    await dist.allReduce(t, { op });
    out[`allReduce_${op}`] = t.tolist();
  }
  const ints = torch.tensor([rank + 1, 10 * (rank + 1)], { dtype: 'int64' });
  await dist.allReduce(ints);
  out.allReduceInt = ints.tolist();
  const b = input.clone();
  await dist.broadcast(b, { src: 1 });
  out.broadcast = b.tolist();
  const gathered = [torch.zeros([2, 3]), torch.zeros([2, 3])];
  await dist.allGather(gathered, input);
  out.allGather = gathered.map((g) => g.tolist());
  // Many tensors in flight at once: enqueued in order, awaited together.
  const many = Array.from({ length: 8 }, (_, i) => torch.full([4], i + rank));
  await Promise.all(many.map((t) => dist.allReduce(t)));
  out.many = many.map((t) => t.tolist());
  const t0 = Date.now();
  if (rank === 1) await new Promise((r) => setTimeout(r, 300));
  await dist.barrier();
  out.barrierWaitedMs = Date.now() - t0;
  out.reduceScatterError = await errorOf(dist.reduceScatter(torch.zeros([2]), [torch.ones([2]), torch.ones([2])]));
  out.argErrors = [
    await errorOf(dist.allReduce(input, { op: 'mean' as never })),
    await errorOf(dist.broadcast(input, { src: 2 })),
    await errorOf(dist.allGather([torch.zeros([2, 3])], input)),
    await errorOf(dist.allReduce(input.t())),
  ];
  await dist.barrier();
  dist.destroyProcessGroup();
  out.afterDestroy = dist.isInitialized();
} else if (mode === 'collective-timeout') {
  // Rank 1 joins the group but never enters the allReduce: rank 0 must get a timeout error.
  await dist.initProcessGroup({ initMethod: 'env://', timeout: 2000 });
  if (rank === 0) {
    const t0 = Date.now();
    out.error = await errorOf(dist.allReduce(torch.ones([3])));
    out.elapsedMs = Date.now() - t0;
  } else {
    await new Promise((r) => setTimeout(r, 4000));
  }
  dist.destroyProcessGroup();
} else if (mode === 'responsive') {
  // Rank 0 enqueues 8 allReduces; rank 1 joins them 1.5 s later. Meanwhile rank 0's event loop
  // and libuv's pool (fs, crypto) must answer at once.
  await dist.initProcessGroup({ initMethod: 'env://', timeout: 20000 });
  await dist.barrier();
  const ts = Array.from({ length: 8 }, (_, i) => torch.full([4], i + rank));
  if (rank === 0) {
    const pending = Promise.all(ts.map((t) => dist.allReduce(t)));
    await new Promise((r) => setTimeout(r, 200));
    const { readFile } = await import('node:fs/promises');
    const { pbkdf2 } = await import('node:crypto');
    const t0 = performance.now();
    await readFile(new URL(import.meta.url));
    out.readFileMs = performance.now() - t0;
    const t1 = performance.now();
    await Promise.all(Array.from({ length: 4 }, () => new Promise((r) => pbkdf2('x', 'y', 1, 32, 'sha256', r))));
    out.cryptoMs = performance.now() - t1;
    const t2 = performance.now();
    await pending;
    out.collectivesWaitedMs = performance.now() - t2;
  } else {
    await new Promise((r) => setTimeout(r, 1500));
    await Promise.all(ts.map((t) => dist.allReduce(t)));
  }
  out.sums = ts.map((t) => t.tolist());
  dist.destroyProcessGroup();
} else if (mode === 'fail') {
  // Supervision: rank 1 fails, rank 0 would wait forever.
  if (rank === 1) throw new Error('rank 1 fails on purpose');
  await new Promise((r) => setTimeout(r, 60000));
}
writeFileSync(`${outFile}.${rank}.json`, JSON.stringify(out));
