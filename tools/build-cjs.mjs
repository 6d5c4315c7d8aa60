// The CommonJS entry (`require('torchnode')`): one esbuild bundle of the ESM sources, with
// import.meta.url mapped to the bundle's own file URL so the addon is found the same way.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: ['lib/index.ts'],
  outfile: 'dist/index.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: Object.keys(pkg.dependencies ?? {}),
  define: { 'import.meta.url': '__torchnodeImportMetaUrl' },
  banner: { js: "const __torchnodeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
