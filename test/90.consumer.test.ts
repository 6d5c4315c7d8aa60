/**
 * A consumer project: installs the `npm pack` tarball (with the prebuilt binary of this build),
 * imports it as ESM and CommonJS, type-checks a .ts file against the shipped types, and trains
 * a tiny model. Nothing is downloaded: npm resolves the dependencies from its cache.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync, rmSync, existsSync, symlinkSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('npm pack tarball installs offline and works from ESM, CJS and TypeScript', { timeout: 600_000 }, (t) => {
  const work = mkdtempSync(join(tmpdir(), 'torchnode-consumer-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  // The prebuild this machine would ship (prebuildify names N-API builds node.napi.node).
  // The binary in use here (build/Release, or prebuilds/ after `npm run prebuildify`).
  const addon = createRequire(import.meta.url)('node-gyp-build').path(root) as string;
  const prebuildDir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  mkdirSync(prebuildDir, { recursive: true });
  if (resolve(addon) !== resolve(prebuildDir, 'node.napi.node')) copyFileSync(addon, join(prebuildDir, 'node.napi.node'));
  // The GC guard module travels next to the addon (prebuildify copies the build's .so files).
  const guard = join(dirname(addon), 'torchnode_gc.so');
  if (resolve(guard) !== resolve(prebuildDir, 'torchnode_gc.so')) copyFileSync(guard, join(prebuildDir, 'torchnode_gc.so'));

  const packOut = run(npm, ['pack', '--json', '--pack-destination', work], root);
  const info = JSON.parse(packOut)[0] as { filename: string; files: { path: string }[] };
  const files = info.files.map((f) => f.path);
  // Only what a user needs: the compiled facade, the addon sources for a source build, the prebuild.
  assert.ok(files.includes('dist/index.js') && files.includes('dist/index.cjs') && files.includes('dist/index.d.ts'));
  assert.ok(files.some((f) => f.startsWith(`prebuilds/${process.platform}-${process.arch}/`) && f.endsWith('.node')));
  assert.ok(files.includes(`prebuilds/${process.platform}-${process.arch}/torchnode_gc.so`), 'the GC guard module is packed');
  assert.ok(files.includes('CMakeLists.txt') && files.some((f) => f.startsWith('native/')));
  assert.ok(
    !files.some((f) => f.startsWith('test/') || f.startsWith('scripts/') || f.startsWith('build/') || f.startsWith('.ci/')),
    `unexpected files in the package: ${files.filter((f) => /^(test|scripts|build|\.ci)\//.test(f)).join(', ')}`,
  );

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  // A TypeScript consumer on Node has @types/node (the shipped declarations use Buffer and node: modules).
  const typesNode = JSON.parse(run(npm, ['ls', '@types/node', '--json'], root)).dependencies['@types/node'].version as string;
  // A machine with no compiler: PATH holds node, npm and sh (npm runs scripts with it) only: no cc,
  // c++, cmake or make.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  const npmCli = realpathSync(spawnSync('sh', ['-c', `command -v ${npm}`], { encoding: 'utf8' }).stdout.trim());
  symlinkSync(npmCli, join(bin, 'npm'));
  const noCompiler = { ...process.env, PATH: bin, CC: '', CXX: '' };
  const installLog = run(
    join(bin, 'npm'),
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', join(work, info.filename), `@types/node@${typesNode}`],
    app,
    noCompiler,
  );
  assert.match(installLog, /torchnode: using the prebuilt binary \(LibTorch /);
  assert.ok(existsSync(join(app, 'node_modules/torchnode/prebuilds')));
  assert.ok(!existsSync(join(app, 'node_modules/torchnode/build')), 'the prebuilt binary should have been used, not a source build');
  const installedMb = Number(spawnSync('du', ['-sk', join(app, 'node_modules/torchnode')], { encoding: 'utf8' }).stdout.split('\t')[0]) / 1024;
  t.diagnostic(`installed size of node_modules/torchnode: ${installedMb.toFixed(1)} MB`);
  assert.ok(installedMb <= 20, `node_modules/torchnode takes ${installedMb.toFixed(1)} MB`);

  writeFileSync(
    join(app, 'esm.mjs'),
    `
import * as torch from 'torchnode';
torch.manualSeed(0);
const w = torch.zeros([3, 1], { requiresGrad: true });
const x = torch.randn([64, 3]);
const y = x.matmul(torch.tensor([[1], [-2], [0.5]]));
for (let i = 0; i < 200; i++) {
  torch.tidy(() => {
    const loss = x.matmul(w).sub(y).pow(2).mean();
    loss.backward();
    torch.noGrad(() => { w.sub_(w.grad.mul(0.1)); w.grad.zero_(); });
  });
}
console.log(JSON.stringify(Array.from(w.dataSync()).map((v) => Math.round(v * 1000) / 1000)));
// A synchronous loop that never disposes: the installed GC guard module frees what it drops
// (64 KiB tensors: their bytes, reported to V8 as external memory, make it collect).
let maxLive = 0;
const big = torch.randn([128, 128]);
for (let i = 0; i < 5000; i++) {
  big.mul(2).add(1).relu();
  if (i % 500 === 499) maxLive = Math.max(maxLive, torch.memory().numTensors);
}
console.log(maxLive);
`,
  );
  const [weights, maxLive] = run(process.execPath, ['esm.mjs'], app, noCompiler).trim().split('\n');
  assert.deepEqual(JSON.parse(weights), [1, -2, 0.5]);
  assert.ok(Number(maxLive) < 5000, `live tensors in a synchronous never-dispose loop of 15,000: ${maxLive}`);

  writeFileSync(
    join(app, 'cjs.cjs'),
    `
const torch = require('torchnode');
const t = torch.tensor([[1, 2], [3, 4]]);
console.log(JSON.stringify({ sum: t.sum().item(), shape: t.shape, libtorch: torch.version.libtorch }));
`,
  );
  const cjs = JSON.parse(run(process.execPath, ['cjs.cjs'], app));
  assert.equal(cjs.sum, 10);
  assert.deepEqual(cjs.shape, [2, 2]);

  writeFileSync(
    join(app, 'typed.ts'),
    `
import * as torch from 'torchnode';
const t: torch.Tensor = torch.ones([2, 3], { dtype: 'float64' });
const s: number = t.sum().item();
const [values, indices] = torch.max(t, 1);
const d: Float64Array | Float32Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array = values.dataSync();
export { s, indices, d };
`,
  );
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['typed.ts'],
    }),
  );
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc --noEmit failed:\n${r.stdout}${r.stderr}`);
  t.diagnostic(`package files: ${files.length}; tarball ${info.filename}`);
});
