// Node and Python ranks in one process group: torchnode's initProcessGroup and PyTorch's
// torch.distributed.init_process_group (Debian's torch, /usr/bin/python3) rendezvous at one
// tcp:// address, run collectives together and train one model with DistributedDataParallel on
// both sides (torchnode's syncGradients, PyTorch's reducer). Each rank is a child process
// (test/74.distributed.worker.ts or .py) that prints one JSON line; the test checks the values
// against what the collectives must give, the ranks' parameters against each other (bitwise)
// and against one Python process training on the whole batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, mixedGroupSkipReason, PYTHON, type RankResult, rankOutputs, runRank } from './70.distributed.helpers.js';

const NODE_WORKER = new URL('./74.distributed.worker.ts', import.meta.url).pathname;
const PY_WORKER = new URL('./74.distributed.worker.py', import.meta.url).pathname;
const STEPS = 5;
const CHILD_TIMEOUT_MS = 20000;

const skip = mixedGroupSkipReason();

type Lang = 'node' | 'python';
interface RankOut {
  rank: number;
  lang: Lang;
  world: number;
  allReduceSum: number[];
  allReduceMax: number[];
  broadcast: number[];
  allGather: number[][];
  init: number[];
  losses: number[];
  /** Each step's loss summed over the ranks (an allReduce issued right after the gradients'). */
  summedLosses: number[];
  params: number[];
  /** Node: its DDP's buckets after the rebuild. */
  buckets?: number[][];
  /** Python: DDP logging data's rebuilt_per_bucket_param_indices, e.g. '3 2, 1 0'. */
  rebuiltBuckets?: string;
}

/** Runs one child (`input` on its stdin); rejects after CHILD_TIMEOUT_MS. */
function run(cmd: string, args: string[], input = '', env: Record<string, string> = {}): Promise<RankResult> {
  return runRank(cmd, args, { timeoutMs: CHILD_TIMEOUT_MS, env, input });
}

/**
 * Starts one rank per entry of `langs` (rank i is langs[i]) with DDP bucket caps of
 * `bucketBytes[i]` bytes (they shape the rebuilt buckets on rank 0; other ranks adopt rank 0's)
 * and returns their JSON outputs.
 */
async function group(langs: Lang[], src: number, bucketBytes: number[], init: 'tcp' | 'env'): Promise<RankOut[]> {
  const port = await freePort();
  const world = langs.length;
  const runs = langs.map((lang, rank) => {
    const where = init === 'env' ? 'env' : String(port);
    const args = [String(rank), String(world), where, String(src), String(STEPS), String(bucketBytes[rank])];
    const env: Record<string, string> =
      init === 'env' ? { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), WORLD_SIZE: String(world) } : {};
    return lang === 'node' ? run(process.execPath, ['--import', 'tsx', NODE_WORKER, ...args], '', env) : run(PYTHON, [PY_WORKER, ...args], '', env);
  });
  return rankOutputs<RankOut>(await Promise.all(runs), langs);
}

async function reference(world: number, init: number[]): Promise<number[]> {
  const r = await run(PYTHON, [PY_WORKER, 'reference', String(world), String(STEPS)], JSON.stringify(init));
  assert.equal(r.code, 0, r.err);
  return (JSON.parse(r.out) as { params: number[] }).params;
}

