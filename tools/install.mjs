// `npm install torchnode`: use the prebuilt binary when it loads against the LibTorch on this
// machine; otherwise build from source with cmake-js (LibTorch found as in cmake/LibTorch.cmake).
// In a development checkout (a .git folder) nothing happens: tools/setup.sh builds there.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (existsSync(join(root, '.git')) || process.env.TORCHNODE_SKIP_INSTALL) process.exit(0);

const require = createRequire(import.meta.url);
function tryLoad() {
  try {
    const addon = require('node-gyp-build')(root);
    return { ok: true, info: addon.buildInfo() };
  } catch (e) {
    return { ok: false, error: String(e?.message ?? e).split('\n')[0] };
  }
}

// The LibTorch a source build would use (same discovery order as the build).
function foundLibTorch() {
  const r = spawnSync(process.execPath, [join(root, 'tools/libtorch-paths.mjs'), 'version'], { encoding: 'utf8' });
  const libs = spawnSync(process.execPath, [join(root, 'tools/libtorch-paths.mjs'), 'libs'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return { version: r.stdout.trim(), cuda: /torch_cuda/.test(libs.stdout) };
}

const pre = tryLoad();
const found = foundLibTorch();
let mismatch = '';
if (pre.ok && found && found.version !== 'unknown' && (found.version !== pre.info.torchVersion || found.cuda !== pre.info.cudaBuild)) {
  mismatch =
    `the prebuilt binary was built against LibTorch ${pre.info.torchVersion} (CUDA: ${pre.info.cudaBuild ? 'yes' : 'no'}) ` +
    `but this machine's LibTorch is ${found.version} (CUDA: ${found.cuda ? 'yes' : 'no'})`;
}
if (pre.ok && !mismatch && !process.env.TORCHNODE_BUILD_FROM_SOURCE) {
  console.log(`torchnode: using the prebuilt binary (LibTorch ${pre.info.torchVersion}, CUDA: ${pre.info.cudaBuild ? 'yes' : 'no'})`);
  process.exit(0);
}
if (mismatch) console.log(`torchnode: ${mismatch}; building from source`);
else if (!pre.ok) console.log(`torchnode: the prebuilt binary does not load here (${pre.error}); building from source`);
const r = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', '--CDCMAKE_BUILD_TYPE=Release'], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error(
    'torchnode: the source build failed. It needs cmake, a C++17 compiler and a LibTorch: LIBTORCH=/path/to/libtorch, ' +
      'a python3 with torch, or (Debian/Ubuntu) apt-get install libtorch-dev libopenblas0.',
  );
  process.exit(r.status ?? 1);
}

// Inside node_modules only the binaries stay: the precompiled header alone is ~450 MB, and the
// object files and CMake's cache are of no use once the addon is linked.
const buildDir = join(root, 'build');
for (const entry of readdirSync(buildDir)) {
  if (entry !== 'Release') rmSync(join(buildDir, entry), { recursive: true, force: true });
}
for (const entry of readdirSync(join(buildDir, 'Release'))) {
  if (!/^torchnode(_gc)?\.(node|so)$/.test(entry)) rmSync(join(buildDir, 'Release', entry), { recursive: true, force: true });
}
console.log('torchnode: built from source; build intermediates removed');
