/**
 * Downloading and unpacking data sets without ever leaving a half-written copy where a good one
 * is expected: the archive is streamed to a temporary file (MD5 computed on the way), verified,
 * extracted into a temporary folder with every entry checked (no absolute paths, no `..`, no
 * links leaving the folder once the archive's other links are followed, no hard links to files
 * outside it, no devices), optionally validated, and only then renamed into place.
 */
import {
  createWriteStream,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, dirname, isAbsolute, sep, basename } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { describe } from '../dtype.js';
import { checkOptions, expectString, expectBool } from '../errors.js';
import { createProgress, type Progress } from './progress.js';
import { absent } from './check.js';

/** Options of downloadUrl. */
export interface DownloadOptions {
  /** Expected MD5 (hex); a mismatch deletes the download and throws. */
  md5?: string;
  /** Show a progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Give up after this many ms without data (default 60 s). */
  timeoutMs?: number;
}

const DOWNLOAD_KEYS = ['md5', 'progress', 'timeoutMs'] as const;

/**
 * Validates the download options (md5, progress, timeoutMs) for `fn`; null stands for an omitted
 * option (Python's None). @internal
 */
export function checkDownloadOptions(opts: { md5?: unknown; progress?: unknown; timeoutMs?: unknown }, fn: string): void {
  if (!absent(opts.md5) && !(typeof opts.md5 === 'string' && /^[0-9a-f]{32}$/i.test(opts.md5))) {
    throw new TypeError(`${fn}: expected a 32-digit hex string for md5 but received ${describe(opts.md5)}`);
  }
  if (!absent(opts.progress)) expectBool(opts.progress, `${fn}: progress`);
  if (!absent(opts.timeoutMs) && !(typeof opts.timeoutMs === 'number' && Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0)) {
    throw new TypeError(`${fn}: expected a positive number of milliseconds for timeoutMs but received ${describe(opts.timeoutMs)}`);
  }
}

/** `e` with its message prefixed by `fn` (unless it names it already): errors from node's fs and net say which call failed. */
function named(e: unknown, fn: string, what = ''): unknown {
  if (e instanceof Error && !e.message.startsWith(`${fn}: `)) e.message = `${fn}: ${what}${e.message}`;
  return e;
}

/** The hex MD5 of a file. */
export async function md5File(path: string): Promise<string> {
  expectString(path, 'md5File: path');
  return md5Of(path, 'md5File');
}

async function md5Of(path: string, fn: string): Promise<string> {
  const hash = createHash('md5');
  try {
    await new Promise<void>((res, rej) => {
      createReadStream(path)
        .on('data', (c) => hash.update(c))
        .on('end', () => res())
        .on('error', rej);
    });
  } catch (e) {
    throw named(e, fn, `cannot read ${path}: `);
  }
  return hash.digest('hex');
}

/** `url` parsed, if it is an http(s) URL; else a TypeError naming `fn`. */
function parseUrl(url: string, fn: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`${fn}: invalid URL ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`${fn}: only http(s) URLs are supported, not ${JSON.stringify(url)}`);
  return u;
}

/**
 * GET `url` (following up to 5 redirects), resolving to the 200 response. node:http and node:https
 * are loaded here, on the first download, so that importing the library loads no network code.
 */
async function get(url: string, timeoutMs: number, fn: string, redirects = 0): Promise<IncomingMessage> {
  const u = parseUrl(url, fn);
  const mod = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((res, rej) => {
    const req = mod.get(u, { headers: { 'user-agent': 'torchnode' } }, (r) => {
      const status = r.statusCode ?? 0;
      if (status >= 300 && status < 400 && r.headers.location) {
        r.resume();
        if (redirects >= 5) rej(new Error(`${fn}: too many redirects fetching ${url}`));
        else get(new URL(r.headers.location, u).toString(), timeoutMs, fn, redirects + 1).then(res, rej);
        return;
      }
      if (status !== 200) {
        r.resume();
        rej(new Error(`${fn}: ${url} answered HTTP ${status} ${r.statusMessage ?? ''}`.trim()));
        return;
      }
      res(r);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${fn}: no response from ${url} within ${timeoutMs} ms`)));
    req.on('error', (e) => rej(named(e, fn, `cannot fetch ${url}: `)));
  });
}

