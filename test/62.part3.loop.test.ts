/**
 * docs/porting.md's "A whole training loop" table sets Appendix 3's training loop beside
 * scripts/part3.ts's, one line each. This keeps it true: the TypeScript column is the script's
 * loop, in order, with nothing left out but comments and closing brackets; the Python column's
 * step (from `model.train()` to the last `running_loss = 0.0`) is, line for line, the loop that
 * tools/golden/part3_parity.py runs in PyTorch for test/62.part3.parity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const read = (path: string): string[] => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8').split('\n');

/** The table's rows as [python, typescript] code (trimmed; '' for an empty cell). */
function tableRows(): [string, string][] {
  const doc = read('docs/porting.md');
  const start = doc.indexOf("## A whole training loop: the homework's part 3");
  assert.ok(start >= 0, "porting.md has no section 'A whole training loop: the homework's part 3'");
  const rows: [string, string][] = [];
  for (let i = start + 1; i < doc.length && !doc[i].startsWith('## '); i++) {
    const line = doc[i];
    if (!line.startsWith('| ') || /^\|[-|]+\|$/.test(line) || line.startsWith('| Appendix 3')) continue;
    const cells = line.slice(2, -2).split(' | ');
    assert.equal(cells.length, 3, `porting.md:${i + 1}: expected 3 cells: ${line}`);
    rows.push([code(cells[0], i), code(cells[1], i)]);
  }
  return rows;
}

/** The code of a cell: `x` or `` x `` (for code with backticks), indentation (no-break spaces) trimmed. */
function code(cell: string, i: number): string {
  if (cell.trim() === '') return '';
  const m = /^(`+) ?(.*?) ?\1$/.exec(cell.trim());
  assert.ok(m, `porting.md:${i + 1}: expected a code span but found ${cell}`);
  return m[2].trim();
}

/** Lines a port may have beyond the table: comments and closing brackets. */
const filler = (line: string): boolean => line === '' || line.startsWith('//') || /^[)}\]]+[,;]?[)}\]]*[,;]?$/.test(line);

test("porting.md's part-3 table: the TypeScript column is scripts/part3.ts's loop, line for line", () => {
  const rows = tableRows();
  assert.ok(rows.length >= 40, `expected the whole loop, found ${rows.length} rows`);
  const src = read('scripts/part3.ts').map((l) => l.trim());
  let at = src.indexOf(rows[0][1]);
  assert.ok(at >= 0, `scripts/part3.ts has no line ${rows[0][1]}`);
  for (const [, ts] of rows) {
    const from = at;
    while (at < src.length && src[at] !== ts) {
      assert.ok(filler(src[at]), `scripts/part3.ts:${at + 1}: '${src[at]}' is in the loop but not in porting.md's table (before '${ts}')`);
      at++;
    }
    assert.ok(at < src.length, `porting.md's table has '${ts}', which scripts/part3.ts lacks after line ${from + 1}`);
    at++;
  }
});

test("porting.md's part-3 table: the Python step is the loop the parity test runs in PyTorch", () => {
  const py = tableRows()
    .map(([p]) => p)
    .filter((p) => p !== '' && !p.startsWith('#') && !p.startsWith('for x, y in tqdm('));
  const first = py.indexOf('model.train()');
  const last = py.lastIndexOf('running_loss = 0.0');
  assert.ok(first >= 0 && last > first, 'the Python column lacks the epoch loop');
  const golden = read('tools/golden/part3_parity.py').map((l) => l.trim());
  const g0 = golden.indexOf('model.train()');
  const g1 = golden.indexOf('running_loss = 0.0', golden.indexOf('val_acc_curve.append(val_acc)'));
  assert.ok(g0 >= 0 && g1 > g0, 'tools/golden/part3_parity.py: the loop was not found');
  const loop = golden.slice(g0, g1 + 1).filter((l) => l !== 'for x, y in train_loader:');
  assert.deepEqual(py.slice(first, last + 1), loop);
});
