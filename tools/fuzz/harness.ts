/**
 * Fuzz parent: runs batches of calls in child processes (tools/fuzz/child.ts), each under a data
 * size limit (so a huge allocation fails with an out-of-memory error instead of the kernel's OOM
 * killer picking a victim) and a wall-clock limit (hang detection). A child that dies by a signal,
 * exits non-zero or times out is a crash; the call it was running is the last line of its log.
 * The next batch resumes after that call, so one crash does not hide the rest.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchSummary } from './ops.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
/** tsx's loader by absolute URL: the children run in a scratch directory outside the repo. */
export const TSX = import.meta.resolve('tsx');

export interface Crash {
  seed: number;
  index: number;
  desc: string;
  /** 'signal SIGSEGV', 'exit 134', 'timeout' ... */
  how: string;
  stderrTail: string;
  replay: string;
}

export interface FuzzReport {
  seed: number;
  callsRequested: number;
  callsRun: number;
  ok: number;
  errors: number;
  crashes: Crash[];
  bad: BatchSummary['bad'];
  errorKinds: Record<string, number>;
  unnamed: BatchSummary['unnamed'];
  targets: number;
  batches: number;
  ms: number;
}

export interface FuzzOptions {
  seed: number;
  calls: number;
  /** Calls per child process. */
  batch?: number;
  /** First call index (to resume or to shard). */
  start?: number;
  /** Wall-clock limit per batch, ms. */
  batchTimeoutMs?: number;
  /** RLIMIT_DATA for the child in KiB (heap + anonymous writable mappings). */
  dataLimitKb?: number;
  /** Every entry point × each SWEEP_VARIANTS layout of its first tensor, in turn (ops.ts). */
  sweep?: boolean;
  log?: (line: string) => void;
}

/** Runs `calls` fuzz calls of `seed` in child processes and aggregates the results. */
export function fuzz(opts: FuzzOptions): FuzzReport {
  const batch = opts.batch ?? 1000;
  const start = opts.start ?? 0;
  const end = start + opts.calls;
  const timeout = opts.batchTimeoutMs ?? Math.max(60_000, batch * 60);
  const dataLimit = opts.dataLimitKb ?? 4 * 1024 * 1024;
  const log = opts.log ?? (() => {});
  // Calls such as torch.save(x, 'cpu') write files: give the children a scratch directory.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'torchnode-fuzz-'));
  const rep: FuzzReport = {
    seed: opts.seed,
    callsRequested: opts.calls,
    callsRun: 0,
    ok: 0,
    errors: 0,
    crashes: [],
    bad: [],
    errorKinds: {},
    unnamed: [],
    targets: 0,
    batches: 0,
    ms: 0,
  };
  const t0 = Date.now();
  let i = start;
  while (i < end) {
    const j = Math.min(end, i + batch);
    const logFile = path.join(work, `calls-${opts.seed}-${i}.log`);
    const child = path.join(here, 'child.ts');
    const cmd = `ulimit -d ${dataLimit} && exec "${process.execPath}" --import ${TSX} "${child}" ${opts.seed} ${i} ${j} "${logFile}"`;
    const r = spawnSync('bash', ['-c', cmd], {
      cwd: work,
      encoding: 'utf8',
      timeout,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules'), ...(opts.sweep ? { FUZZ_SWEEP: '1' } : {}) },
    });
    rep.batches++;
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('FUZZ-SUMMARY '));
    if (r.status === 0 && line) {
      const s = JSON.parse(line.slice('FUZZ-SUMMARY '.length)) as BatchSummary;
      rep.callsRun += s.calls;
      rep.ok += s.ok;
      rep.errors += s.errors;
      rep.targets = s.targets;
      rep.bad.push(...s.bad);
      rep.unnamed.push(...s.unnamed);
      for (const [k, n] of Object.entries(s.errorKinds)) rep.errorKinds[k] = (rep.errorKinds[k] ?? 0) + n;
      log(`batch [${i}, ${j}): ${s.calls} calls, ${s.errors} errors, ${s.bad.length} bad, ${s.ms} ms, live tensors after ${s.numTensorsAfter}`);
      i = j;
      continue;
    }
    // The child died: name the call it was in.
    const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trimEnd().split('\n') : [];
    const last = lines.length > 0 ? lines[lines.length - 1] : '';
    const tab = last.indexOf('\t');
    const index = tab > 0 ? Number(last.slice(0, tab)) : i;
    const how =
      r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timeout after ${timeout} ms` : r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
    const crash: Crash = {
      seed: opts.seed,
      index,
      desc: tab > 0 ? last.slice(tab + 1) : '(before the first call)',
      how,
      stderrTail: (r.stderr ?? '').split('\n').slice(-15).join('\n'),
      replay: `node --import tsx tools/fuzz/run.ts --seed ${opts.seed} --replay ${index}${opts.sweep ? ' --sweep' : ''}`,
    };
    if (tab < 0 && index === i && /ERR_MODULE_NOT_FOUND|Cannot find module|could not be loaded/.test(crash.stderrTail)) {
      // Not a fuzz finding: the child cannot start (addon being rebuilt, broken checkout).
      throw new Error(`fuzz: the child process could not start:\n${crash.stderrTail}`);
    }
    rep.crashes.push(crash);
    // Calls before the crash ran (their outcomes are lost with the child; count them as run).
    rep.callsRun += Math.max(0, index - i);
    log(`CRASH in batch [${i}, ${j}) at call ${index} (${how}): ${crash.desc}`);
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
