/**
 * Command-line helpers shared by the homework scripts, on Node's built-in `util.parseArgs`:
 * typed options with defaults, clear errors for unknown or malformed options, and `--help`.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './viz/png.js';

/** Declaration of one option: its kind, default and help text. */
export interface OptionSpec {
  type: 'string' | 'integer' | 'number' | 'boolean';
  default?: string | number | boolean;
  help: string;
  /**
   * A string option naming the folder the script writes into, checked by parseCli before the
   * script does any work (see checkOutDir): 'create' makes it when missing, 'existing' requires it.
   */
  outDir?: 'create' | 'existing';
  /** For outDir 'existing': what to tell the user when the folder is missing. */
  ifMissing?: string;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['type'] extends 'string' ? string : number;
/** The parsed values: options with a default are always present. */
export type ParsedOptions<T extends Record<string, OptionSpec>> = {
  [K in keyof T]: T[K]['default'] extends undefined ? ValueOf<T[K]> | undefined : ValueOf<T[K]>;
};

/** Usage text listing the options. */
export function usage(script: string, specs: Record<string, OptionSpec>): string {
  const lines = Object.entries(specs).map(
    ([k, s]) => `  --${k}${s.type === 'boolean' ? '' : ` <${s.type}>`}  ${s.help}${s.default !== undefined ? ` (default: ${String(s.default)})` : ''}`,
  );
  return `Usage: ${script} [options]\n${lines.join('\n')}\n  --help  this text`;
}

/**
 * Parses `argv` (default: process.argv after the script) against `specs`. Numbers are checked
 * (integers must be integers); unknown options throw an Error that names them. Returns null
 * when --help was given (the usage has been printed).
 */
export function parseCli<T extends Record<string, OptionSpec>>(script: string, specs: T, argv: string[] = process.argv.slice(2)): ParsedOptions<T> | null {
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new TypeError('parseCli: expected an array of strings for argv');
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [k, s] of Object.entries(specs)) options[k] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    // npm passes a literal '--' through on some versions; drop a leading one.
    ({ values } = parseArgs({ args: argv[0] === '--' ? argv.slice(1) : argv, options, strict: true, allowPositionals: false }) as {
      values: Record<string, string | boolean | undefined>;
    });
  } catch (e) {
    throw new Error(`${script}: ${(e as Error).message}\n${usage(script, specs)}`);
  }
  if (values.help) {
    console.log(usage(script, specs));
    return null;
  }
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(specs)) {
    const raw = values[k];
    if (raw === undefined) {
      out[k] = s.default;
      continue;
    }
    if (s.type === 'boolean' || s.type === 'string') {
      out[k] = raw;
      continue;
    }
    const n = Number(raw);
    if (raw === '' || !Number.isFinite(n) || (s.type === 'integer' && !Number.isInteger(n))) {
      throw new Error(`${script}: expected ${s.type === 'integer' ? 'an integer' : 'a number'} for --${k} but received '${String(raw)}'`);
    }
    out[k] = n;
  }
  for (const [k, s] of Object.entries(specs)) {
    if (s.outDir !== undefined && typeof out[k] === 'string') checkOutDir(script, `--${k}`, out[k] as string, s.outDir === 'create', s.ifMissing);
  }
  return out as ParsedOptions<T>;
}

/** Kernel file systems: nothing a script writes belongs there, and writes may fail late or block. */
const SPECIAL_FS = ['/proc', '/sys', '/dev'];

/**
 * Checks the folder a script will write its results into, so a bad `--out` fails at once rather
 * than when the first result is written (after the training): the path must not be under /proc,
 * /sys or /dev (checked as given and with its links resolved), must be a folder (created when
 * missing if `create`), and a probe file must be writable there (then removed). Throws an Error
 * naming the script, the option, the path and the reason; returns the absolute path.
 */
export function checkOutDir(script: string, option: string, path: string, create = true, ifMissing?: string): string {
  const abs = resolve(path);
  const fail = (why: string): never => {
    throw new Error(`${script}: ${option} ${abs} ${why}`);
  };
  // Where the folder really is: the nearest existing ancestor with its links resolved, plus the rest.
  let base = abs;
  const rest: string[] = [];
  while (!existsSync(base) && dirname(base) !== base) {
    rest.unshift(basename(base));
    base = dirname(base);
  }
  let real = abs;
  try {
    real = join(realpathSync.native(base), ...rest);
  } catch {
    // an unreadable ancestor: the checks below report what fails
  }
  for (const fs of SPECIAL_FS) {
    for (const p of new Set([abs, real])) {
      if (p === fs || p.startsWith(`${fs}/`))
        fail(`is under ${fs}${p !== abs ? ` (it resolves to ${real})` : ''}, a kernel file system, not a folder for results`);
    }
  }
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) fail('is not a folder (a file of that name exists)');
  } else if (!create) {
    fail(`does not exist${ifMissing ? `; ${ifMissing}` : ''}`);
  } else {
    try {
      mkdirSync(abs, { recursive: true });
    } catch (e) {
      fail(`cannot be created (${(e as Error).message})`);
    }
  }
  const probe = join(abs, `.write-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(probe, '');
  } catch (e) {
    fail(`is not writable (${(e as Error).message})`);
  }
  try {
    unlinkSync(probe);
  } catch (e) {
    fail(`lets files be written but not removed (${(e as Error).message})`);
  }
  return abs;
}

/** Writes `value` as pretty JSON to `path` atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(resolve(path), `${JSON.stringify(value, null, 2)}\n`);
}

/** Python's `f'{x:.2f}'`. */
export function fmt2(x: number): string {
  return x.toFixed(2);
}

/**
 * Python's `str(float)`: shortest round-trip repr, with '.0' on integral values and Python's
 * exponent style, so printed losses read like the original's console output.
 */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const s = String(x);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (m) return `${m[1]}e${m[2]}${m[3].padStart(2, '0')}`;
  // JS switches to exponent form below 1e-6, Python below 1e-4.
  if (Math.abs(x) < 1e-4) {
    const e = x.toExponential();
    const mm = /^(-?[\d.]+)e([+-])(\d+)$/.exec(e)!;
    return `${mm[1]}e${mm[2]}${mm[3].padStart(2, '0')}`;
  }
  return s;
}
