/**
 * Seeded random numbers equal PyTorch's (fixtures from tools/golden/ops.py): manualSeed with
 * randn/rand/randint/randperm, in-place samplers, multinomial, *Like, Generator objects and
 * generator state save/restore.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../lib/index.js';
import { loadFixture, assertResult, type Enc } from './helpers.js';

const fx = loadFixture<Record<string, Enc>>('ops_random');
const TOL = 1e-6;

function golden(name: string, f: () => unknown): void {
  test(`random: ${name}`, () => {
    const before = torch.memory().numTensors;
    torch.tidy(() => assertResult(f(), fx[name], TOL, name));
    assert.equal(torch.memory().numTensors, before, `${name}: tensors leaked`);
  });
}

const CASES: Record<string, () => unknown> = {
  randn_3: () => {
    torch.manualSeed(42);
    return torch.randn([3]);
  },
  rand_2x3: () => {
    torch.manualSeed(42);
    return torch.rand(2, 3);
  },
  sequence: () => {
    torch.manualSeed(42);
    return [torch.randn([2]), torch.rand([3]), torch.randint(0, 10, [5]), torch.randperm(8), torch.randn(2, 2)];
  },
  randint_range: () => {
    torch.manualSeed(0);
    return torch.randint(-5, 5, [3, 4]);
  },
  randperm_10: () => {
    torch.manualSeed(0);
    return torch.randperm(10);
  },
  randperm_100: () => {
    torch.manualSeed(0);
    return torch.randperm(100);
  },
  randn_float64: () => {
    torch.manualSeed(7);
    return torch.randn([4], { dtype: 'float64' });
  },
  randn_large: () => {
    torch.manualSeed(7);
    return torch.randn([40]);
  },
  rand_float64: () => {
    torch.manualSeed(7);
    return torch.rand([5], { dtype: 'float64' });
  },
  normal_uniform_inplace: () => {
    torch.manualSeed(1);
    return [torch.empty([5]).normal_(2, 3), torch.empty([5]).uniform_(-1, 1)];
  },
  bernoulli_: () => {
    torch.manualSeed(1);
    return torch.empty([10]).bernoulli_(0.3);
  },
  multinomial: () => {
    torch.manualSeed(1);
    return torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 6, { replacement: true });
  },
  randn_like_rand_like: () => {
    torch.manualSeed(3);
    return [torch.randnLike(torch.zeros([2, 2])), torch.randLike(torch.zeros([3]))];
  },
  generator: () => {
    const g = new torch.Generator().manualSeed(123);
    return [
      torch.randn([4], { generator: g }),
      torch.rand([2], { generator: g }),
      torch.randint(0, 100, [3], { generator: g }),
      torch.randperm(6, { generator: g }),
    ];
  },
  default_untouched_by_generator: () => {
    torch.manualSeed(42);
    const g = new torch.Generator().manualSeed(5);
    torch.randn([3], { generator: g });
    return torch.randn([3]);
  },
  generator_state_replay: () => {
    const g = new torch.Generator().manualSeed(9);
    torch.randn([2], { generator: g });
    const st = g.getState();
    const a = torch.randn([3], { generator: g });
    g.setState(st);
    return [a, torch.randn([3], { generator: g })];
  },
};

test('every random fixture case has a torchnode twin and vice versa', () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(fx).sort());
});
for (const [name, f] of Object.entries(CASES)) golden(name, f);

test('manualSeed(42); randn([3]) equals Python bit for bit', () => {
  torch.manualSeed(42);
  const t = torch.randn([3]);
  const stored = fx.randn_3 as unknown as { data: number[] };
  assert.deepEqual(Array.from(t.dataSync() as Float32Array), stored.data);
  t.dispose();
});

test('global RNG state save/restore replays the same numbers', () => {
  torch.tidy(() => {
    torch.manualSeed(11);
    const st = torch.getRngState();
    assert.equal(st.dtype, 'uint8');
    const a = torch.randn([5]);
    torch.setRngState(st);
    const b = torch.randn([5]);
    assert.ok(a.equal(b));
    assert.equal(torch.initialSeed(), 11n);
  });
});

test('generator seeds: bigint seeds, initialSeed, chaining', () => {
  const g = new torch.Generator();
  assert.equal(g.manualSeed(2n ** 40n), g);
  assert.equal(g.initialSeed(), 2n ** 40n);
  torch.tidy(() => {
    const a = torch.rand([3], { generator: new torch.Generator().manualSeed(2n ** 40n) });
    const b = torch.rand([3], { generator: g });
    assert.ok(a.equal(b));
  });
});

test('random argument errors', () => {
  assert.throws(() => torch.randint(5, 5, [2]), { message: 'randint: expected low < high but got low=5, high=5' });
  assert.throws(() => torch.manualSeed(1.5), { message: 'manualSeed: Expected integer for seed but received 1.5 of type number' });
  assert.throws(() => torch.randn([2], { generator: 3 as never }), {
    message: 'randn: Expected Generator for generator but received 3 of type number',
  });
  assert.throws(() => torch.rand([2], { seed: 1 } as never), {
    message: "rand: unknown option 'seed' (expected one of dtype, device, requiresGrad, generator)",
  });
});