/**
 * Downloads `url` to `dest`: streamed to `dest`'s folder under a temporary name, MD5-checked, then
 * renamed to `dest`. On any failure nothing is left at `dest` that was not there before.
 */
export async function downloadUrl(url: string, dest: string, opts: DownloadOptions | null = {}): Promise<string> {
  const fn = 'downloadUrl';
  expectString(url, `${fn}: url`);
  expectString(dest, `${fn}: dest`);
  checkOptions(opts ?? undefined, DOWNLOAD_KEYS, fn);
  const o = opts ?? {};
  checkDownloadOptions(o, fn);
  return fetchTo(url, dest, { md5: o.md5 ?? undefined, progress: o.progress ?? undefined, timeoutMs: o.timeoutMs ?? undefined }, fn);
}

/** downloadUrl on validated arguments, for `fn` (named in errors). */
async function fetchTo(url: string, dest: string, opts: DownloadOptions, fn: string): Promise<string> {
  parseUrl(url, fn); // before anything is created on disk
  const timeoutMs = opts.timeoutMs ?? 60000;
  try {
    mkdirSync(dirname(dest), { recursive: true });
  } catch (e) {
    throw named(e, fn, `cannot create the folder of ${dest}: `);
  }
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.part`);
  const hash = createHash('md5');
  let bar: Progress | null = null;
  try {
    const r = await get(url, timeoutMs, fn);
    const total = Number(r.headers['content-length'] ?? 0);
    bar = createProgress(basename(dest), total, opts.progress);
    let got = 0;
    await new Promise<void>((res, rej) => {
      const out = createWriteStream(tmp);
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`${fn}: ${url} stalled for ${timeoutMs} ms`)));
      r.on('data', (c: Buffer) => {
        hash.update(c);
        got += c.length;
        bar?.update(got);
      });
      r.on('error', (e) => {
        out.destroy();
        rej(e);
      });
      r.on('aborted', () => {
        out.destroy();
        rej(new Error(`${fn}: connection to ${url} closed early`));
      });
      out.on('error', rej);
      out.on('finish', () => res());
      r.pipe(out);
    });
    bar?.stop();
    bar = null;
    if (total > 0 && got !== total) throw new Error(`${fn}: ${url} ended after ${got} of ${total} bytes (truncated)`);
    const digest = hash.digest('hex');
    if (opts.md5 !== undefined && digest !== opts.md5.toLowerCase()) {
      throw new Error(
        `${fn}: MD5 mismatch for ${basename(dest)} from ${url}: expected ${opts.md5.toLowerCase()} but the ${got} bytes received hash to ${digest}; the file was deleted`,
      );
    }
    renameSync(tmp, dest);
    return dest;
  } catch (e) {
    bar?.stop();
    rmSync(tmp, { force: true });
    throw named(e, fn, `cannot download ${url} to ${dest}: `);
  }
}

/** Symlinks followed while resolving one path before it counts as a loop (Linux's limit). */
const MAX_LINK_HOPS = 40;

/**
 * Resolves `path` (relative to the extraction root; `from` is the folder it is relative to, as
 * components) the way the kernel would, following symlinks through `linkAt` (the link text of
 * the symlink at a root-relative path, or undefined when that path is not one). Returns the
 * root-relative components, or 'escape' when resolving ever leaves the root (`..` above it, an
 * absolute link), or 'loop'. Leaving the root and coming back in counts as leaving.
 */
function resolveInside(from: string[], path: string, linkAt: (rel: string) => string | undefined): string[] | 'escape' | 'loop' {
  if (isAbsolute(path)) return 'escape';
  const cur = [...from];
  const pending = path.split('/').reverse();
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.pop() as string;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (cur.length === 0) return 'escape';
      cur.pop();
      continue;
    }
    cur.push(c);
    const link = linkAt(cur.join('/'));
    if (link === undefined) continue;
    if (++hops > MAX_LINK_HOPS) return 'loop';
    if (isAbsolute(link)) return 'escape';
    cur.pop();
    pending.push(...link.split('/').reverse());
  }
  return cur;
}

/** The components of an archive entry path ('./a//b/' -> ['a', 'b']). */
function components(p: string): string[] {
  return p.split(/[\\/]+/).filter((c) => c !== '' && c !== '.');
}

/**
 * Checks the extracted tree on disk: every symlink must resolve (through the other links) to an
 * existing path inside `root` without ever leaving it, and every file with more than one hard
 * link must have all its names inside `root`. Returns the defects found.
 */
function checkTree(root: string): string[] {
  const bad: string[] = [];
  const realRoot = realpathSync.native(root);
  const linkAt = (rel: string): string | undefined => {
    const abs = join(root, rel);
    try {
      return lstatSync(abs).isSymbolicLink() ? readlinkSync(abs) : undefined;
    } catch {
      return undefined; // missing: nothing to follow (the final lstat below reports it)
    }
  };
  const names = new Map<string, { nlink: number; paths: string[] }>();
  const walk = (rel: string[]): void => {
    for (const name of readdirSync(join(root, ...rel))) {
      const p = [...rel, name];
      const abs = join(root, ...p);
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) {
        const text = readlinkSync(abs);
        const r = resolveInside(rel, text, linkAt);
        if (r === 'escape') bad.push(`link '${p.join('/')}' -> '${text}' points outside the extraction folder (through other links)`);
        else if (r === 'loop') bad.push(`link '${p.join('/')}' -> '${text}' is a loop of links`);
        else if (!existsSync(join(root, ...r))) bad.push(`link '${p.join('/')}' -> '${text}' does not point at an entry of the archive`);
        else {
          let real = '';
          try {
            real = realpathSync.native(abs); // the kernel's: the JS one applies `..` before links
          } catch (e) {
            bad.push(`link '${p.join('/')}' -> '${text}' cannot be resolved (${(e as Error).message})`);
            continue;
          }
          if (real !== realRoot && !real.startsWith(realRoot + sep)) bad.push(`link '${p.join('/')}' -> '${text}' points outside the extraction folder`);
        }
      } else if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          const e = names.get(key) ?? { nlink: st.nlink, paths: [] };
          e.paths.push(p.join('/'));
          names.set(key, e);
        }
      } else bad.push(`entry '${p.join('/')}' is not a file, folder or link`);
    }
  };
  walk([]);
  for (const { nlink, paths } of names.values()) {
    if (paths.length < nlink) bad.push(`hard link '${paths[0]}' shares its file with a path outside the extraction folder`);
  }
  return bad;
}

/**
 * Extracts a tar (optionally gzipped) archive into the folder `target` (created if missing),
 * refusing entries with absolute paths or `..`, links that resolve outside `target` (checked with
 * every link of the archive followed, so `d/l -> ..` plus `x/up -> ../d/l/..` is caught),
 * hard links to files outside it, and device/FIFO entries. The archive is extracted into a
 * temporary folder next to `target` (same file system), checked there, and only then are its
 * top-level entries moved into `target`, each replacing an entry of the same name. A refused,
 * truncated or corrupt archive throws an error naming it and leaves `target` as it was.
 */
export async function extractArchive(archive: string, target: string): Promise<void> {
  expectString(archive, 'extractArchive: archive');
  expectString(target, 'extractArchive: target');
  return extract(archive, target, 'extractArchive');
}

/** extractArchive on validated arguments, for `fn` (named in errors). */
async function extract(archive: string, target: string, fn: string): Promise<void> {
  try {
    await extractInto(archive, target, fn);
  } catch (e) {
    throw named(e, fn, `cannot extract ${archive} into ${target}: `);
  }
}

async function extractInto(archive: string, target: string, fn: string): Promise<void> {
  try {
    if (!statSync(archive).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new Error(`${fn}: cannot read ${archive}: ${(e as Error).message}`);
  }
  const tar = await import('tar');
  const dest = resolve(target);
  if (existsSync(dest) && !statSync(dest).isDirectory()) throw new Error(`${fn}: ${archive} cannot be extracted into ${dest}: it is not a folder`);
  mkdirSync(dirname(dest), { recursive: true });
  // Next to where dest really is (it may be a link to another file system), so moving is a rename.
  const home = dirname(existsSync(dest) ? realpathSync.native(dest) : dest);
  const tmp = mkdtempSync(join(home, `.${basename(dest)}.extract-`));
  try {
    const bad: string[] = [];
    // The links declared so far, in archive order (entry path -> link text): each new entry's
    // path and link target are resolved through them before anything is written.
    const links = new Map<string, string>();
    try {
      await tar.x({
        file: archive,
        cwd: tmp,
        strict: true,
        preservePaths: false,
        filter: (p: string, entry: unknown) => {
          const e = entry as { type?: string; linkpath?: string };
          const parts = p.split(/[\\/]+/);
          if (isAbsolute(p) || /^[a-zA-Z]:/.test(p) || parts.includes('..')) {
            bad.push(`entry '${p}' has an unsafe path (absolute or containing '..')`);
            return false;
          }
          const comps = components(p);
          const key = comps.join('/');
          const type = e.type ?? 'File';
          const at = (rel: string) => links.get(rel);
          if (comps.length > 0 && resolveInside([], comps.slice(0, -1).join('/'), at) === 'escape') {
            bad.push(`entry '${p}' lies under a link that points outside the extraction folder`);
            return false;
          }
          if (type === 'SymbolicLink' || type === 'Link') {
            const lp = e.linkpath ?? '';
            const r = type === 'SymbolicLink' ? resolveInside(comps.slice(0, -1), lp, at) : resolveInside([], lp, at);
            if (/^[a-zA-Z]:/.test(lp) || r === 'escape') {
              bad.push(`link '${p}' -> '${lp}' points outside the extraction folder`);
              return false;
            }
            if (r === 'loop') {
              bad.push(`link '${p}' -> '${lp}' is a loop of links`);
              return false;
            }
          } else if (!['File', 'OldFile', 'ContiguousFile', 'Directory', 'GNUDumpDir'].includes(type)) {
            bad.push(`entry '${p}' has unsupported type ${type}`);
            return false;
          }
          if (type === 'SymbolicLink') links.set(key, e.linkpath ?? '');
          else links.delete(key);
          return true;
        },
      });
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(`${fn}: ${archive} is truncated or corrupt (${msg})`);
    }
    if (bad.length === 0) bad.push(...checkTree(tmp));
    if (bad.length > 0) throw new Error(`${fn}: ${archive} was rejected: ${bad.join('; ')}`);
    mkdirSync(dest, { recursive: true });
    // Entries replaced in dest wait in `aside` (removed below) until their successor is in place.
    const aside = mkdtempSync(join(home, `.${basename(dest)}.replaced-`));
    try {
      for (const name of readdirSync(tmp)) {
        const to = join(dest, name);
        const old = existsSync(to) || isLink(to) ? join(aside, name) : null;
        if (old) renameSync(to, old);
        try {
          renameSync(join(tmp, name), to);
        } catch (e) {
          if (old) renameSync(old, to);
          throw e;
        }
      }
    } finally {
      rmSync(aside, { recursive: true, force: true });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Options of downloadAndExtractArchive. */
export interface DownloadExtractOptions extends DownloadOptions {
  url: string;
  /** Folder receiving the archive and its extracted top-level entries. */
  root: string;
  /** Archive file name under root (default: the URL's last path segment). */
  filename?: string;
  /** Checks the extracted folder before it is installed; throw to reject. */
  validate?: (extractedDir: string) => void;
  /** Keep the archive in root after extraction (default true, as torchvision). */
  keepArchive?: boolean;
}

const EXTRACT_KEYS = ['url', 'root', 'filename', 'validate', 'keepArchive', ...DOWNLOAD_KEYS] as const;

/**
 * `download_and_extract_archive`: downloads (or reuses a verified `root/filename`), extracts into
 * a temporary folder, validates, then renames each top-level entry into `root`, replacing an
 * older copy only once the new one is complete.
 */
export async function downloadAndExtractArchive(opts: DownloadExtractOptions): Promise<string[]> {
  const fn = 'downloadAndExtractArchive';
  if (absent(opts) || typeof opts !== 'object') {
    throw new TypeError(`${fn}: expected an options object with url and root but received ${describe(opts)}`);
  }
  checkOptions(opts, EXTRACT_KEYS, fn);
  const url = expectString(opts.url, `${fn}: url`);
  const root = expectString(opts.root, `${fn}: root`);
  const filename = absent(opts.filename) ? undefined : expectString(opts.filename, `${fn}: filename`);
  if (!absent(opts.validate) && typeof opts.validate !== 'function') {
    throw new TypeError(`${fn}: expected a function for validate but received ${describe(opts.validate)}`);
  }
  const keepArchive = absent(opts.keepArchive) ? undefined : expectBool(opts.keepArchive, `${fn}: keepArchive`);
  checkDownloadOptions(opts, fn);
  return fetchAndExtract(
    {
      url,
      root,
      filename,
      validate: opts.validate ?? undefined,
      keepArchive,
      md5: opts.md5 ?? undefined,
      progress: opts.progress ?? undefined,
      timeoutMs: opts.timeoutMs ?? undefined,
    },
    fn,
  );
}

/** Carries an error of the caller's `validate` past the handler that names node's own errors. */
class CallerError {
  constructor(readonly error: unknown) {}
}

/** downloadAndExtractArchive on validated options, for `fn` (named in errors). @internal */
export async function fetchAndExtract(opts: DownloadExtractOptions, fn: string): Promise<string[]> {
  let filename = opts.filename;
  const u = parseUrl(opts.url, fn);
  if (filename === undefined) filename = basename(u.pathname);
  if (filename === '' || filename === '.' || filename === '..' || basename(filename) !== filename) {
    throw new TypeError(
      `${fn}: ${opts.filename === undefined ? `cannot take an archive file name from the URL ${JSON.stringify(opts.url)}; pass filename` : `expected a plain file name for filename but received ${describe(filename)}`}`,
    );
  }
  const root = resolve(opts.root);
  let work: string;
  try {
    mkdirSync(root, { recursive: true });
    work = mkdtempSync(join(root, '.download-'));
  } catch (e) {
    throw named(e, fn, `cannot create a folder in ${root}: `);
  }
  try {
    const archive = join(root, filename);
    let src: string;
    if (existsSync(archive) && opts.md5 !== undefined && (await md5Of(archive, fn)) === opts.md5.toLowerCase()) {
      src = archive; // a verified copy from an earlier run
    } else {
      src = await fetchTo(opts.url, join(work, filename), opts, fn);
    }
    const out = join(work, 'extracted');
    mkdirSync(out);
    await extract(src, out, fn);
    // The caller's check: its errors reach the caller as they are.
    try {
      opts.validate?.(out);
    } catch (e) {
      throw new CallerError(e);
    }
    const entries = readdirSync(out);
    if (entries.length === 0) throw new Error(`${fn}: ${filename} holds no files`);
    for (const name of entries) {
      const dest = join(root, name);
      const old = existsSync(dest) ? join(work, `old-${name}`) : null;
      if (old) renameSync(dest, old);
      try {
        renameSync(join(out, name), dest);
      } catch (e) {
        if (old) renameSync(old, dest);
        throw e;
      }
    }
    if (src !== archive && (opts.keepArchive ?? true)) renameSync(src, archive);
    return entries.map((n) => join(root, n));
  } catch (e) {
    if (e instanceof CallerError) throw e.error;
    throw named(e, fn, `cannot install into ${root}: `);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
/** Whether `path` is a non-empty regular file. */
export function isNonEmptyFile(path: string): boolean {
  try {
    const s = statSync(path);
    return s.isFile() && s.size > 0;
  } catch {
    return false;
  }
}
