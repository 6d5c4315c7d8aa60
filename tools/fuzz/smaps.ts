/**
 * Where a process's resident memory is: /proc/self/smaps read and each mapping attributed to
 * what owns it, for the memory soaks (tools/fuzz/cnn3-100k.ts --smaps). Linux only.
 *
 * Nothing names anonymous mappings here (Node 20's V8 and glibc 2.36 set no anon VMA names), so
 * the attribution is by shape, cross-checked with V8's own numbers (v8.getHeapSpaceStatistics):
 *  - brk heap: glibc's main arena ([heap]); only the main thread allocates there.
 *  - glibc arena: the other arenas. glibc maps each arena heap as a 64 MiB-aligned 64 MiB
 *    reservation (HEAP_MAX_SIZE) of which a read-write prefix grows by mprotect, the rest is ---p;
 *    threads other than the main one (V8 platform workers, libuv pool, LibTorch's OpenMP team)
 *    allocate from these.
 *  - thread stack: the read-write mapping holding a thread's stack pointer
 *    (/proc/self/task/TID/syscall, the next-to-last field; a running thread reports none).
 *  - V8 code: read-write-execute anonymous pages (V8's code space on x64 Linux).
 *  - V8 heap pages: read-write anonymous mappings whose start is 256 KiB-aligned (V8's page
 *    alignment; regular pages are exactly 256 KiB, large objects are bigger).
 *  - anon other: the rest (malloc's direct mmaps of large blocks, loader and library data).
 *  - file: file-backed mappings, split into libtorch*, the node binary, and the other files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import v8 from 'node:v8';

export interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  /** Pathname or pseudo-name ([heap], [stack]); '' for anonymous. */
  name: string;
  /** Resident bytes. */
  rss: number;
  /** Filled by classify(). */
  kind: string;
}

const MiB = 1048576;
const ARENA = 64n * 1048576n; // glibc HEAP_MAX_SIZE on 64-bit (2 * DEFAULT_MMAP_THRESHOLD_MAX)
const V8_PAGE = 256n * 1024n;

/** Parses /proc/self/smaps (or the given text). */
export function readSmaps(text = readFileSync('/proc/self/smaps', 'utf8')): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      cur = { start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), perms: m[3], name: m[4].trim(), rss: 0, kind: '' };
      out.push(cur);
    } else if (cur && line.startsWith('Rss:')) {
      cur.rss = Number(line.split(/\s+/)[1]) * 1024;
    }
  }
  return out;
}

/** Stack pointers of this process's threads that are blocked in a system call. */
export function threadStackPointers(): bigint[] {
  const sps: bigint[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const f = readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').trim().split(/\s+/);
      if (f.length >= 3 && f[0] !== 'running') sps.push(BigInt(f[f.length - 2]));
    } catch {
      // the thread exited meanwhile, or the kernel hides the file: no stack attributed
    }
  }
  return sps;
}

/** Sets each mapping's kind (see the module comment); `maps` must be in address order. */
export function classify(maps: Mapping[], sps = threadStackPointers()): Mapping[] {
  const exe = process.execPath;
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i];
    const next = maps[i + 1];
    if (m.name === '[heap]') m.kind = 'brk heap';
    else if (m.name === '[stack]') m.kind = 'main stack';
    else if (m.name.startsWith('/')) {
      const base = path.basename(m.name);
      m.kind = base.startsWith('libtorch') ? 'file libtorch*' : m.name === exe || base === 'node' ? 'file node' : 'file other';
    } else if (m.name !== '') m.kind = 'other ' + m.name;
    else if (m.perms === '---p') m.kind = 'reserved';
    else if (m.perms.startsWith('rw') && sps.some((sp) => sp >= m.start && sp < m.end)) m.kind = 'thread stack';
    else if (
      m.perms === 'rw-p' &&
      m.start % ARENA === 0n &&
      (m.end - m.start === ARENA || (next !== undefined && next.start === m.end && next.perms === '---p' && next.name === '' && next.end === m.start + ARENA))
    ) {
      m.kind = 'glibc arena';
    } else if (m.perms === 'rwxp') m.kind = 'V8 code';
    else if (m.perms === 'rw-p' && m.start % V8_PAGE === 0n) m.kind = 'V8 heap pages';
    else m.kind = 'anon other';
  }
  return maps;
}

/** Resident bytes per kind. */
export function byKind(maps: Mapping[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const m of maps) sums.set(m.kind, (sums.get(m.kind) ?? 0) + m.rss);
  return sums;
}

