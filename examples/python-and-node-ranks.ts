/**
 * Node and Python ranks in one torch.distributed group. This script is rank 0 (torchnode); it
 * starts examples/python_and_node_ranks.py (PyTorch) as rank 1. Both join one gloo group through
 * env:// and train the same Linear model with DistributedDataParallel, each on its half of the
 * data; at the end both hold identical parameters.
 *   node --import tsx examples/python-and-node-ranks.ts [--steps 20] [--python /usr/bin/python3]
 * Or start the ranks yourself (other terminals or machines; the Node rank hosts the rendezvous):
 *   MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 RANK=0 WORLD_SIZE=2 node --import tsx examples/python-and-node-ranks.ts --no-spawn
 *   MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 RANK=1 WORLD_SIZE=2 USE_LIBUV=0 python3 examples/python_and_node_ranks.py
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// In your own project: from 'torchnode'.
import * as torch from '../lib/index.js';
import { nn, distributed as dist, type Tensor } from '../lib/index.js';

const N = 64; // samples per step, split evenly across the ranks

/** The Python rank's data() in TS: the same float32 numbers, this rank's contiguous share. */
function data(world: number, rank: number): [Tensor, Tensor] {
  const x = torch.tensor(Array.from({ length: N }, (_, i) => Array.from({ length: 10 }, (_, j) => (((i * 3 + j * 7) % 13) - 6) / 4)));
  const w = torch.tensor(Array.from({ length: 10 }, (_, j) => [((j % 5) - 2) / 2]));
  const y = x.matmul(w).add(0.5);
  const per = N / world;
  return [x.narrow(0, rank * per, per), y.narrow(0, rank * per, per)];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    python: { type: 'string', default: process.env.TORCHNODE_PYTHON || '/usr/bin/python3' },
    'no-spawn': { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);

// Without --no-spawn: a group of this process (rank 0) and one Python process (rank 1) on this machine.
let python: Promise<string> | null = null;
if (!values['no-spawn']) {
  const port = await freePort();
  Object.assign(process.env, { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: '0', WORLD_SIZE: '2' });
  // GLOO_SOCKET_IFNAME=lo: both ranks talk over loopback. USE_LIBUV=0: Debian's PyTorch 2.x has
  // no libuv, yet its rendezvous asks for the libuv store unless told not to (1.13 ignores it).
  const env = { ...process.env, RANK: '1', GLOO_SOCKET_IFNAME: 'lo', USE_LIBUV: '0' };
  process.env.GLOO_SOCKET_IFNAME = 'lo';
  const script = fileURLToPath(new URL('./python_and_node_ranks.py', import.meta.url));
  const child = spawn(values.python as string, [script, '--steps', String(steps)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  python = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`the Python rank exited with ${code}`))));
  });
}

// The same call as the Python rank's init_process_group('gloo', init_method='env://').
await dist.initProcessGroup({ backend: 'gloo', initMethod: 'env://', timeout: 60_000 });
const rank = dist.getRank();
const world = dist.getWorldSize();
console.log(`rank ${rank} of ${world} (torchnode, LibTorch ${torch.version.libtorch})`);

torch.manualSeed(rank);
const model = new nn.Linear(10, 1);
const ddp = await dist.DistributedDataParallel.create(model); // every rank starts from rank 0's weights
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.05 });
const [x, y] = data(world, rank);
for (let step = 0; step < steps; step++) {
  opt.zeroGrad();
  const loss = torch.tidy(() => {
    const l = nn.F.mseLoss(ddp.call(x), y);
    l.backward(); // averages the gradients across the Node and Python ranks, as PyTorch's DDP
    return l.item() as number;
  });
  opt.step();
  if (step % 5 === 0 || step === steps - 1) console.log(`step ${step}: loss on rank ${rank}'s half ${loss.toFixed(4)}`);
}
const params = torch.tidy(() => Array.from(torch.cat(model.parameters().map((p) => p.detach().reshape([-1]))).dataSync() as Float32Array));
dist.destroyProcessGroup();

if (python) {
  const line = (await python).trim().split('\n').pop() ?? '';
  const theirs = (JSON.parse(line) as { params: number[] }).params;
  const same = theirs.length === params.length && theirs.every((v, i) => v === params[i]);
  console.log(`Node rank 0 and Python rank 1 hold identical parameters: ${same}`);
  if (!same) process.exitCode = 1;
} else {
  console.log(JSON.stringify({ rank, params }));
}
