/**
 * The library's layout: `import 'torchnode'` (lib/index.ts and everything it imports) loads no
 * homework code (scripts/, the report and live-chart code in scripts/viz/), no report-only package
 * (pngjs, uPlot, resvg, playwright) and no HTTP code (node:http/https are loaded on the first
 * download only). A child process records every module the import resolves (an ESM resolve hook
 * registered after tsx's, plus the CommonJS cache) and the built-in modules Node loaded; the same
 * probe on scripts/viz/live.ts shows that it does see a report module and node:http.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');

/** The hooks: every resolved URL is appended to the file named in `data.file`, synchronously. */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + '\\n');
  return r;
}
`;

interface Loaded {
  /** Files (absolute paths) of the modules loaded, ESM and CommonJS. */
  files: string[];
  /** Built-in modules imported by specifier (`node:http`, `zlib`, …). */
  builtins: string[];
  /** Node's own list of loaded internal modules (`NativeModule http`, …). */
  moduleLoadList: string[];
}

/** What `import(entry)` loads in a fresh `node --import tsx` process. */
function probe(entry: string): Loaded {
  const dir = mkdtempSync(join(tmpdir(), 'torchnode-layout-'));
  try {
    const hooks = join(dir, 'hooks.mjs');
    const log = join(dir, 'resolved.txt');
    writeFileSync(hooks, HOOKS);
    writeFileSync(log, '');
    const script = [
      "import { register, Module } from 'node:module';",
      `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { file: ${JSON.stringify(log)} } });`,
      `await import(${JSON.stringify(pathToFileURL(entry).href)});`,
      'console.log(JSON.stringify({ cjs: Object.keys(Module._cache), moduleLoadList: process.moduleLoadList }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `the probe of ${entry} failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { cjs: string[]; moduleLoadList: string[] };
    const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const files = new Set(out.cjs);
    for (const u of urls) if (u.startsWith('file:')) files.add(fileURLToPath(u));
    const builtins = urls.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')).map((u) => u.replace(/^node:/, ''));
    return { files: [...files], builtins, moduleLoadList: out.moduleLoadList };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loaded files (relative to the repository) that the library must not load. */
function forbiddenFiles(l: Loaded): string[] {
  const rel = l.files.filter((f) => f.startsWith(ROOT + sep)).map((f) => f.slice(ROOT.length + 1));
  return rel.filter(
    (f) =>
      f.startsWith(`scripts${sep}`) ||
      f.startsWith(`test${sep}`) ||
      /(^|[\\/])(viz|report|live|svgchart)([\\/.]|$)/.test(f.replace(/^node_modules[\\/]/, '')) ||
      /^node_modules[\\/](pngjs|uplot|@resvg|playwright-core|dejavu-fonts-ttf)[\\/]/.test(f),
  );
}

const HTTP = /^NativeModule (http|https|_http_client|_http_server|_http_agent|tls)$/;

test('importing the library loads no homework, report or HTTP module', () => {
  const l = probe(join(ROOT, 'lib', 'index.ts'));
  // The probe saw the library itself (else the checks below would pass on nothing).
  for (const f of ['index.ts', 'tensor.ts', 'native.ts', join('data', 'download.ts')]) {
    assert.ok(l.files.includes(join(ROOT, 'lib', f)), `lib/${f} not among the loaded files: ${l.files.join(', ')}`);
  }
  assert.deepEqual(forbiddenFiles(l), []);
  assert.deepEqual(
    l.builtins.filter((b) => /^(http|https|http2|net|tls)$/.test(b)),
    [],
  );
  assert.deepEqual(
    l.moduleLoadList.filter((m) => HTTP.test(m)),
    [],
  );
});

test('the layout probe does see a report module and node:http (scripts/viz/live.ts)', () => {
  const l = probe(join(ROOT, 'scripts', 'viz', 'live.ts'));
  assert.deepEqual(forbiddenFiles(l), [join('scripts', 'viz', 'live.ts')]);
  assert.ok(l.builtins.includes('http'), `node:http not among the imported built-ins: ${l.builtins.join(', ')}`);
  assert.ok(l.moduleLoadList.includes('NativeModule http'));
});