async function check(langs: Lang[], src: number, bucketBytes: number[], init: 'tcp' | 'env' = 'tcp'): Promise<RankOut[]> {
  const outs = await group(langs, src, bucketBytes, init);
  const world = langs.length;
  const ranks = Array.from({ length: world }, (_, r) => r);
  // sum_r (arange(4) * (r + 1) + r); max_r [10r - 7, -r]
  const sum = [0, 1, 2, 3].map((i) => ranks.reduce((s, r) => s + i * (r + 1) + r, 0));
  const max = [10 * (world - 1) - 7, 0];
  for (const o of outs) {
    const who = `rank ${o.rank} (${o.lang})`;
    assert.equal(o.lang, langs[o.rank], who);
    assert.equal(o.world, world, who);
    assert.deepEqual(o.allReduceSum, sum, `${who}: allReduce sum`);
    assert.deepEqual(o.allReduceMax, max, `${who}: allReduce max (int64)`);
    assert.deepEqual(o.broadcast, [3.5, -1, 2], `${who}: broadcast from rank ${src}`);
    assert.deepEqual(
      o.allGather,
      ranks.map((r) => [r, 10 * r]),
      `${who}: allGather`,
    );
    assert.equal(o.init.length, 8 * 4 + 8 + 2 * 8 + 2);
    // DDP's construction broadcast rank 0's initialisation (every rank seeded differently).
    assert.deepEqual(o.init, outs[0].init, `${who}: initial parameters differ from rank 0's`);
    assert.deepEqual(o.params, outs[0].params, `${who}: parameters after ${STEPS} steps differ from rank 0's`);
    assert.equal(o.losses.length, STEPS);
    assert.deepEqual(o.summedLosses, outs[0].summedLosses, `${who}: summed losses`);
  }
  // The summed losses are the sums of the ranks' own losses (float32 sums of a few terms).
  outs[0].summedLosses.forEach((s, i) => {
    const expected = outs.reduce((acc, o) => acc + o.losses[i], 0);
    assert.ok(Math.abs(s - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `step ${i}: summed loss ${s}, ranks' losses add up to ${expected}`);
  });
  // Training moved the parameters, and matches one Python process on the whole batches.
  const moved = Math.max(...outs[0].params.map((p, i) => Math.abs(p - outs[0].init[i])));
  assert.ok(moved > 1e-2, `the parameters barely moved (${moved})`);
  const ref = await reference(world, outs[0].init);
  const diff = Math.max(...ref.map((p, i) => Math.abs(p - outs[0].params[i])));
  assert.ok(diff <= 1e-6, `DDP differs from single-process training by ${diff}`);
  return outs;
}

/** Every rank's buckets after DDP's rebuild (Python's from its logging data). */
function bucketsOf(outs: RankOut[]): number[][][] {
  return outs.map((o) => (o.lang === 'node' ? (o.buckets as number[][]) : (o.rebuiltBuckets ?? '').split(', ').map((b) => b.split(' ').map(Number))));
}

// Bucket caps: with 100 bytes, rank 0's layout over the parameters in gradient order (b2 8 B,
// w2 64 B, b1 32 B, w1 128 B) is [[3, 2, 1], [0]]; with 40 bytes [[3, 2], [1, 0]]. Each test
// gives the other ranks the other cap, so a rank that kept its own layout would differ from rank
// 0's (and, the flattened gradients not lining up, train to different parameters).
test('Node rank 0 + Python rank 1: one gloo group, collectives, DDP training in lockstep', { skip, timeout: 60000 }, async () => {
  const outs = await check(['node', 'python'], 1, [100, 40]);
  assert.deepEqual(bucketsOf(outs), [
    [[3, 2, 1], [0]],
    [[3, 2, 1], [0]],
  ]);
});

test('Python rank 0 + Node rank 1: the Node rank adopts the buckets PyTorch built from autograd order', { skip, timeout: 60000 }, async () => {
  const outs = await check(['python', 'node'], 0, [40, 100]);
  assert.deepEqual(bucketsOf(outs), [
    [
      [3, 2],
      [1, 0],
    ],
    [
      [3, 2],
      [1, 0],
    ],
  ]);
});

test('Node / Python / Node: three ranks through env://, broadcast from the Python rank', { skip, timeout: 60000 }, async () => {
  const outs = await check(['node', 'python', 'node'], 1, [100, 40, 40], 'env');
  assert.deepEqual(bucketsOf(outs), [
    [[3, 2, 1], [0]],
    [[3, 2, 1], [0]],
    [[3, 2, 1], [0]],
  ]);
});

test('examples/python-and-node-ranks.ts: a Node rank and the Python rank it starts train to identical parameters', { skip, timeout: 60000 }, async () => {
  // The example's forward runs inside tidy(): DDP's bucket rebuild, started there, must keep its
  // tensors past the scope (it once freed them and the Python rank lost its peer).
  const example = new URL('../examples/python-and-node-ranks.ts', import.meta.url).pathname;
  const r = await run(process.execPath, ['--import', 'tsx', example, '--steps', '12', '--python', PYTHON]);
  assert.equal(r.code, 0, `${r.err}\n${r.out}`);
  assert.match(r.out, /^rank 0 of 2 \(torchnode, LibTorch /m);
  assert.match(r.out, /^Node rank 0 and Python rank 1 hold identical parameters: true$/m);
});
