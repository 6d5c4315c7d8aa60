/**
 * Runs every code block of docs/porting.md so the porting guide cannot rot.
 *
 * Blocks run in document order in one scratch directory (a Python block may write a file that
 * the next TypeScript block reads). ```ts blocks run with `node --import tsx` after
 * `from 'torchnode'` is rewritten to this checkout's lib/index.ts; ```python blocks run with
 * Debian's PyTorch (/usr/bin/python3) when it is installed. An HTML comment on the line before
 * a fence sets flags, comma-separated:
 *   compare        stdout must equal the previous Python block's stdout (checked against PyTorch)
 *   needs python   the block reads what a Python block wrote: skipped (visibly) without PyTorch
 *   needs torch.X  skipped (visibly) while lib/index.ts does not export X
 *   skip: reason   never run (the reason is shown)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../lib/index.js';
import { PYTHON } from './python.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'porting.md');
const LIB = join(ROOT, 'lib', 'index.ts');
const TSX = import.meta.resolve('tsx');

/** One fenced block of the document. */
export interface Block {
  lang: 'ts' | 'python';
  line: number;
  code: string;
  flags: Set<string>;
  skipReason?: string;
}

/** The ```ts and ```python blocks of a markdown text, with the flags of the comment before each. */
export function extractBlocks(md: string): Block[] {
  const lines = md.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(ts|typescript|python)\s*$/.exec(lines[i]);
    if (!m) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`porting.md:${start + 1}: unterminated code block`);
    const flags = new Set<string>();
    let skipReason: string | undefined;
    const c = /^<!--\s*snippet:\s*(.*?)\s*-->\s*$/.exec(lines[start - 1] ?? '');
    if (c) {
      for (const f of c[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (f.startsWith('skip:')) skipReason = f.slice(5).trim();
        else flags.add(f);
      }
    }
    blocks.push({ lang: m[1] === 'python' ? 'python' : 'ts', line: start + 1, code: body.join('\n') + '\n', flags, skipReason });
  }
  return blocks;
}

/**
 * One Python process runs every Python block (importing torch once, not once per block): it
 * reads a JSON line {code} on stdin, runs the code in a fresh namespace with stdout captured,
 * and answers a JSON line {ok, out, err}. Blocks still see each other's files, not variables.
 */
const PY_SERVER = String.raw`
import contextlib, io, json, sys, traceback
import torch
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    code = json.loads(line)["code"]
    out, err = io.StringIO(), io.StringIO()
    ok = True
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            exec(compile(code, "<porting.md>", "exec"), {"__name__": "__main__"})
        except BaseException:
            ok = False
            traceback.print_exc(file=err)
    sys.__stdout__.write(json.dumps({"ok": ok, "out": out.getvalue(), "err": err.getvalue()}) + "\n")
    sys.__stdout__.flush()
`;

class PythonRunner {
  private proc: ChildProcessWithoutNullStreams;
  private lines: AsyncIterator<string>;
  constructor(cwd: string) {
    this.proc = spawn(PYTHON, ['-u', '-c', PY_SERVER], { cwd, stdio: 'pipe' });
    this.proc.stderr.resume();
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error('the Python process exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  }
  /** Resolves once torch is imported; false when it cannot be (no PyTorch here). */
  async ready(): Promise<boolean> {
    try {
      return (await this.next()).ready === true;
    } catch {
      return false;
    }
  }
  async run(code: string): Promise<{ ok: boolean; out: string; err: string }> {
    this.proc.stdin.write(JSON.stringify({ code }) + '\n');
    return (await this.next()) as { ok: boolean; out: string; err: string };
  }
  close(): void {
    this.proc.stdin.end();
  }
}

const blocks = extractBlocks(readFileSync(DOC, 'utf8'));

/** Whether a TypeScript block's output is compared: `compare` on it or on the Python block just before it. */
function compares(k: number): boolean {
  const b = blocks[k];
  return b.lang === 'ts' && (b.flags.has('compare') || (k > 0 && blocks[k - 1].lang === 'python' && blocks[k - 1].flags.has('compare')));
}

test('porting.md has TypeScript and Python blocks, and compare flags pair a Python block with a TypeScript one', () => {
  assert.ok(blocks.filter((b) => b.lang === 'ts').length >= 10, 'expected at least 10 TypeScript blocks');
  assert.ok(blocks.filter((b) => b.lang === 'python').length >= 5, 'expected at least 5 Python blocks');
  blocks.forEach((b, k) => {
    if (b.flags.has('compare') && b.lang === 'python') {
      assert.equal(blocks[k + 1]?.lang, 'ts', `porting.md:${b.line}: a compared Python block must be followed by a TypeScript block`);
    }
    if (compares(k))
      assert.ok(
        blocks.slice(0, k).some((p) => p.lang === 'python'),
        `porting.md:${b.line}: compare without a Python block before it`,
      );
    for (const f of b.flags) {
      assert.ok(['compare', 'needs python'].includes(f) || /^needs torch\.\w+$/.test(f), `porting.md:${b.line}: unknown flag '${f}'`);
    }
    if (b.lang === 'ts') assert.match(b.code, /from 'torchnode'/, `porting.md:${b.line}: a TypeScript block must import from 'torchnode'`);
  });
  assert.ok(
    blocks.some((_, k) => compares(k)),
    'expected some blocks compared with PyTorch',
  );
});

test('porting.md snippets', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'torchnode-docs-'));
  // Snippet files are ES modules (top-level await, import) wherever the scratch directory is.
  writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
  const python = existsSync(PYTHON) ? new PythonRunner(work) : null;
  const pytorch = python !== null && (await python.ready());
  const noPython = `${PYTHON} with torch is not installed`;
  let lastPython: string | null = null;
  try {
    for (const [k, b] of blocks.entries()) {
      const name = `porting.md:${b.line} (${b.lang})`;
      if (b.skipReason !== undefined) {
        await t.test(name, { skip: b.skipReason }, () => {});
        continue;
      }
      if (b.lang === 'python') {
        lastPython = null;
        if (!pytorch) {
          await t.test(name, { skip: noPython }, () => {});
          continue;
        }
        await t.test(name, async () => {
          const r = await python!.run(b.code);
          assert.ok(r.ok, `${name} failed:\n${r.err}`);
          lastPython = r.out;
        });
        continue;
      }
      const needs = [...b.flags].find((f) => f.startsWith('needs torch.'));
      if (needs !== undefined && !(needs.slice('needs torch.'.length) in torch)) {
        await t.test(name, { skip: `lib/index.ts does not export ${needs.slice('needs '.length)} yet` }, () => {});
        continue;
      }
      if (b.flags.has('needs python') && !pytorch) {
        await t.test(name, { skip: `reads a file written by the Python block before it; ${noPython}` }, () => {});
        continue;
      }
      await t.test(name, () => {
        const file = join(work, `block${k}.ts`);
        writeFileSync(file, b.code.replaceAll("from 'torchnode'", `from ${JSON.stringify(LIB)}`));
        const r = spawnSync(process.execPath, ['--import', TSX, file], { cwd: work, encoding: 'utf8', timeout: 120_000 });
        assert.equal(r.status, 0, `${name} failed:\n${r.stderr}\n${r.stdout}`);
        if (compares(k) && pytorch) {
          assert.notEqual(lastPython, null, `${name}: no Python output to compare with`);
          assert.equal(r.stdout, lastPython, `${name}: output differs from PyTorch's`);
        }
      });
    }
  } finally {
    python?.close();
    rmSync(work, { recursive: true, force: true });
  }
});
