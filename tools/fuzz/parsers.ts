/**
 * File-parser fuzzing: small valid seed files (.pt state dict and tensor, .npy, IDX, CIFAR-10
 * binary batch, CIFAR-10 python pickle, .tar.gz of a CIFAR folder) are written with the library
 * itself (the pickle with Debian's python3 + numpy, skipped if unavailable), then mutated
 * (bit flips, byte overwrites, truncation, chunk duplication/insertion, size fields set huge) and
 * handed to the matching reader in a child process. Each case must succeed or throw an Error
 * with a message; a child that dies (signal, abort, non-zero exit) or sits on one case for more
 * than 10 s is a failure, logged with the seed and case index to replay.
 *
 * Usage: node --import tsx tools/fuzz/parsers.ts [--seed N] [--cases N] [--batch N] [--replay I]
 * (child mode, used internally: parsers.ts --child <seed> <start> <end> <seedDir> <logFile>)
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../lib/index.js';
import * as npy from '../../lib/data/npy.js';
import { readIdx } from '../../lib/data/mnist.js';
import { readCifar10Binary, readCifar10Python } from '../../lib/data/cifar10.js';
import { extractArchive } from '../../lib/data/download.js';

const here = fileURLToPath(import.meta.url);

/** The fuzzed formats; each seed file is `<format>.<ext>` in the seed folder. */
export const FORMATS = ['pt-dict', 'pt-tensor', 'npy', 'idx', 'cifar-bin', 'cifar-py', 'tar-gz'] as const;
/** One of FORMATS. */
export type Format = (typeof FORMATS)[number];
const EXT: Record<Format, string> = { 'pt-dict': 'pt', 'pt-tensor': 'pt', npy: 'npy', idx: 'idx', 'cifar-bin': 'bin', 'cifar-py': 'pkl', 'tar-gz': 'tar.gz' };

/** Mulberry32: a small deterministic generator so a (seed, index) pair replays exactly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the valid seed files into `dir`; returns the formats that have one. */
export function buildSeeds(dir: string): Format[] {
  const made: Format[] = [];
  const f = (fmt: Format): string => path.join(dir, `${fmt}.${EXT[fmt]}`);
  torch.tidy(() => {
    torch.manualSeed(0);
    const sd = new Map<string, torch.Tensor>([
      ['weight', torch.randn([3, 4])],
      ['bias', torch.arange(3).float()],
      ['steps', torch.tensor([7], { dtype: 'int64' })],
    ]);
    torch.save(sd, f('pt-dict'));
    torch.save(torch.randn([2, 5]), f('pt-tensor'));
    npy.save(f('npy'), torch.randn([3, 4]));
  });
  made.push('pt-dict', 'pt-tensor', 'npy');
  // IDX by hand: magic 00 00 <type 0x08 = uint8> <ndim 3>, big-endian dims, then the bytes.
  const dims = [2, 4, 4];
  const idx = Buffer.alloc(4 + 4 * dims.length + 32);
  idx[2] = 0x08;
  idx[3] = dims.length;
  dims.forEach((d, i) => idx.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < 32; i++) idx[16 + i] = (i * 37) & 0xff;
  fs.writeFileSync(f('idx'), idx);
  made.push('idx');
  // CIFAR-10 binary: 2 records of 1 label byte + 3072 pixel bytes.
  const bin = Buffer.alloc(2 * 3073);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 131) & 0xff;
  bin[0] = 3;
  bin[3073] = 9;
  fs.writeFileSync(f('cifar-bin'), bin);
  made.push('cifar-bin');
  // CIFAR-10 python: the pickle layout of the real batches (bytes keys, uint8 (N, 3072), list labels).
  const py = spawnSync(
    process.env.TORCHNODE_PYTHON || '/usr/bin/python3',
    [
      '-c',
      [
        'import pickle, sys, numpy as np',
        "d = {b'batch_label': b'fuzz', b'labels': [1, 8], b'data': (np.arange(2 * 3072) % 251).astype(np.uint8).reshape(2, 3072), b'filenames': [b'a.png', b'b.png']}",
        "open(sys.argv[1], 'wb').write(pickle.dumps(d, protocol=2))",
      ].join('\n'),
      f('cifar-py'),
    ],
    { encoding: 'utf8' },
  );
  if (py.status === 0 && fs.existsSync(f('cifar-py'))) made.push('cifar-py');
  // .tar.gz of a CIFAR binary folder, as the download holds.
  const src = path.join(dir, 'tar-src');
  fs.mkdirSync(path.join(src, 'cifar-10-batches-bin'), { recursive: true });
  fs.copyFileSync(f('cifar-bin'), path.join(src, 'cifar-10-batches-bin', 'data_batch_1.bin'));
  fs.writeFileSync(path.join(src, 'cifar-10-batches-bin', 'batches.meta.txt'), 'airplane\nautomobile\n');
  const tar = spawnSync('tar', ['-czf', f('tar-gz'), '-C', src, 'cifar-10-batches-bin']);
  if (tar.status === 0) made.push('tar-gz');
  return made;
}

