/**
 * A tiny workload for tools/leakcheck.sh (valgrind is ~50x slower): every native entry point
 * family once or twice, including the error paths (exceptions are where leaks hide), then
 * everything disposed.
 */
import * as torch from '../../lib/index.js';

const tryErr = (f: () => unknown): void => {
  try {
    f();
  } catch {
    /* expected */
  }
};
const rounds = Number(process.env.LEAK_ROUNDS ?? 3);
for (let r = 0; r < rounds; r++) {
  torch.tidy(() => {
    const g = new torch.Generator().manualSeed(r);
    const a = torch.randn([4, 3], { generator: g, requiresGrad: true });
    const b = torch.tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const y = a.matmul(b).relu().sum();
    y.backward();
    torch.autograd.grad(a.mul(a).sum(), [a]);
    a.grad!.dataSync();
    torch.noGrad(() => a.sub_(a.grad!.mul(0.1)));
    const [v, i] = a.max(1);
    torch.cat([v, i.float()]).toArray();
    a.detach().sort(0).values.cumsum(0).toString();
    const lin = new torch.nn.Linear(3, 2);
    const opt = new torch.optim.SGD(lin.parameters(), { lr: 0.1, momentum: 0.9 });
    torch.nn.functional.mseLoss(lin.forward(a.detach()), torch.zeros([4, 2])).backward();
    opt.step();
    opt.zeroGrad();
    opt.stateDict();
    // Error paths through the dispatcher, the allocator and argument conversion.
    tryErr(() => a.matmul(torch.ones([5, 5])));
    tryErr(() => torch.zeros([1e12]));
    tryErr(() => a.view([7]));
    tryErr(() => a.sum(9));
    const d = torch.ones([2]);
    d.dispose();
    tryErr(() => d.add(1));
    tryErr(() => torch.tidy(() => Promise.resolve(1)));
  });
}
const m = torch.memory();
console.log(`leak workload: ${rounds} rounds, live tensors at exit ${m.numTensors}`);
