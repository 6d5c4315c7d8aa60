/** Per-op overhead: the same ops as bench/ops.py, one thread. */
import * as torch from '../lib/index.js';
import { timeit, emit, type Measure } from './harness.js';

torch.setNumThreads(1);
const scale = Number(process.env.BENCH_SCALE ?? 1);
const res: Measure[] = [];
const a4 = torch.ones([4]);
const b4 = torch.ones([4]);
const a1k = torch.ones([1000]);
const b1k = torch.ones([1000]);
const m64 = torch.randn([64, 64]);
const x = torch.randn([50, 3, 32, 32]);
const w = torch.randn([16, 3, 3, 3]);

res.push(
  timeit(
    'add 4 (new result)',
    () => {
      a4.add(b4).dispose();
    },
    20000 * scale,
  ),
);
res.push(
  timeit(
    'add 4 (new result, tidy)',
    () => {
      torch.tidy(() => {
        a4.add(b4);
      });
    },
    20000 * scale,
  ),
);
res.push(
  timeit(
    'add_ 4 (in place)',
    () => {
      a4.add_(b4);
    },
    20000 * scale,
  ),
);
res.push(
  timeit(
    'add 1000',
    () => {
      a1k.add(b1k).dispose();
    },
    20000 * scale,
  ),
);
res.push(
  timeit(
    'matmul 64x64',
    () => {
      m64.matmul(m64).dispose();
    },
    2000 * scale,
  ),
);
res.push(
  timeit(
    'conv2d [50,3,32,32]x[16,3,3,3]',
    () => {
      (torch.callOp('aten::conv2d', x, w) as torch.Tensor).dispose();
    },
    20 * scale,
  ),
);
emit(res);
