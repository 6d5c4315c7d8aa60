/**
 * Downloading and unpacking data sets without ever leaving a half-written copy where a good one
 * is expected: the archive is streamed to a temporary file (MD5 computed on the way), verified,
 * extracted into a temporary folder with every entry checked (no absolute paths, no `..`, no
 * links leaving the folder, no devices), optionally validated, and only then renamed into place.
 */
import { createWriteStream, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve, dirname, isAbsolute, sep, basename } from 'node:path';
import * as http from 'node:http';
import * as https from 'node:https';
import { describe } from '../dtype.js';
import { createProgress, type Progress } from './progress.js';

/** Options of downloadUrl. */
export interface DownloadOptions {
  /** Expected MD5 (hex); a mismatch deletes the download and throws. */
  md5?: string;
  /** Show a progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Give up after this many ms without data (default 60 s). */
  timeoutMs?: number;
}

/** The hex MD5 of a file. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  await new Promise<void>((res, rej) => {
    createReadStream(path)
      .on('data', (c) => hash.update(c))
      .on('end', () => res())
      .on('error', rej);
  });
  return hash.digest('hex');
}

function get(url: string, timeoutMs: number, redirects = 0): Promise<http.IncomingMessage> {
  return new Promise((res, rej) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      rej(new TypeError(`download: invalid URL ${JSON.stringify(url)}`));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      rej(new TypeError(`download: only http(s) URLs are supported, not ${JSON.stringify(url)}`));
      return;
    }
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.get(u, { headers: { 'user-agent': 'torchnode' } }, (r) => {
      const status = r.statusCode ?? 0;
      if (status >= 300 && status < 400 && r.headers.location) {
        r.resume();
        if (redirects >= 5) rej(new Error(`download: too many redirects fetching ${url}`));
        else get(new URL(r.headers.location, u).toString(), timeoutMs, redirects + 1).then(res, rej);
        return;
      }
      if (status !== 200) {
        r.resume();
        rej(new Error(`download: ${url} answered HTTP ${status} ${r.statusMessage ?? ''}`.trim()));
        return;
      }
      res(r);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`download: no response from ${url} within ${timeoutMs} ms`)));
    req.on('error', rej);
  });
}

/**
 * Downloads `url` to `dest`: streamed to `dest`'s folder under a temporary name, MD5-checked, then
 * renamed to `dest`. On any failure nothing is left at `dest` that was not there before.
 */
export async function downloadUrl(url: string, dest: string, opts: DownloadOptions = {}): Promise<string> {
  if (typeof url !== 'string') throw new TypeError(`download: expected string for url but received ${describe(url)}`);
  if (typeof dest !== 'string') throw new TypeError(`download: expected string for dest but received ${describe(dest)}`);
  if (opts.md5 !== undefined && !/^[0-9a-f]{32}$/i.test(opts.md5))
    throw new TypeError(`download: expected a 32-digit hex string for md5 but received ${describe(opts.md5)}`);
  const timeoutMs = opts.timeoutMs ?? 60000;
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.part`);
  const hash = createHash('md5');
  let bar: Progress | null = null;
  try {
    const r = await get(url, timeoutMs);
    const total = Number(r.headers['content-length'] ?? 0);
    bar = createProgress(basename(dest), total, opts.progress);
    let got = 0;
    await new Promise<void>((res, rej) => {
      const out = createWriteStream(tmp);
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`download: ${url} stalled for ${timeoutMs} ms`)));
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
        rej(new Error(`download: connection to ${url} closed early`));
      });
      out.on('error', rej);
      out.on('finish', () => res());
      r.pipe(out);
    });
    bar?.stop();
    bar = null;
    if (total > 0 && got !== total) throw new Error(`download: ${url} ended after ${got} of ${total} bytes (truncated)`);
    const digest = hash.digest('hex');
    if (opts.md5 !== undefined && digest !== opts.md5.toLowerCase()) {
      throw new Error(
        `download: MD5 mismatch for ${basename(dest)} from ${url}: expected ${opts.md5.toLowerCase()} but the ${got} bytes received hash to ${digest}; the file was deleted`,
      );
    }
    renameSync(tmp, dest);
    return dest;
  } catch (e) {
    bar?.stop();
    rmSync(tmp, { force: true });
    throw e;
  }
}

function inside(root: string, p: string): boolean {
  const r = resolve(root);
  const q = resolve(p);
  return q === r || q.startsWith(r + sep);
}

/**
 * Extracts a tar (optionally gzipped) archive into the existing folder `target`, refusing
 * entries with absolute paths or `..`, links that point outside `target`, and device/FIFO entries.
 * A truncated or corrupt archive throws an error naming it.
 */
export async function extractArchive(archive: string, target: string): Promise<void> {
  const tar = await import('tar');
  const bad: string[] = [];
  try {
    await tar.x({
      file: archive,
      cwd: target,
      strict: true,
      preservePaths: false,
      filter: (p: string, entry: unknown) => {
        const e = entry as { type?: string; linkpath?: string };
        const parts = p.split(/[\\/]+/);
        if (isAbsolute(p) || /^[a-zA-Z]:/.test(p) || parts.includes('..')) {
          bad.push(`entry '${p}' has an unsafe path (absolute or containing '..')`);
          return false;
        }
        const type = e.type ?? 'File';
        if (type === 'SymbolicLink' || type === 'Link') {
          const lp = e.linkpath ?? '';
          const dest = type === 'SymbolicLink' ? resolve(target, dirname(p), lp) : resolve(target, lp);
          if (isAbsolute(lp) || !inside(target, dest)) {
            bad.push(`link '${p}' -> '${lp}' points outside the extraction folder`);
            return false;
          }
        } else if (!['File', 'OldFile', 'ContiguousFile', 'Directory', 'GNUDumpDir'].includes(type)) {
          bad.push(`entry '${p}' has unsupported type ${type}`);
          return false;
        }
        return true;
      },
    });
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(`extract: ${archive} is truncated or corrupt (${msg})`);
  }
  if (bad.length > 0) throw new Error(`extract: ${archive} was rejected: ${bad.join('; ')}`);
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

/**
 * `download_and_extract_archive`: downloads (or reuses a verified `root/filename`), extracts into
 * a temporary folder, validates, then renames each top-level entry into `root`, replacing an
 * older copy only once the new one is complete.
 */
export async function downloadAndExtractArchive(opts: DownloadExtractOptions): Promise<string[]> {
  const root = resolve(opts.root);
  const filename = opts.filename ?? basename(new URL(opts.url).pathname);
  mkdirSync(root, { recursive: true });
  const work = mkdtempSync(join(root, '.download-'));
  try {
    const archive = join(root, filename);
    let src: string;
    if (existsSync(archive) && opts.md5 !== undefined && (await md5File(archive)) === opts.md5.toLowerCase()) {
      src = archive; // a verified copy from an earlier run
    } else {
      src = await downloadUrl(opts.url, join(work, filename), opts);
    }
    const out = join(work, 'extracted');
    mkdirSync(out);
    await extractArchive(src, out);
    opts.validate?.(out);
    const entries = readdirSync(out);
    if (entries.length === 0) throw new Error(`extract: ${filename} holds no files`);
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