/** The kinds in a fixed order, so that successive readings line up. */
export const KINDS = [
  'brk heap',
  'glibc arena',
  'anon other',
  'V8 heap pages',
  'V8 code',
  'thread stack',
  'main stack',
  'file libtorch*',
  'file node',
  'file other',
] as const;

/** One reading: the mappings (classified) and V8's own view for the cross-check. */
export interface Reading {
  maps: Mapping[];
  kinds: Map<string, number>;
  /** V8 committed bytes per space (physical_space_size). */
  v8Spaces: Map<string, number>;
  threads: number;
}

export function takeReading(): Reading {
  const maps = classify(readSmaps());
  const v8Spaces = new Map<string, number>();
  for (const s of v8.getHeapSpaceStatistics()) if (s.physical_space_size > 0) v8Spaces.set(s.space_name, s.physical_space_size);
  return { maps, kinds: byKind(maps), v8Spaces, threads: readdirSync('/proc/self/task').length };
}

const mib = (b: number): string => (b / MiB).toFixed(1);
const hex = (a: bigint): string => a.toString(16);

/** One line: resident MiB per kind, then V8's committed MiB per space. */
export function formatReading(r: Reading): string {
  const kinds = KINDS.map((k) => `${k} ${mib(r.kinds.get(k) ?? 0)}`);
  for (const [k, v] of r.kinds) if (!(KINDS as readonly string[]).includes(k) && v > 0) kinds.push(`${k} ${mib(v)}`);
  const spaces = [...r.v8Spaces].map(([k, v]) => `${k.replace(/_space$/, '')} ${mib(v)}`);
  // V8 pages that no space accounts for: pages V8 freed and keeps mapped for reuse (its page
  // pool), released later by its memory reducer, plus any malloc mmap that happens to be
  // 256 KiB-aligned.
  const inSpaces = [...r.v8Spaces.values()].reduce((a, b) => a + b, 0) - (r.v8Spaces.get('code_space') ?? 0) - (r.v8Spaces.get('code_large_object_space') ?? 0);
  const outside = (r.kinds.get('V8 heap pages') ?? 0) - inSpaces;
  return `  smaps MiB: ${kinds.join(', ')}; threads ${r.threads}\n  v8 committed MiB: ${spaces.join(', ')}; V8 heap pages outside spaces ${mib(outside)}`;
}

/** Resident MiB change per kind between two readings, for the kinds that moved by 0.1 MiB or more. */
export function formatKindDelta(prev: Reading, cur: Reading): string {
  const kinds = new Set([...prev.kinds.keys(), ...cur.kinds.keys()]);
  const parts: string[] = [];
  for (const k of kinds) {
    const d = (cur.kinds.get(k) ?? 0) - (prev.kinds.get(k) ?? 0);
    if (Math.abs(d) >= 0.1 * MiB) parts.push(`${k} ${d > 0 ? '+' : ''}${mib(d)}`);
  }
  return parts.length ? parts.join(', ') : 'none';
}

/** Kinds made of many small mappings that come and go; formatKindDelta sums them instead. */
const SUMMED = new Set(['V8 heap pages', 'V8 code', 'reserved']);

/**
 * The mappings whose resident size changed by at least `minBytes` between two readings, keyed by
 * start address (an arena or the brk heap keeps its start while it grows). V8's pages are left
 * to formatKindDelta: each is 256 KiB, and V8 maps, unmaps and decommits them all the time.
 */
export function formatDiff(prev: Reading, cur: Reading, minBytes = MiB): string[] {
  const before = new Map(prev.maps.map((m) => [m.start, m]));
  const after = new Map(cur.maps.map((m) => [m.start, m]));
  const lines: string[] = [];
  for (const [start, m] of after) {
    const p = before.get(start);
    const d = m.rss - (p?.rss ?? 0);
    if (Math.abs(d) >= minBytes && !SUMMED.has(m.kind)) {
      lines.push(
        `    ${d > 0 ? '+' : ''}${mib(d)} MiB  ${hex(m.start)}-${hex(m.end)} ${m.perms} ${m.kind}${m.name ? ' ' + m.name : ''} (rss ${mib(m.rss)}, size ${mib(Number(m.end - m.start))}${p ? '' : ', new'})`,
      );
    }
  }
  for (const [start, p] of before) {
    if (!after.has(start) && p.rss >= minBytes && !SUMMED.has(p.kind))
      lines.push(`    -${mib(p.rss)} MiB  ${hex(p.start)}-${hex(p.end)} ${p.perms} ${p.kind} (gone)`);
  }
  return lines;
}
