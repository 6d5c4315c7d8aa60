/**
 * save/load in PyTorch's format and jit.load, checked against Debian's PyTorch by spawning
 * /usr/bin/python3 (skipped with a reason when it lacks torch). Hostile pickles (a memo-shared
 * list bomb, deep nesting, copy amplification, huge dicts and ints) load in linear time or throw.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { nn, optim, jit, type Tensor } from '../lib/index.js';
import { PYTHON } from './python.js';

const PY = PYTHON;
const HAS_TORCH = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const SKIP = `${PY} with torch is not available`;
const dir = mkdtempSync(join(tmpdir(), 'torchnode-serialize-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Runs Python code with args; returns the JSON it prints last. */
let scripts = 0;
function py(code: string, ...args: string[]): any {
  // From a file, not -c: torch.jit.script reads the module's source.
  const file = join(dir, `script${scripts++}.py`);
  writeFileSync(file, code);
  const r = spawnSync(PY, [file, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python failed:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const values = (t: Tensor) => Array.from(t.detach().flatten().toArray() as number[]);
function assertClose(a: Tensor, e: number[], tol: number, what: string): void {
  const av = values(a);
  const ev = e.flat(3) as number[];
  assert.equal(av.length, ev.length, `${what}: length`);
  av.forEach((x, i) => assert.ok(Math.abs(x - ev[i]) <= tol, `${what}[${i}]: ${x} vs PyTorch ${ev[i]}`));
}

const MLP_PY = `
import json, sys, torch
m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
`;

function mlp(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
}
const X = torch.keep(torch.arange(12, { dtype: 'float32' }).reshape([3, 4]).div(10));

test('TS state dict -> Python load_state_dict(torch.load(p, weights_only=True)) -> Python torch.save -> TS', (t) => {
  if (!HAS_TORCH) return t.skip(SKIP);
  torch.manualSeed(1);
  const model = mlp();
  const p1 = join(dir, 'ts_model.pt');
  const p2 = join(dir, 'py_model.pt');
  torch.save(model.stateDict(), p1);
  const out = py(
    MLP_PY +
      `
# weights_only=True: the default of torch.load from PyTorch 2.4, which refuses pickles with other globals.
print(m.load_state_dict(torch.load(sys.argv[1], weights_only=True)))
x = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 10
y = m(x)
with torch.no_grad():
    for p in m.parameters(): p.mul_(2)
torch.save(m.state_dict(), sys.argv[2])
print(json.dumps(y.tolist()))
`,
    p1,
    p2,
  );
  const mine = torch.noGrad(() => model.forward(X));
  assertClose(mine, out, 1e-6, 'forward after Python loaded the TS weights');
  const loaded = torch.load(p2);
  assert.ok(loaded instanceof Map, 'an OrderedDict loads as a Map');
  assert.deepEqual([...(loaded as Map<string, Tensor>).keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
  const model2 = mlp();
  model2.loadStateDict(loaded as Map<string, Tensor>);
  for (const [k, v] of model.stateDict()) {
    assert.deepEqual(values(model2.stateDict().get(k)!), values(torch.tidy(() => v.mul(2))), k);
  }
});

test('Python torch.save of mixed values (views, dtypes, tuples, ints, None) -> TS load', (t) => {
  if (!HAS_TORCH) return t.skip(SKIP);
  const p = join(dir, 'py_mixed.pt');
  const exp = py(
    `
import json, sys, torch
a = torch.arange(10, dtype=torch.float32)
obj = {'a': a, 'view': a[2:5], 't': torch.arange(6, dtype=torch.float64).reshape(2, 3).t(),
       'i64': torch.tensor([1, -2, 3]), 'b': torch.tensor([True, False]), 'h': torch.tensor([0.5, 1.5], dtype=torch.float16),
       'scalar': torch.tensor(2.5), 'grad': torch.ones(2, requires_grad=True),
       'n': 3, 'f': 0.25, 's': 'text', 'tup': (1, 'x'), 'lst': [1.5, None, True], 'nested': {'k': [torch.zeros(1)]},
       'big': 2 ** 60, 7: 'int key'}
torch.save(obj, sys.argv[1])
print(json.dumps({'t': obj['t'].tolist(), 'h': obj['h'].tolist()}))
`,
    p,
  );
  const loaded = torch.load(p) as Map<unknown, unknown>;
  // The int key 7 comes after string keys: an object would list it first, so a Map keeps the order.
  assert.ok(loaded instanceof Map);
  assert.deepEqual([...loaded.keys()].slice(-2), ['big', 7]);
  const o = Object.fromEntries(loaded) as any;
  assert.deepEqual(values(o.a), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(values(o.view), [2, 3, 4]);
  // Views share storage as in PyTorch: writing the base shows through the view.
  o.a.mul_(10);
  assert.deepEqual(values(o.view), [20, 30, 40]);
  assert.deepEqual(o.t.shape, [3, 2]);
  assert.equal(o.t.dtype, 'float64');
  assertClose(o.t, exp.t, 0, 't');
  assert.equal(o.i64.dtype, 'int64');
  assert.deepEqual(o.i64.toArray(), [1, -2, 3]);
  assert.equal(o.b.dtype, 'bool');
  assert.deepEqual(o.b.toArray(), [true, false]);
  assert.equal(o.h.dtype, 'float16');
  assertClose(o.h, exp.h, 0, 'h');
  assert.deepEqual(o.scalar.shape, []);
  assert.equal(o.scalar.item(), 2.5);
  assert.equal(o.grad.requiresGrad, true);
  assert.equal(o.n, 3);
  assert.equal(o.f, 0.25);
  assert.equal(o.s, 'text');
  assert.deepEqual(o.tup, [1, 'x']);
  assert.deepEqual(o.lst, [1.5, null, true]);
  assert.deepEqual(values(o.nested.k[0]), [0]);
  assert.equal(o.big, 2n ** 60n);
  assert.equal(o['7'], 'int key');
});

test('TS values -> Python (types as PyTorch sees them) -> TS', (t) => {
  if (!HAS_TORCH) return t.skip(SKIP);
  const p1 = join(dir, 'ts_values.pt');
  const p2 = join(dir, 'ts_values_back.pt');
  const obj = {
    n: 1,
    f: 2.5,
    s: 'x',
    arr: [1, 2.5, 'y', null, false],
    nested: { 0: torch.ones([2]), 10: 'ten' },
    m: new Map<string, unknown>([
      [
        'w',
        torch.tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { dtype: 'int32' },
        ),
      ],
    ]),
    d: torch.tensor([1.5, -2], { dtype: 'float64' }),
  };
  torch.save(obj, p1);
  const types = py(
    `
import json, sys, torch
o = torch.load(sys.argv[1])
torch.save(o, sys.argv[2])
desc = lambda v: str(v.dtype) + str(list(v.shape)) if torch.is_tensor(v) else type(v).__name__
print(json.dumps({'keys': [str(k) + ':' + type(k).__name__ for k in o], 'n': desc(o['n']), 'f': desc(o['f']),
                  'arr': [desc(v) for v in o['arr']], 'nested': [str(k) + ':' + desc(v) for k, v in o['nested'].items()],
                  'm': desc(o['m']['w']), 'd': desc(o['d']), 'dv': o['d'].tolist(), 'w': o['m']['w'].tolist()}))
`,
    p1,
    p2,
  );
  assert.deepEqual(types, {
    keys: ['n:str', 'f:str', 's:str', 'arr:str', 'nested:str', 'm:str', 'd:str'],
    n: 'int',
    f: 'float',
    arr: ['int', 'float', 'str', 'NoneType', 'bool'],
    nested: ['0:torch.float32[2]', '10:str'],
    m: 'torch.int32[2, 2]',
    d: 'torch.float64[2]',
    dv: [1.5, -2],
    w: [
      [1, 2],
      [3, 4],
    ],
  });
  const back = torch.load(p2) as any;
  assert.equal(back.n, 1);
  assert.equal(back.f, 2.5);
  assert.deepEqual(back.arr, [1, 2.5, 'y', null, false]);
  assert.deepEqual(values(back.nested['0']), [1, 1]);
  assert.equal(back.nested['10'], 'ten');
  assert.deepEqual(back.m.w.toArray(), [
    [1, 2],
    [3, 4],
  ]);
  assert.equal(back.d.dtype, 'float64');
});

test('a training checkpoint saved from TS (model + Adam state) loads with weights_only=True and resumes in PyTorch with the same step', (t) => {
  if (!HAS_TORCH) return t.skip(SKIP);
  torch.manualSeed(3);
  const lin = new nn.Linear(4, 2);
  const Y = torch.keep(
    torch.tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]),
  );
  const opt = new optim.Adam(lin.parameters(), { lr: 0.05, amsgrad: true });
  const stepOnce = () =>
    torch.tidy(() => {
      opt.zeroGrad();
      nn.functional.mseLoss(lin.forward(X), Y).backward();
      opt.step();
    });
  stepOnce();
  stepOnce();
  const p = join(dir, 'ts_ckpt.pt');
  torch.save({ model: lin.stateDict(), optim: opt.stateDict() }, p);
  const exp = py(
    `
import json, sys, torch
# weights_only=True is PyTorch 2.4+'s default; 1.13's weights-only unpickler lacks the BINFLOAT
# opcode that every float in a pickle uses (Python's own torch.save included), so it runs from 2.0.
ck = torch.load(sys.argv[1], weights_only=int(torch.__version__.split('.')[0]) >= 2)
m = torch.nn.Linear(4, 2)
m.load_state_dict(ck['model'])
opt = torch.optim.Adam(m.parameters(), lr=0.5)
opt.load_state_dict(ck['optim'])
x = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 10
y = torch.tensor([[1., 0], [0, 1], [1, 1]])
opt.zero_grad()
torch.nn.functional.mse_loss(m(x), y).backward()
opt.step()
print(json.dumps({'w': m.weight.tolist(), 'b': m.bias.tolist(), 'lr': opt.param_groups[0]['lr'], 'step': opt.state[m.weight]['step'].item()}))
`,
    p,
  );
  stepOnce();
  assert.equal(exp.lr, 0.05);
  assert.equal(exp.step, 3);
  assertClose(lin.weight!, exp.w, 1e-6, 'weight after a PyTorch step from TS state');
  assertClose(lin.bias!, exp.b, 1e-6, 'bias after a PyTorch step from TS state');
});

test('a PyTorch checkpoint (model + SGD momentum state) resumes in TS with the same step', (t) => {
  if (!HAS_TORCH) return t.skip(SKIP);
  const p = join(dir, 'py_ckpt.pt');
  const exp = py(
    `
import json, sys, torch
torch.manual_seed(5)
m = torch.nn.Linear(4, 2)
opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, nesterov=True)
x = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 10
y = torch.tensor([[1., 0], [0, 1], [1, 1]])
def step():
    opt.zero_grad()
    torch.nn.functional.mse_loss(m(x), y).backward()
    opt.step()
step(); step()
torch.save({'model': m.state_dict(), 'optim': opt.state_dict(), 'epoch': 2}, sys.argv[1])
step()
print(json.dumps({'w': m.weight.tolist(), 'b': m.bias.tolist()}))
`,
    p,
  );
  const ck = torch.load(p) as any;
  assert.equal(ck.epoch, 2);
  const lin = new nn.Linear(4, 2);
  lin.loadStateDict(ck.model);
  const opt = new optim.SGD(lin.parameters(), { lr: 0.5 });
  opt.loadStateDict(ck.optim);
  assert.equal(opt.paramGroups[0].lr, 0.1);
  assert.equal(opt.paramGroups[0].nesterov, true);
  const Y = torch.tensor([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  torch.tidy(() => {
    opt.zeroGrad();
    nn.functional.mseLoss(lin.forward(X), Y).backward();
    opt.step();
  });
  assertClose(lin.weight!, exp.w, 1e-6, 'weight after resuming PyTorch momentum in TS');
  assertClose(lin.bias!, exp.b, 1e-6, 'bias after resuming PyTorch momentum in TS');
});

test('jit.load runs a module scripted in Python; eval()/train()', (t) => {
  if (!HAS_TORCH) return t.skip(SKIP);
  const p = join(dir, 'scripted.pt');
  const exp = py(
    `
import json, sys, torch
class M(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l = torch.nn.Linear(4, 3)
        self.d = torch.nn.Dropout(0.5)
    def forward(self, x, y):
        h = torch.relu(self.d(self.l(x)))
        return h + y, h.sum()
torch.manual_seed(0)
m = torch.jit.script(M())
m.save(sys.argv[1])
m.eval()
x = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 10
a, s = m(x, torch.ones(3, 3))
print(json.dumps({'a': a.tolist(), 's': s.item()}))
`,
    p,
  );
  const m = jit.load(p);
  assert.equal(m.training, true);
  assert.equal(m.eval(), m);
  assert.equal(m.training, false);
  const [a, s] = m.forward(X, torch.ones([3, 3])) as [Tensor, Tensor];
  assertClose(a, exp.a, 1e-6, 'forward output 0');
  assert.ok(Math.abs(s.item() - exp.s) <= 1e-5);
  m.train();
  assert.equal(m.training, true);
  assert.throws(() => m.forward(X), /forward/);
  assert.throws(() => torch.load(p), { message: `load: cannot load '${p}': it is a TorchScript module; use jit.load` });
  m.dispose();
  assert.throws(() => m.forward(X), { message: 'ScriptModule.forward: the module was disposed' });
});

test('TS -> TS round trip without Python', () => {
  const p = join(dir, 'roundtrip.pt');
  const w = torch.randn([3, 4]);
  torch.save({ w, wt: w.t(), list: [1, 'a', null], neg: -7, map: new Map([['k', torch.arange(3)]]) }, p);
  const o = torch.load(p) as any;
  assert.deepEqual(values(o.w), values(w));
  assert.deepEqual(values(o.wt), values(w.t()));
  assert.deepEqual(o.list, [1, 'a', null]);
  assert.equal(o.neg, -7);
  assert.deepEqual(o.map.k.toArray(), [0, 1, 2]);
  const single = join(dir, 'single.pt');
  torch.save(w, single);
  assert.deepEqual(values(torch.load(single) as Tensor), values(w));
});

test('writes are atomic (temp file + rename) and errors name the path', () => {
  const sub = mkdtempSync(join(dir, 'atomic-'));
  const p = join(sub, 'x.pt');
  torch.save(torch.ones([2]), p);
  torch.save(torch.zeros([3]), p);
  assert.deepEqual(readdirSync(sub), ['x.pt'], 'no temp files left behind');
  assert.deepEqual(values(torch.load(p) as Tensor), [0, 0, 0]);
  const bad = join(dir, 'no-such-dir', 'y.pt');
  assert.throws(
    () => torch.save(torch.ones([1]), bad),
    (e: Error) => e.message.startsWith(`save: cannot write '${bad}': ENOENT`),
  );

  const missing = join(dir, 'missing.pt');
  assert.throws(() => torch.load(missing), { message: `load: cannot read '${missing}': ENOENT: no such file or directory, open '${missing}'` });
  const garbage = join(dir, 'garbage.pt');
  writeFileSync(garbage, 'not a checkpoint at all');
  assert.throws(() => torch.load(garbage), { message: `load: cannot load '${garbage}': it is not a torch.save archive (no zip directory found)` });
  const truncated = join(dir, 'truncated.pt');
  const bytes = readFileSync(p);
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 30));
  assert.throws(
    () => torch.load(truncated),
    (e: Error) => e.message.startsWith(`load: cannot load '${truncated}': `),
  );
  assert.throws(() => torch.save({ f: () => 1 }, p), {
    message: 'save: cannot save obj.f: a function (expected Tensors, numbers, strings, booleans, null, arrays, objects and Maps)',
  });
  assert.throws(() => torch.load(p, { mapLocation: 'tpu' }), /Expected a device like 'cpu', 'cuda' or 'cuda:0' for mapLocation/);
  assert.throws(() => jit.load(missing), { message: `jit.load: cannot read '${missing}': no such file` });
  assert.throws(
    () => jit.load(p),
    (e: Error) => e.message.startsWith(`jit.load: cannot load '${p}' as a TorchScript module: `),
  );
});

// ---- hostile pickles: each data.pkl is written opcode by opcode and wrapped in the zip layout
// torch.save writes (<name>/data.pkl, <name>/version, entries stored uncompressed).

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A stored (uncompressed) zip of `entries`, as torch.save lays out its archive. */
function storedZip(entries: [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  for (const [name, data] of entries) {
    const n = Buffer.from(name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt32LE(crc32(data), 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt32LE(crc32(data), 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE(off, 42);
    locals.push(lh, n, data);
    central.push(ch, n);
    off += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(off, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Writes `pickle` as the data.pkl of a torch.save archive; returns its path. */
function writePickle(name: string, pickle: Buffer): string {
  const p = join(dir, `${name}.pt`);
  writeFileSync(
    p,
    storedZip([
      [`${name}/data.pkl`, pickle],
      [`${name}/version`, Buffer.from('3\n')],
    ]),
  );
  return p;
}

const OP = { PROTO: 0x80, STOP: 0x2e, POP: 0x30, MARK: 0x28, EMPTY_LIST: 0x5d, APPEND: 0x61, APPENDS: 0x65, EMPTY_DICT: 0x7d, SETITEMS: 0x75 };
const OP2 = { BINPUT: 0x71, LONG_BINPUT: 0x72, BINGET: 0x68, LONG_BINGET: 0x6a, BININT: 0x4a, BININT1: 0x4b, NONE: 0x4e, TUPLE1: 0x85, REDUCE: 0x52 };
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/**
 * The pickle bomb: list i holds list i-1 twice, fetched from the memo (BINGET and LONG_BINGET
 * alternately). Copying instead of sharing makes 2^levels lists.
 */
function bomb(levels: number): Buffer {
  const ops = [OP.PROTO, 2, OP.EMPTY_LIST, OP2.BINPUT, 0];
  for (let i = 1; i < levels; i++) {
    const put = i % 2 ? [OP2.LONG_BINPUT, ...u32(i)] : [OP2.BINPUT, i];
    ops.push(OP.POP, OP.EMPTY_LIST, ...put, OP.MARK, OP2.LONG_BINGET, ...u32(i - 1), OP2.BINGET, i - 1, OP.APPENDS);
  }
  ops.push(OP.STOP);
  return Buffer.from(ops);
}

test('a pickle bomb (each list holds the previous one twice, through the memo) loads at once, shared as in Python', () => {
  const check = (levels: number) => {
    const bytes = bomb(levels);
    const p = writePickle(`bomb${levels}`, bytes);
    const t0 = performance.now();
    let v = torch.load(p) as unknown[];
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${levels} levels (${bytes.length} bytes) took ${ms.toFixed(0)} ms`);
    for (let i = levels - 1; i > 0; i--) {
      assert.equal(v.length, 2);
      assert.equal(v[0], v[1], `level ${i}: both entries are one shared array, as in Python`);
      v = v[0] as unknown[];
    }
    assert.deepEqual(v, []);
  };
  check(16); // 65535 arrays when copied: quick even then, so this fails (not hangs) without sharing
  check(39);
  assert.equal(bomb(39).length, 557, "a pickle of 557 bytes (the report's was 595)");
  // A list holding itself (Python: l = []; l.append(l)) becomes a cyclic array.
  const self = torch.load(writePickle('cycle', Buffer.from([OP.PROTO, 2, OP.EMPTY_LIST, OP2.BINPUT, 0, OP2.BINGET, 0, OP.APPEND, OP.STOP]))) as unknown[];
  assert.equal(self.length, 1);
  assert.equal(self[0], self);
});

test('Python loads the same bomb at once, with the lists shared', { skip: HAS_TORCH ? false : SKIP }, () => {
  const p = writePickle('bomb39py', bomb(39));
  const r = py(
    `import json, sys, time, torch
# weights_only=False: the bomb uses POP, which the weights-only unpickler (PyTorch 2.x default) lacks; the file is our own.
t = time.time(); v = torch.load(sys.argv[1], weights_only=False); ms = (time.time() - t) * 1000
depth = 0
while v: assert v[0] is v[1]; v = v[0]; depth += 1
print(json.dumps({'depth': depth, 'fast': ms < 1000}))`,
    p,
  );
  assert.deepEqual(r, { depth: 38, fast: true });
});

test('torch.load limits: nesting deeper than 1000 levels, and more elements than 8 per pickle byte, throw naming the file and the limit', () => {
  const nested = (levels: number) => Buffer.from([OP.PROTO, 2, ...Array(levels).fill(OP.EMPTY_LIST), ...Array(levels - 1).fill(OP.APPEND), OP.STOP]);
  let v = torch.load(writePickle('deep1000', nested(1000))) as unknown[];
  for (let i = 1; i < 1000; i++) v = v[0] as unknown[];
  assert.deepEqual(v, []);
  const deep = writePickle('deep1001', nested(1001));
  assert.throws(() => torch.load(deep), {
    message: `load: cannot load '${deep}': it nests lists, tuples and dicts more than 1000 levels deep, the limit of torch.load`,
  });
  // One shared list of 1000 ints copied by list(x) 2000 times: 2M elements from a 14 kB pickle.
  const ops = [OP.PROTO, 2, 0x63, ...Buffer.from('builtins\nlist\n'), OP2.BINPUT, 0, OP.POP, OP.EMPTY_LIST, OP2.BINPUT, 1, OP.MARK];
  for (let i = 0; i < 1000; i++) ops.push(OP2.BININT1, i & 0xff);
  ops.push(OP.APPENDS, OP.POP);
  for (let i = 0; i < 2000; i++) ops.push(OP2.BINGET, 0, OP2.BINGET, 1, OP2.TUPLE1, OP2.REDUCE, OP.POP);
  ops.push(OP2.NONE, OP.STOP);
  const copies = writePickle('copies', Buffer.from(ops));
  const max = 8 * ops.length + 4096;
  assert.throws(() => torch.load(copies), {
    message: `load: cannot load '${copies}': it makes more than ${max} list, tuple and dict elements, the limit of torch.load for a ${ops.length}-byte pickle (8 per byte + 4096); is it a pickle bomb?`,
  });
  // The same with 10 copies is an ordinary pickle.
  const few = [...ops.slice(0, ops.length - 2 - 2000 * 7), ...ops.slice(ops.length - 2 - 10 * 7)];
  assert.equal(torch.load(writePickle('fewcopies', Buffer.from(few))), null);
});

test('torch.load reads large dicts and ints in time linear in their size', () => {
  // A dict of 100k int keys through one SETITEMS (quadratic key lookups took 40 s).
  const n = 100_000;
  const body: number[] = [];
  for (let i = 0; i < n; i++) body.push(OP2.BININT, ...u32(i), OP2.NONE);
  const dictPkl = writePickle('bigdict', Buffer.from([OP.PROTO, 2, OP.EMPTY_DICT, OP.MARK, ...body, OP.SETITEMS, OP.STOP]));
  let t0 = performance.now();
  const d = torch.load(dictPkl) as Record<string, null>;
  assert.ok(performance.now() - t0 < 5000, `a ${n}-key dict took ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(Object.keys(d).length, n);
  assert.equal(d['99999'], null);
  // LONG4 of 200 kB (a shift per byte took 40 s); two's complement, little-endian.
  const k = 200_000;
  const long = Buffer.alloc(k, 0x11);
  long[k - 1] = 0x01;
  const longPkl = writePickle('bigint', Buffer.concat([Buffer.from([OP.PROTO, 2, 0x8b, ...u32(k)]), long, Buffer.from([OP.STOP])]));
  t0 = performance.now();
  const big = torch.load(longPkl) as bigint;
  assert.ok(performance.now() - t0 < 5000, `a ${k}-byte int took ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(big & 0xffn, 0x11n);
  assert.equal(big >> BigInt(8 * (k - 1)), 1n);
  const small = (bytes: number[]) => torch.load(writePickle('long1', Buffer.from([OP.PROTO, 2, 0x8a, bytes.length, ...bytes, OP.STOP])));
  assert.equal(small([0xff]), -1);
  assert.equal(small([0x00, 0x80]), -32768);
  assert.equal(small([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 9223372036854775807n);
  assert.equal(small([]), 0);
});

test('save to a writer and load from bytes (Buffer, Uint8Array, ArrayBuffer), as Python io.BytesIO; key order kept', (t) => {
  const chunks: Uint8Array[] = [];
  const w = torch.tensor([
    [1, 2],
    [3, 4],
  ]);
  torch.save(
    new Map<string, unknown>([
      ['1', w],
      ['0', 5],
      ['b', 'x'],
    ]),
    { write: (c: Uint8Array) => chunks.push(c) },
  );
  assert.equal(chunks.length, 1, 'the archive arrives in one write');
  const bytes = Buffer.concat(chunks);
  for (const f of [bytes, new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)]) {
    const back = torch.load(f) as Map<string, unknown>;
    // An object would list '0' before '1': the dict comes back as a Map in the saved order.
    assert.ok(back instanceof Map);
    assert.deepEqual([...back.keys()], ['1', '0', 'b']);
    assert.deepEqual((back.get('1') as Tensor).toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.equal(back.get('0'), 5);
  }
  // Keys an object keeps in order still load as a plain object (optimizer state dicts).
  const chunks2: Uint8Array[] = [];
  torch.save({ state: { 0: 1, 1: 2 }, names: ['a'] }, { write: (c: Uint8Array) => chunks2.push(c) });
  assert.deepEqual(torch.load(Buffer.concat(chunks2)), { state: { 0: 1, 1: 2 }, names: ['a'] });
  assert.throws(() => torch.save(w, 42 as never), {
    message: 'save: Expected a file path string or a writer (an object with write(), e.g. a stream) for f but received 42 of type number',
  });
  assert.throws(() => torch.load(42 as never), {
    message: 'load: Expected a file path string or bytes (Buffer, Uint8Array, ArrayBuffer) for f but received 42 of type number',
  });
  assert.throws(() => torch.load(new Uint8Array(3)), /^Error: load: cannot load '<3 bytes>': /);
  if (!HAS_TORCH) return t.skip('python3 with torch not found');
  // Python's bytes, read by Python's io.BytesIO and by torch.load from a Buffer.
  const r = spawnSync(
    PY,
    [
      '-c',
      `import io, sys, torch\nb = io.BytesIO(sys.stdin.buffer.read())\no = torch.load(b)\nprint(list(o.keys()), o['1'].tolist(), flush=True)\nout = io.BytesIO(); torch.save(o, out); sys.stdout.buffer.write(out.getvalue())`,
    ],
    { input: bytes, maxBuffer: 1 << 24 },
  );
  assert.equal(r.status, 0, String(r.stderr));
  const text = r.stdout.toString('latin1');
  const nl = text.indexOf('\n');
  assert.equal(text.slice(0, nl), "['1', '0', 'b'] [[1.0, 2.0], [3.0, 4.0]]");
  const again = torch.load(r.stdout.subarray(nl + 1)) as Map<string, unknown>;
  assert.deepEqual([...again.keys()], ['1', '0', 'b']);
  w.dispose();
});

// ---- jit.trace: a TS module recorded by LibTorch's tracer, run by Python ----

class LstmHead extends nn.Module {
  lstm = new nn.LSTM(5, 6, { numLayers: 2, batchFirst: true });
  head = new nn.Linear(6, 3);
  override forward(x: Tensor): [Tensor, [Tensor, Tensor]] {
    const [out, [h, c]] = this.lstm.call(x) as [Tensor, [Tensor, Tensor]];
    return [this.head.call(out).logSoftmax(-1), [h, c]];
  }
}

test('jit.trace: a TS model saved as TorchScript runs in Python with the same outputs; names and bytes round-trip', (t) => {
  torch.manualSeed(3);
  const cnn = new nn.Sequential(
    new nn.Conv2d(3, 4, 3),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 3 * 3, 5),
  );
  cnn.eval();
  const lstm = new LstmHead();
  const x1 = torch.randn([2, 3, 8, 8]);
  const x2 = torch.randn([4, 7, 5]);
  const traced1 = jit.trace(cnn, x1);
  const traced2 = jit.trace(lstm, [x2]);
  // The trace holds the module's own tensors under PyTorch's dotted names.
  assert.deepEqual([...traced1.stateDict().keys()], [...cnn.stateDict().keys()]);
  assert.deepEqual(
    traced2.namedParameters().map(([n]) => n),
    lstm.namedParameters().map(([n]) => n),
  );
  // Another input than the example: the recorded graph, not a replay of the example's values.
  const x1b = torch.randn([3, 3, 8, 8]);
  assert.ok((traced1.forward(x1b) as Tensor).equal(cnn.call(x1b) as Tensor));
  const [lp, [h, c]] = traced2.forward(x2) as [Tensor, [Tensor, Tensor]];
  const [elp, [eh, ec]] = lstm.call(x2) as [Tensor, [Tensor, Tensor]];
  assert.ok(lp.equal(elp) && h.equal(eh) && c.equal(ec));
  assert.deepEqual(traced2.moduleNames(), ['', 'lstm', 'head']);
  assert.equal(traced2.to('cpu'), traced2);
  assert.throws(() => traced2.to('tpu'), {
    message: "ScriptModule.to: Expected a device like 'cpu', 'cuda' or 'cuda:0' for device but received 'tpu' of type string",
  });
  // Bytes: save() without a path, jit.load(bytes).
  const again = jit.load(traced1.save()!);
  assert.ok((again.forward(x1b) as Tensor).equal(cnn.call(x1b) as Tensor));
  if (!HAS_TORCH) return t.skip(SKIP);
  const p1 = join(dir, 'traced_cnn.pt');
  const p2 = join(dir, 'traced_lstm.pt');
  const px = join(dir, 'traced_inputs.pt');
  traced1.save(p1);
  traced2.save(p2);
  torch.save([x1b, x2], px);
  const out = py(
    `
import json, sys, torch
cnn = torch.jit.load(sys.argv[1]); lstm = torch.jit.load(sys.argv[2]); x1, x2 = torch.load(sys.argv[3])
y = cnn(x1); lp, (h, c) = lstm(x2)
torch.save([y, lp, h, c], sys.argv[4])
print(json.dumps({'keys': list(cnn.state_dict().keys()), 'training': cnn.training}))
`,
    p1,
    p2,
    px,
    join(dir, 'traced_out.pt'),
  );
  assert.deepEqual(out.keys, [...cnn.stateDict().keys()]);
  assert.equal(out.training, false, 'the trace keeps the eval mode it was recorded in');
  assert.equal(traced2.training, true);
  const [y, plp, ph, pc] = torch.load(join(dir, 'traced_out.pt')) as Tensor[];
  assert.ok(y.equal(cnn.call(x1b) as Tensor), 'Python runs the traced CNN with the same outputs');
  assert.ok(plp.equal(elp) && ph.equal(eh) && pc.equal(ec), 'Python runs the traced LSTM with the same outputs');
});

test('jit.trace: errors name the argument; an exception in forward ends the trace and the next one works', () => {
  assert.throws(() => jit.trace(42 as never, torch.ones([1])), { message: 'jit.trace: Expected an nn.Module for module but received 42 of type number' });
  const lin = new nn.Linear(2, 2);
  assert.throws(() => jit.trace(lin, [1] as never), { message: 'jit.trace: Expected Tensor for exampleInputs[0] but received 1 of type number' });
  class Bad extends nn.Module {
    override forward(): Tensor {
      throw new Error('forward failed on purpose');
    }
  }
  assert.throws(() => jit.trace(new Bad(), torch.ones([2])), /forward failed on purpose/);
  class Num extends nn.Module {
    override forward(): number {
      return 3;
    }
  }
  assert.throws(() => jit.trace(new Num() as never, torch.ones([2])), {
    message: 'jit.trace: the forward must return a Tensor or an array of Tensors but returned 3 of type number',
  });
  const x = torch.ones([3, 2]);
  assert.ok((jit.trace(lin, x).forward(x) as Tensor).equal(lin.call(x) as Tensor));
  assert.throws(() => jit.trace(lin, x).save(''), { message: "ScriptModule.save: Expected a file path string for f but received '' of type string" });
});

test('ScriptModule methods take and return any TorchScript value: int, float, bool, str, None, List, Tuple, Dict, nested', (t) => {
  if (!HAS_TORCH) return t.skip(SKIP);
  const p = join(dir, 'values.pt');
  py(
    `
import json, sys, torch
from typing import Dict, List, Optional, Tuple
class V(torch.nn.Module):
    def forward(self, x: torch.Tensor, k: int, scale: float = 0.5) -> Tuple[torch.Tensor, int, float]:
        return x * scale + k, k * 2, scale / 2
    @torch.jit.export
    def describe(self, name: str, flags: List[bool], extra: Optional[int]) -> Dict[str, List[int]]:
        n = 0 if extra is None else extra
        empty: List[int] = []
        return {name: [len(flags), n], 'none': empty}
    @torch.jit.export
    def total(self, d: Dict[str, torch.Tensor], ws: List[float]) -> Tuple[Optional[str], torch.Tensor]:
        s = torch.zeros(1)
        for i, k in enumerate(sorted(d.keys())):
            s = s + d[k].sum() * ws[i]
        return None, s
m = torch.jit.script(V())
m.save(sys.argv[1])
print(json.dumps(0))
`,
    p,
  );
  const m = jit.load(p);
  assert.deepEqual(m.methodNames().sort(), ['describe', 'forward', 'total']);
  const [y, k2, half] = m.forward(torch.tensor([1, 2]), 3) as [Tensor, number, number];
  assert.deepEqual(y.toArray(), [3.5, 4]);
  assert.equal(k2, 6);
  assert.equal(half, 0.25);
  // 2 is passed as a float where the schema says float.
  assert.deepEqual((m.forward(torch.tensor([1]), 0, 2) as [Tensor])[0].toArray(), [2]);
  const d = m.callMethod('describe', 'abc', [true, false, true], null) as Map<string, number[]>;
  assert.ok(d instanceof Map);
  assert.deepEqual(
    [...d.entries()],
    [
      ['abc', [3, 0]],
      ['none', []],
    ],
  );
  assert.deepEqual([...(m.callMethod('describe', 'x', [], 7) as Map<string, number[]>).entries()][0], ['x', [0, 7]]);
  const [none, s] = m.callMethod('total', { b: torch.ones([2]), a: torch.tensor([1, 2, 3]) }, [1, 10]) as [null, Tensor];
  assert.equal(none, null);
  assert.deepEqual(s.toArray(), [26]);
  const total2 = m.callMethod('total', new Map([['a', torch.ones([1])]]), [2.5]) as [null, Tensor];
  assert.deepEqual(total2[1].toArray(), [2.5]);
  // Errors name the method, the argument and the expected TorchScript type.
  assert.throws(() => m.forward(torch.ones([1]), 1.5), { message: "ScriptModule.forward: expected int for argument 'k' but received 1.5" });
  assert.throws(() => m.callMethod('describe', 3, [], null), { message: "ScriptModule.callMethod: expected str for argument 'name' but received 3" });
  assert.throws(() => m.callMethod('describe', 'a', [1], null), { message: "ScriptModule.callMethod: expected bool for argument 'flags'[0] but received 1" });
  assert.throws(() => m.callMethod('nope'), { message: "ScriptModule.callMethod: the module has no method 'nope'" });
  assert.throws(() => m.callMethod('describe', 'a', [true]), { message: "ScriptModule.callMethod: describe() is missing argument 'extra' (Optional[int])" });
  assert.throws(() => m.forward(torch.ones([1]), 1, 2, 3), { message: 'ScriptModule.forward: forward() takes 3 argument(s) but 4 were given' });
  assert.throws(
    () => m.forward(new Date() as never, 1),
    /ScriptModule.forward: argument 0: Expected a Tensor, number, boolean, string, null, array, Map or plain object but received/,
  );
  m.dispose();
});
