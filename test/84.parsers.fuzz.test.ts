/**
 * Untrusted files: mutated .pt (state dict and tensor), .npy, IDX, CIFAR-10 binary and python
 * batches and .tar.gz archives go through their readers in child processes. Each case loads or
 * throws an Error with a message; none may crash the process or hang (> 10 s).
 * The larger run is `node --import tsx tools/fuzz/parsers.ts --cases 3000 --seed N`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as torch from '../lib/index.js';
import { buildSeeds, fuzzParsers, prepareCase, runReader, FORMATS } from '../tools/fuzz/parsers.js';

test('the seed files are valid for their readers, and case i of seed s is reproducible', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-pseeds-'));
  try {
    const formats = buildSeeds(dir);
    for (const f of FORMATS.filter((x) => x !== 'cifar-py')) assert.ok(formats.includes(f), `seed for ${f}`);
    // Unmutated seeds load: otherwise every fuzz case would only test the first error check.
    for (const f of formats) await runReader(f, path.join(dir, fs.readdirSync(dir).find((n) => n.startsWith(`${f}.`))!), dir);
    assert.equal(torch.memory().numTensors, 0);
    const a = prepareCase(84, 17, formats, dir);
    const b = prepareCase(84, 17, formats, dir);
    assert.equal(a.desc, b.desc);
    assert.ok(a.bytes.equals(b.bytes));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('300 fuzzed parser cases: JS Errors with messages, 0 crashes, 0 hangs', async (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? 84);
  const rep = await fuzzParsers({ seed, cases: 300, batch: 150 });
  const hangs = rep.crashes.filter((c) => c.how.startsWith('hang')).length;
  t.diagnostic(
    `parser fuzz seed ${seed}: ${rep.cases} cases over ${rep.formats.join(', ')}; ${rep.errors} errors ` +
      `(${Object.keys(rep.errorKinds).length} distinct), ${rep.ok} loaded, ${rep.crashes.length - hangs} crashes, ${hangs} hangs, ${rep.bad.length} bad, ${(rep.ms / 1000).toFixed(1)} s`,
  );
  for (const c of rep.crashes) t.diagnostic(`CRASH (${c.how}): case ${c.index} ${c.desc}\n  replay: ${c.replay}\n${c.stderrTail}`);
  assert.deepEqual(rep.crashes, []);
  assert.deepEqual(rep.bad, []);
  assert.equal(rep.cases, 300);
  // Most mutations must be rejected: a reader that accepts everything is not checking anything.
  assert.ok(rep.errors > 150, `${rep.errors} errors`);
});
