/**
 * The API coverage report (`npm run coverage`, tools/coverage/): torchnode_names.ts lists what
 * lib/ exports per namespace; report.py compares it with PyTorch's public names
 * (pytorch_names.py, which states the exclusion rules) and maps Python spellings to torchnode's.
 * docs/coverage-missing.md is not checked for staleness here: it changes whenever an op is added.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NAMESPACES = ['torch', 'Tensor', 'linalg', 'fft', 'special', 'nn.functional', 'nn', 'nn.init', 'optim', 'lr_scheduler', 'autograd', 'utils.data'];

interface Row {
  covered: number;
  total: number;
  percent: number;
  missing: string[];
  covered_as: Record<string, string>;
}
interface Report {
  torch_version: string;
  covered: number;
  total: number;
  namespaces: Record<string, Row>;
}

const noPythonTorch = (): false | string =>
  spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0
    ? false
    : `${PYTHON} with torch is not available (tools/setup.sh installs it on Debian as root)`;

test('torchnode_names.ts lists every namespace from lib/index.ts, Tensor members included', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('tools', 'coverage', 'torchnode_names.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const names = JSON.parse(r.stdout) as Record<string, string[]>;
  for (const ns of NAMESPACES) assert.ok(Array.isArray(names[ns]), `${ns} is listed`);
  for (const n of ['indexSelect', 'manualSeed', 'noGrad', 'tensor']) assert.ok(names.torch.includes(n), `torch.${n}`);
  // methods, in-place variants and getters of Tensor.prototype
  for (const n of ['indexSelect', 'add_', 'zero_', 'shape', 'requiresGrad', 'isLeaf']) assert.ok(names.Tensor.includes(n), `Tensor.${n}`);
  assert.ok(!names.Tensor.includes('constructor'));
  assert.ok(names['nn.init'].includes('xavierUniform_'));
  assert.ok(names.nn.includes('Linear') && names.optim.includes('Adam') && names.lr_scheduler.includes('StepLR'));
  assert.ok(!names.optim.includes('lrScheduler'), 'the scheduler namespace is counted on its own');
  assert.ok(names['utils.data'].includes('DataLoader'));
});

test('report.py counts PyTorch names per namespace, maps snake_case to camelCase and writes the missing names', { skip: noPythonTorch() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'coverage-'));
  try {
    const md = join(dir, 'missing.md');
    const r = spawnSync(PYTHON, [join('tools', 'coverage', 'report.py'), '--json', '--missing', md], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(Object.keys(report.namespaces), NAMESPACES);
    let covered = 0;
    let total = 0;
    for (const [ns, row] of Object.entries(report.namespaces)) {
      assert.ok(row.total > 0, `${ns} has PyTorch names`);
      assert.ok(row.covered <= row.total, `${ns}: covered ≤ total`);
      assert.equal(row.covered + row.missing.length, row.total, `${ns}: every name is covered or missing`);
      assert.equal(Object.keys(row.covered_as).length, row.covered);
      covered += row.covered;
      total += row.total;
    }
    assert.equal(report.covered, covered);
    assert.equal(report.total, total);

    const ns = report.namespaces;
    // the camelCase rule, trailing underscores kept, and the alias table
    assert.equal(ns.torch.covered_as.index_select, 'indexSelect');
    assert.equal(ns.torch.covered_as.manual_seed, 'manualSeed');
    assert.equal(ns.torch.covered_as.set_printoptions, 'setPrintOptions');
    assert.equal(ns.Tensor.covered_as.index_select, 'indexSelect');
    assert.equal(ns.Tensor.covered_as.add_, 'add_');
    assert.equal(ns.Tensor.covered_as.requires_grad_, 'requiresGrad_');
    assert.equal(ns.Tensor.covered_as.is_leaf, 'isLeaf');
    assert.equal(ns['nn.init'].covered_as.xavier_uniform_, 'xavierUniform_');
    assert.equal(ns['nn.functional'].covered_as.cross_entropy, 'crossEntropy');
    assert.equal(ns.nn.covered_as.Linear, 'Linear');
    assert.equal(ns.lr_scheduler.covered_as.StepLR, 'StepLR');
    assert.equal(ns['utils.data'].covered_as.random_split, 'randomSplit');
    assert.equal(ns['utils.data'].covered_as.DistributedSampler, 'distributed.DistributedSampler');

    // excluded names are in neither column: private, deprecated, quantization, sparse, Lazy, Python machinery
    const counted = (n: string, row: Row): boolean => n in row.covered_as || row.missing.includes(n);
    for (const n of ['_cast_Float', 'chain_matmul', 'quantize_per_tensor', 'sparse_coo_tensor', 'from_numpy', 'cudnn_convolution', 'conv2d']) {
      assert.ok(!counted(n, ns.torch), `torch.${n} is excluded`);
    }
    for (const n of ['__add__', 'symeig', 'to_sparse', 'rename', 'numpy', 'storage', 'q_scale']) assert.ok(!counted(n, ns.Tensor), `Tensor.${n} is excluded`);
    for (const n of ['LazyLinear', 'Container', 'NLLLoss2d']) assert.ok(!counted(n, ns.nn), `nn.${n} is excluded`);
    assert.ok(!counted('xavier_uniform', ns['nn.init']), 'deprecated nn.init spellings are excluded');
    assert.ok(!counted('SparseAdam', ns.optim));
    assert.ok(counted('conv2d', ns['nn.functional']), 'torch.conv2d counts once, under nn.functional');

    const text = readFileSync(md, 'utf8');
    assert.match(text, /Generated by tools\/coverage\/report\.py: do not edit\. Regenerate with `npm run coverage`/);
    for (const n of NAMESPACES) assert.ok(text.includes(`\n## ${n} (`), `a section for ${n}`);
    for (const [n, row] of Object.entries(ns)) for (const m of row.missing.slice(0, 3)) assert.ok(text.includes(m), `${n}: ${m} is listed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
