/**
 * `--out` is checked before any work: every homework script (parts 1–5, main, report) refuses a
 * file, a read-only folder and a path under /proc (as given, or reached through a link) within a
 * second, naming the script, the option, the path and why, and prints nothing first (no data
 * loaded, no training). Before, such a folder failed only when the first result was written,
 * after the training (or blocked, for /proc/self/x).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticCifar10 } from '../scripts/cifar.js';
import { checkOutDir } from '../scripts/common.js';
import { main as part1 } from '../scripts/part1_2.js';
import { main as part2 } from '../scripts/part2.js';
import { main as part3 } from '../scripts/part3.js';
import { main as part4 } from '../scripts/part4.js';
import { main as part5 } from '../scripts/part5.js';
import { main as hwMain } from '../scripts/main.js';
import { main as report } from '../scripts/report.js';

const root = mkdtempSync(join(tmpdir(), 'hw-outdir-'));
writeSyntheticCifar10(root, { seed: 3, nTrain: 50, nTest: 10 });
const file = join(root, 'a-file');
writeFileSync(file, 'not a folder');
const viaLink = join(root, 'to-proc');
symlinkSync('/proc/self', viaLink);

// A read-only folder: mode 0555 stops other users; root (as in containers) writes anyway, so
// there the folder is also made immutable (chattr +i) when the file system allows it.
const ro = join(root, 'read-only');
mkdirSync(ro);
chmodSync(ro, 0o555);
let immutable = false;
const writable = (dir: string): boolean => {
  try {
    writeFileSync(join(dir, 'probe'), '');
    unlinkSync(join(dir, 'probe'));
    return true;
  } catch {
    return false;
  }
};
if (writable(ro)) immutable = spawnSync('chattr', ['+i', ro]).status === 0;
const roSkip = writable(ro) ? 'cannot make a read-only folder here (running as root without chattr)' : false;

after(() => {
  if (immutable) spawnSync('chattr', ['-i', ro]);
  rmSync(root, { recursive: true, force: true });
});

type Main = (argv: string[]) => unknown;
const tiny = ['--data', root, '--seed', '1', '--steps', '1', '--models', 'mlp_1', '--no-progress', '--threads', '1'];
const SCRIPTS: [name: string, main: Main, args: string[]][] = [
  ['part1', part1, ['--epochs', '2']],
  ['part2', part2, ['--samples', '1']],
  ['part3', part3, tiny],
  ['part4', part4, tiny],
  ['part5', part5, tiny],
  ['main', hwMain, ['--parts', '3', '--data', root, '--no-export']],
  ['report', report, ['--no-export']],
];

/** Runs main with `--out out`; returns its error, how long it took, and what it printed. */
async function refused(main: Main, args: string[], out: string): Promise<{ error: Error; ms: number; printed: string[] }> {
  const printed: string[] = [];
  const saved = [console.log, console.error, console.warn];
  console.log = console.error = console.warn = (...a: unknown[]) => printed.push(a.join(' '));
  const t0 = performance.now();
  try {
    await main([...args, '--out', out]);
  } catch (e) {
    return { error: e as Error, ms: performance.now() - t0, printed };
  } finally {
    [console.log, console.error, console.warn] = saved;
  }
  assert.fail(`--out ${out} was accepted (printed: ${printed.join(' | ')})`);
}

async function expectRefused(out: string, why: (script: string) => string | RegExp): Promise<void> {
  for (const [name, main, args] of SCRIPTS) {
    const { error, ms, printed } = await refused(main, args, out);
    const expected = why(name);
    if (typeof expected === 'string') assert.equal(error.message, expected);
    else assert.match(error.message, expected);
    assert.ok(ms < 1000, `${name}: refused after ${ms.toFixed(0)} ms`);
    assert.deepEqual(printed, [], `${name}: nothing runs before --out is checked`);
  }
}

test('--out naming a file: every script refuses it at once', async () => {
  await expectRefused(file, (s) => `${s}: --out ${file} is not a folder (a file of that name exists)`);
});

test('--out under /proc, as given or through a link: every script refuses it at once', async () => {
  await expectRefused('/proc/self/x', (s) => `${s}: --out /proc/self/x is under /proc, a kernel file system, not a folder for results`);
  const real = join(realpathSync('/proc/self'), 'x');
  const linked = join(viaLink, 'x');
  // The link is resolved in this process: /proc/self is this process's folder.
  await expectRefused(linked, (s) => `${s}: --out ${linked} is under /proc (it resolves to ${real}), a kernel file system, not a folder for results`);
  assert.equal(existsSync('/proc/self/x'), false);
});

test('--out naming a read-only folder: every script refuses it at once', { skip: roSkip }, async () => {
  const esc = ro.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expectRefused(ro, (s) => new RegExp(`^${s}: --out ${esc} is not writable \\((EACCES|EPERM|EROFS): [^)]*\\)$`));
  assert.deepEqual(readdirSync(ro), []);
});

test('checkOutDir: a missing folder is created (or refused when it must exist), the probe file is removed', () => {
  const deep = join(root, 'new', 'deeper');
  assert.equal(checkOutDir('part3', '--out', deep), deep);
  assert.deepEqual(readdirSync(deep), []);
  assert.equal(checkOutDir('part3', '--out', deep), deep, 'an existing writable folder passes');
  const missing = join(root, 'missing');
  assert.throws(() => checkOutDir('report', '--out', missing, false, 'run the parts first (npm start)'), {
    message: `report: --out ${missing} does not exist; run the parts first (npm start)`,
  });
  assert.equal(existsSync(missing), false);
  assert.throws(() => checkOutDir('part2', '--out', join(file, 'sub')), {
    message: `part2: --out ${join(file, 'sub')} cannot be created (ENOTDIR: not a directory, mkdir '${join(file, 'sub')}')`,
  });
});
