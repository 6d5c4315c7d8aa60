/**
 * The API reference and TSDoc coverage: tools/check-tsdoc.mjs finds undocumented exports (checked
 * on a fixture), lib/ has no undocumented export outside the files listed as known gaps, and
 * `typedoc` (typedoc.json: treatWarningsAsErrors) builds the reference without a warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Missing {
  file: string;
  line: number;
  kind: string;
  name: string;
}

function checkTsdoc(args: string[]): { total: number; missing: Missing[]; status: number | null } {
  const r = spawnSync(process.execPath, [join(ROOT, 'tools', 'check-tsdoc.mjs'), '--json', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.stderr, '');
  return { ...(JSON.parse(r.stdout) as { total: number; missing: Missing[] }), status: r.status };
}

test('check-tsdoc reports exactly the undocumented exports of a fixture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsdoc-'));
  try {
    writeFileSync(
      join(dir, 'a.ts'),
      [
        '/** Documented. */',
        'export function documented(): void {}',
        'export function bare(): void {}',
        '/** The first overload carries the doc. */',
        'export function over(x: number): number;',
        'export function over(x: string): string;',
        'export function over(x: unknown): unknown { return x; }',
        'export const k = 1;',
        '// a line comment is not TSDoc',
        'export class Plain {',
        '  /** ok */',
        '  a = 1;',
        '  b = 2;',
        '  private c = 3;',
        '  /** @internal */',
        '  d = 4;',
        '}',
        '/** Has a doc. */',
        'export interface Opts {',
        '  /** doc */',
        '  x?: number;',
        '  y?: number;',
        '}',
        'function notExported(): void {}',
        'export { notExported };',
        'export type Alias = number;',
        '',
      ].join('\n'),
    );
    const top = checkTsdoc([dir]);
    assert.equal(top.status, 1);
    assert.equal(top.total, 7);
    assert.deepEqual(
      top.missing.map((m) => `${m.line} ${m.kind} ${m.name}`),
      ['3 function bare', '8 const k', '10 class Plain', '26 type Alias'],
    );
    const withMembers = checkTsdoc(['--members', dir]);
    assert.deepEqual(
      withMembers.missing.filter((m) => m.kind === 'member').map((m) => m.name),
      ['Plain.b', 'Opts.y'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Files that still have undocumented exports, owned by other engineers (see the report); every
// other file under lib/ must stay fully documented.
const KNOWN_GAPS = new Set([
  'lib/tensor.ts',
  'lib/index.ts',
  'lib/native.ts',
  'lib/scope.ts',
  'lib/nn/common.ts',
  'lib/optim/optimizer.ts',
  'lib/data/vision.ts',
  'lib/distributed/backend.ts',
]);

test('every export under lib/ has a TSDoc comment, outside the known gaps', (t) => {
  const { total, missing } = checkTsdoc(['lib']);
  t.diagnostic(
    `${missing.length} of ${total} exported declarations lack a TSDoc comment (known gaps: ${[...new Set(missing.map((m) => m.file))].join(', ') || 'none'})`,
  );
  const unexpected = missing.filter((m) => !KNOWN_GAPS.has(m.file));
  assert.deepEqual(
    unexpected.map((m) => `${m.file}:${m.line} ${m.kind} ${m.name}`),
    [],
  );
});

test('the API reference builds with typedoc without a warning', { timeout: 600_000 }, () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 540_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `typedoc failed:\n${out}`);
  assert.doesNotMatch(out, /\[warning\]/);
});
