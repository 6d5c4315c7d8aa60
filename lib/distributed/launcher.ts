/**
 * Programmatic form of the `torchnode-run` CLI (bin/torchnode-run.mjs): starts `nprocPerNode`
 * ranks of a script with torchrun's environment and resolves with the launcher's exit code.
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from '../dtype.js';
import { checkOptions, expectBool, expectNonNegInt, expectOneOf, expectPositiveInt, expectString, runAs } from '../errors.js';

/**
 * Where a rank's stdout/stderr go besides the console (torchrun's `--redirects`/`--tee` values):
 * 0 neither, 1 stdout, 2 stderr, 3 both; or a value per local rank, e.g. `{ 0: 1, 1: 2 }`.
 */
export type StdSpec = 0 | 1 | 2 | 3 | Record<number, 0 | 1 | 2 | 3>;

/** Options of {@link launch}, as `torchnode-run`'s flags (see docs/distributed.md, "The launcher"). */
export interface LaunchOptions {
  /** Ranks on this node: a number, `'cpu'` (one per CPU), `'gpu'` (one per CUDA device) or `'auto'` (GPUs if any, else CPUs). Default 1. */
  nprocPerNode?: number | 'auto' | 'cpu' | 'gpu';
  /** Number of nodes (machines). Default 1. */
  nnodes?: number;
  /** This node's index, 0..nnodes-1 (static rendezvous). Default 0. */
  nodeRank?: number;
  /** Address of the node that hosts rank 0 (static rendezvous). Default '127.0.0.1'. */
  masterAddr?: string;
  /** Port of rank 0's rendezvous store (static rendezvous). Default 29500. */
  masterPort?: number;
  /** One node, on a free port of this machine, chosen anew for every attempt (torchrun's `--standalone`). */
  standalone?: boolean;
  /** `'static'` (MASTER_ADDR/PORT and `nodeRank` given; the default) or `'c10d'` (node ranks assigned by a rendezvous at `rdzvEndpoint`). */
  rdzvBackend?: 'static' | 'c10d';
  /** `'host:port'`: the c10d rendezvous, or for static the master's address. */
  rdzvEndpoint?: string;
  /** The job's id (TORCHELASTIC_RUN_ID); nodes of one c10d job use the same. Default 'none'. */
  rdzvId?: string;
  /** Rendezvous settings: `join_timeout` (seconds, c10d, default 600), `is_host` (c10d: whether this node hosts it). */
  rdzvConf?: Record<string, string | number>;
  /** Restart the whole local group this many times after a failure (TORCHELASTIC_RESTART_COUNT counts). Default 0. */
  maxRestarts?: number;
  /** Accepted for torchrun compatibility (seconds, positive); the launcher reacts to exits at once. */
  monitorInterval?: number;
  /** Accepted for torchrun compatibility: Node ranks are always spawned as new processes. */
  startMethod?: 'spawn' | 'fork' | 'forkserver';
  /** ROLE_NAME of the ranks. Default 'default'. */
  role?: string;
  /** `script` is a package (its bin, else its main) or module specifier resolved from the working directory (`-m`). */
  module?: boolean;
  /** Run `script` as a command instead of through node (torchrun's `--no-python`). */
  noPython?: boolean;
  /** Keep per-rank logs and error files under `logDir/<rdzvId>_<random>/attempt_<n>/<localRank>/`. */
  logDir?: string;
  /** Send these streams to files under `logDir` only. Default 0. */
  redirects?: StdSpec;
  /** Send these streams to files under `logDir` and to the console. Default 0. */
  tee?: StdSpec;
  /** Prefix each line of output with `[rankN]: ` (default true). */
  prefix?: boolean;
  /** Extra environment for the launcher and every rank. */
  env?: Record<string, string>;
  /** stdio of the launcher process (default 'inherit'). */
  stdio?: StdioOptions;
}

/** The path of the launcher CLI (lib/ and dist/ both sit two levels below the package root). */
export const LAUNCHER_PATH = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'torchnode-run.mjs');

const OPTION_NAMES = [
  'nprocPerNode',
  'nnodes',
  'nodeRank',
  'masterAddr',
  'masterPort',
  'standalone',
  'rdzvBackend',
  'rdzvEndpoint',
  'rdzvId',
  'rdzvConf',
  'maxRestarts',
  'monitorInterval',
  'startMethod',
  'role',
  'module',
  'noPython',
  'logDir',
  'redirects',
  'tee',
  'prefix',
  'env',
  'stdio',
] as const;

function stdSpec(v: unknown, what: string): string {
  const ok = (x: unknown) => x === 0 || x === 1 || x === 2 || x === 3;
  if (ok(v)) return String(v);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length > 0 && entries.every(([k, x]) => /^\d+$/.test(k) && ok(x))) return entries.map(([k, x]) => `${k}:${x}`).join(',');
  }
  throw new TypeError(`distributed.launch: Expected 0, 1, 2, 3 or an object of local rank -> 0..3 for ${what} but received ${describe(v)}`);
}

