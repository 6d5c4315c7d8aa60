// LibTorch discovery for the node-gyp route (binding.gyp), in the same order as cmake/LibTorch.cmake:
// LIBTORCH / Torch_DIR, python3's torch, the system. Prints include dirs, libraries or rpath dirs.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

function fromPrefix(prefix) {
  return { include: [join(prefix, 'include'), join(prefix, 'include/torch/csrc/api/include')], lib: join(prefix, 'lib') };
}

function discover() {
  if (process.env.LIBTORCH) return fromPrefix(process.env.LIBTORCH);
  if (process.env.Torch_DIR) return fromPrefix(resolve(process.env.Torch_DIR, '../../..'));
  try {
    const p = execFileSync('python3', ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    if (p && existsSync(join(p, 'Torch'))) return fromPrefix(resolve(p, '../..'));
  } catch {
    /* no python torch */
  }
  for (const base of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']) {
    if (existsSync(join(base, 'cmake/Torch/TorchConfig.cmake'))) {
      return { include: ['/usr/include', '/usr/include/torch/csrc/api/include'], lib: base };
    }
  }
  console.error('torchnode: LibTorch not found (set LIBTORCH or Torch_DIR, install python3 torch, or apt-get install libtorch-dev)');
  process.exit(1);
}

const t = discover();

/** The linker flags for LibTorch's libraries present in t.lib (CUDA ones only in a CUDA build). */
function linkFlags() {
  const names = readdirSync(t.lib);
  const libs = ['torch', 'torch_cpu', 'c10', 'torch_cuda', 'c10_cuda'].filter((n) => names.includes(`lib${n}.so`));
  return ['-Wl,--no-as-needed', ...libs.map((n) => `-l${n}`), '-Wl,--as-needed'];
}
const what = process.argv[2];
if (what === 'include') console.log(t.include.join(' '));
else if (what === 'libdir') console.log(t.lib);
else if (what === 'libs') console.log(linkFlags().join(' '));
// All three at once (one discovery, which may start python3): bench/run.ts compiles its C++ sides with it.
else if (what === 'json') console.log(JSON.stringify({ include: t.include, libdir: t.lib, libs: linkFlags() }));
else if (what === 'version') {
  // torch/version.h defines the numbers up to 2.8; from 2.9 it includes torch/headeronly/version.h.
  const text = [join(t.include[1], 'torch/version.h'), join(t.include[0], 'torch/headeronly/version.h')]
    .map((v) => (existsSync(v) ? readFileSync(v, 'utf8') : ''))
    .join('\n');
  const part = (k) => (new RegExp(`#define TORCH_VERSION_${k} (\\d+)`).exec(text) || [])[1];
  console.log(part('MAJOR') ? `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` : 'unknown');
}