/** Offsets of size/length fields worth setting huge, per format (the generic mutator covers the rest). */
function lengthFields(fmt: Format, b: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (fmt === 'npy') out.push([8, 2]);
  if (fmt === 'idx') for (let i = 4; i + 4 <= Math.min(b.length, 16); i += 4) out.push([i, 4]);
  if (fmt.startsWith('pt')) {
    // zip: local headers (sizes at +18, +22, name/extra lengths at +26, +28), central directory
    // entries (sizes at +20, +24, offset at +42) and the end record (count, size, offset).
    for (let i = 0; i + 4 <= b.length; i++) {
      if (b[i] !== 0x50 || b[i + 1] !== 0x4b) continue;
      const sig = b.readUInt32LE(i);
      if (sig === 0x04034b50) out.push([i + 18, 4], [i + 22, 4], [i + 26, 2], [i + 28, 2]);
      if (sig === 0x02014b50) out.push([i + 20, 4], [i + 24, 4], [i + 42, 4]);
      if (sig === 0x06054b50) out.push([i + 10, 2], [i + 12, 4], [i + 16, 4]);
    }
  }
  if (fmt === 'cifar-py') {
    // pickle BINBYTES 'B' / BINUNICODE 'X' / SHORT_BINBYTES 'C' lengths follow the opcode.
    for (let i = 0; i + 5 <= b.length; i++) if (b[i] === 0x42 || b[i] === 0x58) out.push([i + 1, 4]);
  }
  return out.filter(([o, n]) => o + n <= b.length);
}

/** Applies 1-3 random mutations; returns the new bytes and a description. */
export function mutate(fmt: Format, seedBytes: Buffer, r: () => number): { bytes: Buffer; desc: string } {
  let b = Buffer.from(seedBytes);
  const ri = (n: number): number => Math.floor(r() * n);
  const steps: string[] = [];
  const k = 1 + ri(3);
  for (let s = 0; s < k; s++) {
    const kind = ri(7);
    if (b.length === 0) break;
    if (kind === 0) {
      const n = 1 + ri(8);
      for (let j = 0; j < n; j++) {
        const p = ri(b.length);
        b[p] ^= 1 << ri(8);
      }
      steps.push(`flip ${n} bits`);
    } else if (kind === 1) {
      const p = ri(b.length);
      const n = 1 + ri(Math.min(16, b.length - p));
      const v = [0x00, 0xff, -1][ri(3)];
      for (let j = 0; j < n; j++) b[p + j] = v < 0 ? ri(256) : v;
      steps.push(`overwrite ${n}@${p} with ${v < 0 ? 'random' : '0x' + v.toString(16)}`);
    } else if (kind === 2) {
      const n = ri(b.length);
      b = b.subarray(0, n);
      steps.push(`truncate to ${n}`);
    } else if (kind === 3) {
      const p = ri(b.length);
      const n = 1 + ri(Math.min(256, b.length - p));
      const at = ri(b.length + 1);
      b = Buffer.concat([b.subarray(0, at), b.subarray(p, p + n), b.subarray(at)]);
      steps.push(`duplicate ${n}@${p} at ${at}`);
    } else if (kind === 4) {
      const n = 1 + ri(64);
      const at = ri(b.length + 1);
      const ins = Buffer.alloc(n);
      for (let j = 0; j < n; j++) ins[j] = ri(256);
      b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
      steps.push(`insert ${n} random at ${at}`);
    } else {
      // Size fields set huge (format-aware where known, else a random aligned word).
      const fields = lengthFields(fmt, b);
      const [o, n] = fields.length > 0 && kind === 5 ? fields[ri(fields.length)] : [ri(Math.max(1, b.length - 4)) & ~3, 4];
      if (o + n > b.length) continue;
      const v = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000][ri(4)];
      if (n === 2) b.writeUInt16LE(v & 0xffff, o);
      else if (fmt === 'idx') b.writeUInt32BE(v, o);
      else b.writeUInt32LE(v, o);
      steps.push(`length field ${n}@${o} = 0x${(n === 2 ? v & 0xffff : v).toString(16)}`);
    }
  }
  return { bytes: b, desc: steps.join(', ') };
}

