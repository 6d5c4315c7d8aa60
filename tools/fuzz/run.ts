/**
 * Fuzz CLI.
 *   node --import tsx tools/fuzz/run.ts --calls 200000 --seed 7 [--batch 2000] [--start 0]
 *   node --import tsx tools/fuzz/run.ts --seed 7 --replay 1234     (runs one call in this process)
 *   --sweep: every entry point × {dense, oneDNN, non-contiguous, 0-d, empty} first tensor, cycling.
 *   --include-known also fuzzes the entry points listed in KNOWN_ISSUES (ops.ts).
 * Prints progress, then a JSON report (calls run, errors thrown, crashes with reproducers).
 */
import { fuzz } from './harness.js';

function arg(name: string, dflt?: number): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const seed = arg('seed', 1)!;
if (process.argv.includes('--include-known')) process.env.FUZZ_INCLUDE_KNOWN = '1';
// --sweep: call i is entry point i % T with its first tensor in layout ⌊i / T⌋ mod 5 (ops.ts SWEEP_VARIANTS).
if (process.argv.includes('--sweep')) process.env.FUZZ_SWEEP = '1';
const replay = arg('replay');
if (replay !== undefined) {
  // One call, in this process, printing what it is before running it.
  const torch = await import('../../lib/index.js');
  const { collectTargets, prepareCall, executeCall } = await import('./ops.js');
  const call = prepareCall(torch, collectTargets(torch), seed, replay);
  console.log(`call ${replay} of seed ${seed}: ${call.desc}`);
  console.log(await executeCall(torch, call));
} else {
  const rep = fuzz({
    seed,
    calls: arg('calls', 10_000)!,
    batch: arg('batch', 2000),
    start: arg('start', 0),
    sweep: process.argv.includes('--sweep'),
    log: (l) => console.error(l),
  });
  const top = Object.entries(rep.errorKinds)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25);
  const unnamedShown = process.argv.includes('--all-unnamed') ? rep.unnamed : rep.unnamed.slice(0, 40);
  console.log(
    JSON.stringify(
      {
        ...rep,
        errorKinds: Object.fromEntries(top),
        distinctErrorKinds: Object.keys(rep.errorKinds).length,
        unnamed: unnamedShown,
        unnamedCount: rep.unnamed.length,
      },
      null,
      1,
    ),
  );
  console.error(
    `fuzz seed ${seed}: ${rep.callsRun} calls run, ${rep.errors} errors thrown, ${rep.ok} ok, ${rep.bad.length} bad results, ${rep.crashes.length} crashes, ${rep.targets} targets, ${(rep.ms / 1000).toFixed(1)} s`,
  );
  process.exitCode = rep.crashes.length > 0 || rep.bad.length > 0 ? 1 : 0;
}
