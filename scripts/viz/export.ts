/**
 * PNG exports of a report's charts through headless Chromium (playwright-core): the report is
 * opened from disk, and each chart element (`.chart[data-name]`, drawn by uPlot with its title,
 * axis labels and legend) is screenshotted to `{outDir}/{name}.png`.
 *
 * Both pieces are optional: without playwright-core or a Chromium binary, `exportCharts` returns
 * `{ skipped: reason }` and the caller says so once. The image figures (weights, decision
 * boundaries, the conv grid) do not need this: the parts write them as PNG themselves.
 */
import { existsSync, mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where Debian's chromium package puts the browser. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * The flags Chromium runs with here: headless without a GPU or sandbox (root in a container),
 * and none of the background traffic (no network in this sandbox; the report needs none).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The part of playwright-core's API used here (so the module type-checks without it installed). */
export interface BrowserPage {
  goto(url: string, opts?: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle'; timeout?: number }): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, opts?: { timeout?: number }): Promise<unknown>;
  evaluate<R>(fn: string | ((arg: never) => R), arg?: unknown): Promise<R>;
  screenshot(opts: { path?: string; fullPage?: boolean }): Promise<Buffer>;
  $$(selector: string): Promise<{ screenshot(opts: { path: string }): Promise<Buffer>; getAttribute(n: string): Promise<string | null> }[]>;
  on(event: 'console', fn: (msg: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (err: Error) => void): void;
  on(event: 'request', fn: (req: { url(): string }) => void): void;
  close(): Promise<void>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
}

/** A running headless browser (a persistent context with its own fresh profile folder). */
export interface Browser {
  newPage(): Promise<BrowserPage>;
  close(): Promise<void>;
}

interface PlaywrightCore {
  chromium: {
    launchPersistentContext(
      dir: string,
      opts: { executablePath: string; headless: boolean; args: string[]; timeout?: number },
    ): Promise<{ newPage(): Promise<BrowserPage>; close(): Promise<void> }>;
  };
}

/**
 * Why Chromium cannot be used here (no playwright-core, no binary), or null when it can.
 * `executablePath` defaults to $CHROMIUM_PATH, else /usr/bin/chromium.
 */
export async function chromiumUnavailable(executablePath = process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM): Promise<string | null> {
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install --save-dev playwright-core)';
  }
  if (!existsSync(executablePath)) return `no Chromium at ${executablePath} (apt-get install chromium, or set CHROMIUM_PATH)`;
  return null;
}

/**
 * Starts headless Chromium with a fresh profile folder (removed again by `close()`).
 * Throws an Error saying why when it is unavailable or fails to start.
 */
export async function launchChromium(opts: { executablePath?: string; timeoutMs?: number } = {}): Promise<Browser> {
  const executablePath = opts.executablePath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM;
  const why = await chromiumUnavailable(executablePath);
  if (why) throw new Error(`launchChromium: ${why}`);
  const pw = (await import('playwright-core')) as unknown as PlaywrightCore & { default?: PlaywrightCore };
  const chromium = (pw.chromium ?? pw.default?.chromium)!;
  // playwright refuses --user-data-dir in args: a persistent context is how a fresh profile is given.
  const profile = mkdtempSync(join(tmpdir(), 'torchnode-chromium-'));
  let ctx: Awaited<ReturnType<PlaywrightCore['chromium']['launchPersistentContext']>>;
  try {
    ctx = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, timeout: opts.timeoutMs ?? 60000 });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`launchChromium: ${executablePath} did not start: ${(e as Error).message.split('\n')[0]}`);
  }
  return {
    newPage: () => ctx.newPage(),
    close: async () => {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What exportCharts did. */
export type ExportResult = { files: string[]; errors: string[] } | { skipped: string };

/**
 * Opens the report at `htmlPath` (a file) in headless Chromium and writes each chart as
 * `{outDir}/{data-name}.png`. Page errors are collected in `errors`. Returns `{ skipped }` with
 * the reason when Chromium or playwright-core is absent.
 */
export async function exportCharts(htmlPath: string, outDir: string, opts: { executablePath?: string; timeoutMs?: number } = {}): Promise<ExportResult> {
  if (typeof htmlPath !== 'string' || !existsSync(htmlPath))
    throw new TypeError(`exportCharts: expected the path of an existing HTML file for htmlPath but received ${JSON.stringify(htmlPath)}`);
  if (typeof outDir !== 'string' || outDir === '')
    throw new TypeError(`exportCharts: expected a folder path for outDir but received ${JSON.stringify(outDir)}`);
  const why = await chromiumUnavailable(opts.executablePath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM);
  if (why) return { skipped: why };
  const browser = await launchChromium(opts);
  const errors: string[] = [];
  const files: string[] = [];
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load', timeout: opts.timeoutMs ?? 60000 });
    await page.waitForFunction('window.__reportReady === true', undefined, { timeout: opts.timeoutMs ?? 60000 });
    mkdirSync(outDir, { recursive: true });
    for (const el of await page.$$('.chart[data-name]')) {
      const name = await el.getAttribute('data-name');
      if (!name || !/^[A-Za-z0-9_.-]+$/.test(name)) continue;
      const file = join(outDir, `${name}.png`);
      await el.screenshot({ path: file });
      files.push(file);
    }
  } finally {
    await browser.close();
  }
  return { files, errors };
}