/** The torchnode-run flags for `opts` (validated). */
function flagsOf(opts: LaunchOptions): string[] {
  const flags: string[] = [];
  const v = opts.nprocPerNode;
  if (v !== undefined)
    flags.push(
      '--nproc-per-node',
      typeof v === 'string' ? expectOneOf(v, ['auto', 'cpu', 'gpu'], 'nprocPerNode') : String(expectPositiveInt(v, 'nprocPerNode')),
    );
  if (opts.nnodes !== undefined) flags.push('--nnodes', String(expectPositiveInt(opts.nnodes, 'nnodes')));
  if (opts.nodeRank !== undefined) flags.push('--node-rank', String(expectNonNegInt(opts.nodeRank, 'nodeRank')));
  if (opts.masterAddr !== undefined) flags.push('--master-addr', expectString(opts.masterAddr, 'masterAddr'));
  if (opts.masterPort !== undefined) {
    const p = expectPositiveInt(opts.masterPort, 'masterPort');
    if (p > 65535) throw new RangeError(`distributed.launch: Expected a port in 1..65535 for masterPort but received ${p}`);
    flags.push('--master-port', String(p));
  }
  if (opts.standalone !== undefined && expectBool(opts.standalone, 'standalone')) flags.push('--standalone');
  if (opts.rdzvBackend !== undefined) flags.push('--rdzv-backend', expectOneOf(opts.rdzvBackend, ['static', 'c10d'], 'rdzvBackend'));
  if (opts.rdzvEndpoint !== undefined) flags.push('--rdzv-endpoint', expectString(opts.rdzvEndpoint, 'rdzvEndpoint'));
  if (opts.rdzvId !== undefined) flags.push('--rdzv-id', expectString(opts.rdzvId, 'rdzvId'));
  if (opts.rdzvConf !== undefined) {
    const c = opts.rdzvConf;
    if (c === null || typeof c !== 'object' || Array.isArray(c) || !Object.values(c).every((x) => typeof x === 'string' || typeof x === 'number')) {
      throw new TypeError(`distributed.launch: Expected an object of string or number values for rdzvConf but received ${describe(c)}`);
    }
    flags.push(
      '--rdzv-conf',
      Object.entries(c)
        .map(([k, x]) => `${k}=${x}`)
        .join(','),
    );
  }
  if (opts.maxRestarts !== undefined) flags.push('--max-restarts', String(expectNonNegInt(opts.maxRestarts, 'maxRestarts')));
  if (opts.monitorInterval !== undefined) {
    const m = opts.monitorInterval;
    if (!(typeof m === 'number' && Number.isFinite(m) && m > 0)) {
      throw new TypeError(`distributed.launch: Expected a positive number of seconds for monitorInterval but received ${describe(m)}`);
    }
    flags.push('--monitor-interval', String(m));
  }
  if (opts.startMethod !== undefined) flags.push('--start-method', expectOneOf(opts.startMethod, ['spawn', 'fork', 'forkserver'], 'startMethod'));
  if (opts.role !== undefined) flags.push('--role', expectString(opts.role, 'role'));
  if (opts.module !== undefined && expectBool(opts.module, 'module')) flags.push('--module');
  if (opts.noPython !== undefined && expectBool(opts.noPython, 'noPython')) flags.push('--no-python');
  if (opts.logDir !== undefined) flags.push('--log-dir', expectString(opts.logDir, 'logDir'));
  if (opts.redirects !== undefined) flags.push('--redirects', stdSpec(opts.redirects, 'redirects'));
  if (opts.tee !== undefined) flags.push('--tee', stdSpec(opts.tee, 'tee'));
  if (opts.prefix !== undefined && !expectBool(opts.prefix, 'prefix')) flags.push('--no-prefix');
  return flags;
}

/**
 * Runs `script` under torchnode-run (torchrun's launcher, see docs/distributed.md): resolves with
 * its exit code, 0 when every rank succeeded, else the exit code of the rank that failed first
 * (after `maxRestarts` restarts), or 2 for flags the launcher refuses (its message is on stderr).
 */
export function launch(script: string, args: string[] = [], opts: LaunchOptions | null = {}): Promise<number> {
  const fn = 'distributed.launch';
  checkOptions(opts, OPTION_NAMES, fn);
  if (typeof script !== 'string' || !script) throw new TypeError(`${fn}: Expected a script path for script but received ${describe(script)}`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new TypeError(`${fn}: Expected an array of strings for args but received ${describe(args)}`);
  }
  const o = opts ?? {};
  const flags = runAs(fn, () => flagsOf(o));
  if (o.env !== undefined && (o.env === null || typeof o.env !== 'object' || !Object.values(o.env).every((x) => typeof x === 'string'))) {
    throw new TypeError(`${fn}: Expected an object of strings for env but received ${describe(o.env)}`);
  }
  return new Promise((resolve, reject) => {
    // '--' keeps a script named like a flag a script.
    const child = spawn(process.execPath, [LAUNCHER_PATH, ...flags, '--', script, ...args], {
      env: { ...process.env, ...(o.env ?? {}) },
      stdio: o.stdio ?? 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
