import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as torch from '../lib/index.js';

test('the addon loads and reports the LibTorch it was built against', () => {
  const found = execFileSync(process.execPath, ['tools/libtorch-paths.mjs', 'version']).toString().trim();
  assert.equal(torch.version.libtorch, found);
  assert.equal(typeof torch.version.cuda, 'boolean');
});

test('a tensor round-trips through LibTorch', () => {
  const t = torch.tensor([
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(t.shape, [2, 2]);
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(Array.from(t.mul(t).dataSync<'float32'>()), [1, 4, 9, 16]);
  t.dispose();
});

test("loading torchnode leaves Node's signal handlers in place: a WebAssembly bounds trap is still a RuntimeError", () => {
  // Debian's LibTorch 2.x pulls in UCX, whose constructor replaced SIGSEGV's handler: V8's wasm
  // trap handler then never ran and the process died (lib/native.ts keepNodeSignalHandlers).
  // (module (memory 1) (func (export "load") (param i32) (result i32) local.get 0 i32.load))
  const wasm = [
    0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 8, 1, 4, 108, 111, 97, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 40, 2, 0,
    11,
  ];
  const script = [
    "await import('./lib/index.js');",
    `const m = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(wasm)})));`,
    'try { m.exports.load(1 << 30); console.log("no trap"); } catch (e) { console.log(e.constructor.name + ": " + e.message); }',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: new URL('..', import.meta.url).pathname,
  });
  assert.equal(r.signal, null, `the child died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'RuntimeError: memory access out of bounds');
});

test("loading torchnode leaves libc's code unpatched (UCX's memory hooks rewrite mmap/munmap while V8's threads run)", () => {
  // Every executable mapping of libc in this process, byte for byte against the file it maps
  // (a patched page also splits the mapping in pieces, hence all of them).
  const script = `
    await import('./lib/index.js');
    const fs = await import('node:fs');
    const pieces = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => / r-xp .*\\/libc\\.so\\.6$/.test(l));
    let diff = 0;
    const fm = fs.openSync('/proc/self/mem', 'r');
    for (const line of pieces) {
      const [range, , offset, , , path] = line.trim().split(/\\s+/);
      const [start, end] = range.split('-').map((h) => parseInt(h, 16));
      const n = end - start, mem = Buffer.alloc(n), file = Buffer.alloc(n);
      fs.readSync(fm, mem, 0, n, start);
      const ff = fs.openSync(path, 'r');
      fs.readSync(ff, file, 0, n, parseInt(offset, 16));
      fs.closeSync(ff);
      for (let i = 0; i < n; i++) if (mem[i] !== file[i]) diff++;
    }
    console.log(pieces.length === 0 ? 'no libc mapping' : diff === 0 ? 'libc unpatched' : 'libc patched: ' + diff + ' bytes differ');`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: new URL('..', import.meta.url).pathname,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /^(libc unpatched|no libc mapping)$/);
});
