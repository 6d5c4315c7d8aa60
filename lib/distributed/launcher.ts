/**
 * Programmatic form of the `torchnode-run` CLI (bin/torchnode-run.mjs): starts `nprocPerNode`
 * ranks of a script with torchrun's environment and resolves with the group's exit code.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';

/** Options of {@link launch}, as `torchnode-run`'s flags. */
export interface LaunchOptions {
  nprocPerNode?: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  /** Prefix each line of output with `[rankN]: ` (default true). */
  prefix?: boolean;
  /** Extra environment for every rank. */
  env?: Record<string, string>;
  /** stdio of the launcher process (default 'inherit'). */
  stdio?: StdioOptions;
}

/** The path of the launcher CLI (lib/ and dist/ both sit two levels below the package root). */
export const LAUNCHER_PATH = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'torchnode-run.mjs');

/** Runs `script` under torchnode-run; resolves with its exit code (non-zero when any rank failed). */
export function launch(script: string, args: string[] = [], opts: LaunchOptions | null = {}): Promise<number> {
  const fn = 'distributed.launch';
  checkOptions(opts, ['nprocPerNode', 'nnodes', 'nodeRank', 'masterAddr', 'masterPort', 'prefix', 'env', 'stdio'], fn);
  if (typeof script !== 'string' || !script) throw new TypeError(`${fn}: Expected a script path for script but received ${describe(script)}`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new TypeError(`${fn}: Expected an array of strings for args but received ${describe(args)}`);
  }
  const flags: string[] = [];
  const ints: [keyof LaunchOptions, string][] = [
    ['nprocPerNode', '--nproc-per-node'],
    ['nnodes', '--nnodes'],
    ['nodeRank', '--node-rank'],
    ['masterPort', '--master-port'],
  ];
  for (const [k, flag] of ints) {
    const v = opts?.[k];
    if (v === undefined) continue;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0))
      throw new TypeError(`${fn}: Expected non-negative integer for ${k} but received ${describe(v)}`);
    flags.push(flag, String(v));
  }
  if (opts?.masterAddr !== undefined) flags.push('--master-addr', String(opts?.masterAddr));
  if (opts?.prefix === false) flags.push('--no-prefix');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER_PATH, ...flags, script, ...args], {
      env: { ...process.env, ...(opts?.env ?? {}) },
      stdio: opts?.stdio ?? 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