/** Runs the reader of `fmt` on `file`, freeing whatever it returns. */
export async function runReader(fmt: Format, file: string, scratch: string): Promise<void> {
  if (fmt === 'tar-gz') {
    const out = fs.mkdtempSync(path.join(scratch, 'x-'));
    try {
      await extractArchive(file, out);
      const bin = path.join(out, 'cifar-10-batches-bin', 'data_batch_1.bin');
      if (fs.existsSync(bin))
        torch.tidy(() => {
          readCifar10Binary([bin]);
        });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
    return;
  }
  torch.tidy(() => {
    if (fmt === 'pt-dict' || fmt === 'pt-tensor') torch.load(file);
    else if (fmt === 'npy') npy.load(file);
    else if (fmt === 'idx') readIdx(file);
    else if (fmt === 'cifar-bin') readCifar10Binary([file]);
    else readCifar10Python([file]);
  });
}

/** Case `index` of `seed`: which format and which mutation (a pure function of both). */
export function prepareCase(seed: number, index: number, formats: readonly Format[], seedDir: string): { fmt: Format; bytes: Buffer; desc: string } {
  const r = rng((seed * 0x9e3779b1) ^ (index * 0x85ebca6b) ^ 0x5bd1e995);
  const fmt = formats[Math.floor(r() * formats.length)];
  const m = mutate(fmt, fs.readFileSync(path.join(seedDir, `${fmt}.${EXT[fmt]}`)), r);
  return { fmt, bytes: m.bytes, desc: `${fmt}: ${m.desc}` };
}

/** What one child reports. */
export interface ParserBatch {
  calls: number;
  ok: number;
  errors: number;
  bad: string[];
  errorKinds: Record<string, number>;
  numTensorsAfter: number;
}

async function childMain(args: string[]): Promise<void> {
  const [seed, start, end] = args.slice(0, 3).map(Number);
  const seedDir = args[3];
  const fd = fs.openSync(args[4], 'a');
  const formats = FORMATS.filter((f) => fs.existsSync(path.join(seedDir, `${f}.${EXT[f]}`)));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-pfuzz-c-'));
  const s: ParserBatch = { calls: 0, ok: 0, errors: 0, bad: [], errorKinds: {}, numTensorsAfter: 0 };
  for (let i = start; i < end; i++) {
    const c = prepareCase(seed, i, formats, seedDir);
    const file = path.join(scratch, `case.${EXT[c.fmt]}`);
    fs.writeFileSync(file, c.bytes);
    // Written before the call, synchronously, so the parent can name the case that killed us.
    fs.writeSync(fd, `${i}\t${c.desc}\n`);
    s.calls++;
    try {
      await runReader(c.fmt, file, scratch);
      s.ok++;
    } catch (e) {
      if (!(e instanceof Error) || e.message.length === 0) {
        s.bad.push(`${i}\t${c.desc}\tthrew a non-Error or an empty message: ${String(e)}`);
      } else {
        s.errors++;
        const kind = `${c.fmt}: ${e.message
          .replace(/'[^']*'|\/[^\s:,)]+/g, '…')
          .replace(/\d+/g, 'N')
          .slice(0, 80)}`;
        s.errorKinds[kind] = (s.errorKinds[kind] ?? 0) + 1;
      }
    }
  }
  fs.closeSync(fd);
  fs.rmSync(scratch, { recursive: true, force: true });
  s.numTensorsAfter = torch.memory().numTensors;
  if (s.numTensorsAfter !== 0) s.bad.push(`live tensors after the batch: ${s.numTensorsAfter}`);
  process.stdout.write(`PFUZZ-SUMMARY ${JSON.stringify(s)}\n`);
}

/** A dead or hung child's case. */
export interface ParserCrash {
  seed: number;
  index: number;
  desc: string;
  how: string;
  stderrTail: string;
  replay: string;
}
/** Aggregate of a parser fuzz run. */
export interface ParserReport {
  seed: number;
  cases: number;
  ok: number;
  errors: number;
  crashes: ParserCrash[];
  bad: string[];
  errorKinds: Record<string, number>;
  formats: Format[];
  ms: number;
}

/**
 * Runs `cases` cases of `seed` in child processes of `batch` cases each, under a 4 GiB data limit
 * (a huge allocation then fails as an error instead of waking the OOM killer). A child whose log
 * has not advanced for `hangMs` is killed and its current case reported as a hang.
 */
export async function fuzzParsers(opts: {
  seed: number;
  cases: number;
  batch?: number;
  start?: number;
  hangMs?: number;
  log?: (l: string) => void;
}): Promise<ParserReport> {
  const batch = opts.batch ?? 500;
  const hangMs = opts.hangMs ?? 10_000;
  const log = opts.log ?? (() => {});
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-pfuzz-'));
  const seedDir = path.join(work, 'seeds');
  fs.mkdirSync(seedDir);
  const formats = buildSeeds(seedDir);
  const rep: ParserReport = { seed: opts.seed, cases: 0, ok: 0, errors: 0, crashes: [], bad: [], errorKinds: {}, formats, ms: 0 };
  const t0 = Date.now();
  const start = opts.start ?? 0;
  const end = start + opts.cases;
  let i = start;
  while (i < end) {
    const j = Math.min(end, i + batch);
    const logFile = path.join(work, `cases-${i}.log`);
    fs.writeFileSync(logFile, '');
    const cmd = `ulimit -d ${4 * 1024 * 1024} && exec "${process.execPath}" --import ${import.meta.resolve('tsx')} "${here}" --child ${opts.seed} ${i} ${j} "${seedDir}" "${logFile}"`;
    const child = spawn('bash', ['-c', cmd], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    let hung = false;
    const started = Date.now();
    const timer = setInterval(() => {
      // Startup (tsx + addon load) is not a case: measure from the first log line.
      const last = fs.statSync(logFile);
      const since = last.size > 0 ? Date.now() - last.mtimeMs : Date.now() - started - 30_000;
      if (since > hangMs) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 250);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((res) => child.on('close', (c, s) => res([c, s])));
    clearInterval(timer);
    const line = stdout.split('\n').find((l) => l.startsWith('PFUZZ-SUMMARY '));
    if (code === 0 && line && !hung) {
      const s = JSON.parse(line.slice('PFUZZ-SUMMARY '.length)) as ParserBatch;
      rep.cases += s.calls;
      rep.ok += s.ok;
      rep.errors += s.errors;
      rep.bad.push(...s.bad);
      for (const [k, n] of Object.entries(s.errorKinds)) rep.errorKinds[k] = (rep.errorKinds[k] ?? 0) + n;
      log(`batch [${i}, ${j}): ${s.calls} cases, ${s.errors} errors, ${s.bad.length} bad`);
      i = j;
      continue;
    }
    const lines = fs
      .readFileSync(logFile, 'utf8')
      .trimEnd()
      .split('\n')
      .filter((l) => l.length > 0);
    const last = lines.length > 0 ? lines[lines.length - 1] : '';
    const tab = last.indexOf('\t');
    const index = tab > 0 ? Number(last.slice(0, tab)) : i;
    if (tab < 0 && /ERR_MODULE_NOT_FOUND|Cannot find module|could not be loaded/.test(stderr)) {
      throw new Error(`parser fuzz: the child process could not start:\n${stderr.slice(-3000)}`);
    }
    const how = hung ? `hang (no progress for ${hangMs} ms)` : signal ? `signal ${signal}` : `exit ${code}`;
    const crash: ParserCrash = {
      seed: opts.seed,
      index,
      desc: tab > 0 ? last.slice(tab + 1) : '(before the first case)',
      how,
      stderrTail: stderr.split('\n').slice(-15).join('\n'),
      replay: `node --import tsx tools/fuzz/parsers.ts --seed ${opts.seed} --replay ${index}`,
    };
    rep.crashes.push(crash);
    rep.cases += Math.max(0, index - i) + 1;
    log(`CRASH at case ${index} (${how}): ${crash.desc}`);
    i = index + 1;
    if (rep.crashes.length > 50) {
      log('more than 50 crashes: stopping');
      break;
    }
  }
  rep.ms = Date.now() - t0;
  fs.rmSync(work, { recursive: true, force: true });
  return rep;
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await childMain(argv.slice(1));
  } else {
    const opt = (name: string, d: number): number => {
      const k = argv.indexOf(name);
      return k >= 0 ? Number(argv[k + 1]) : d;
    };
    const seed = opt('--seed', 1);
    const replay = opt('--replay', -1);
    const rep = await fuzzParsers(
      replay >= 0
        ? { seed, cases: 1, start: replay, batch: 1, log: console.log }
        : { seed, cases: opt('--cases', 3000), batch: opt('--batch', 500), log: console.log },
    );
    console.log(
      JSON.stringify({
        seed: rep.seed,
        formats: rep.formats,
        cases: rep.cases,
        ok: rep.ok,
        errors: rep.errors,
        crashes: rep.crashes.length,
        bad: rep.bad.length,
        ms: rep.ms,
      }),
    );
    for (const c of rep.crashes) console.log(`CRASH ${c.how}: case ${c.index} ${c.desc}\n  replay: ${c.replay}\n${c.stderrTail}`);
    for (const b of rep.bad) console.log(`BAD ${b}`);
    const kinds = Object.entries(rep.errorKinds).sort((a, b) => b[1] - a[1]);
    for (const [k, n] of kinds) console.log(`  ${String(n).padStart(5)}  ${k}`);
    if (rep.crashes.length > 0 || rep.bad.length > 0) process.exitCode = 1;
  }
}
