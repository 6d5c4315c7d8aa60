/**
 * Live training charts, TensorBoard-style: an HTTP server on 127.0.0.1 serves the report page
 * (scripts/viz/report.ts in live mode) and a server-sent-events stream of training records; the page
 * adds each record to its charts as it arrives, so curves grow while a model trains.
 *
 *     const live = await LiveServer.start({ html: (events) => report.toHtml({ live: { events } }) });
 *     console.log(`watch at ${live.url}`);
 *     publish({ part: 'part3', chart: 'Training loss', series: 'cnn_3', x: 10, y: 2.30 });
 *     live.rebuild();      // a part finished: the page reloads with its final section
 *     await live.close();
 *
 * Training loops need not import the server: `publish()` (and `publishRecord()`) forward to the
 * server started last, and do nothing when none is running, so a loop can call them always.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One point of a live chart. Charts and series are created on first sight, keyed by name. */
export interface LiveRecord {
  /** Chart title (the key of the chart). */
  chart: string;
  /** Series label within the chart (a legend entry). */
  series: string;
  x: number;
  /** Non-finite values are drawn as gaps. */
  y: number;
  /** Which part produced it ('part3', ...): `clear(part)` drops a finished part's records. */
  part?: string;
  xLabel?: string;
  yLabel?: string;
}

/** Options of LiveServer.start. */
export interface LiveServerOptions {
  /** The page for `GET /`, given the events URL; called on every page load (so it can be rebuilt). */
  html: (eventsPath: string) => string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; only loopback addresses are accepted (default 127.0.0.1). */
  host?: string;
  /** Keep-alive comment interval in ms (default 15000), so idle proxies and browsers keep the stream. */
  keepAliveMs?: number;
}

const EVENTS_PATH = '/events';
let current: LiveServer | null = null;

function checkRecord(r: unknown, fn: string): LiveRecord {
  const o = r as Partial<LiveRecord> | null;
  if (o === null || typeof o !== 'object') throw new TypeError(`${fn}: expected a record object but received ${String(r)} of type ${typeof r}`);
  if (typeof o.chart !== 'string' || o.chart === '')
    throw new TypeError(`${fn}: expected non-empty string for record.chart but received ${JSON.stringify(o.chart)}`);
  if (typeof o.series !== 'string' || o.series === '')
    throw new TypeError(`${fn}: expected non-empty string for record.series but received ${JSON.stringify(o.series)}`);
  if (typeof o.x !== 'number' || !Number.isFinite(o.x))
    throw new TypeError(`${fn}: expected finite number for record.x but received ${String(o.x)} of type ${typeof o.x}`);
  if (typeof o.y !== 'number') throw new TypeError(`${fn}: expected number for record.y but received ${String(o.y)} of type ${typeof o.y}`);
  return o as LiveRecord;
}

/** SSE framing: `event:` line, one `data:` line (JSON has no raw newlines), blank line. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The HTTP + server-sent-events server behind `--live`. */
export class LiveServer {
  /** Every record published so far, replayed to each new connection (a reload keeps the curves). */
  private readonly history: LiveRecord[] = [];
  private readonly clients = new Set<ServerResponse>();
  private statusText = '';
  private keepAlive: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly opts: LiveServerOptions,
    readonly port: number,
    readonly host: string,
  ) {}

  /** Starts listening; resolves once the port is bound. The new server becomes the target of `publish()`. */
  static async start(opts: LiveServerOptions): Promise<LiveServer> {
    if (opts === null || typeof opts !== 'object' || typeof opts.html !== 'function') {
      throw new TypeError('LiveServer.start: expected an options object with an html(eventsPath) function');
    }
    const port = opts.port ?? 0;
    if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
      throw new TypeError(`LiveServer.start: expected integer 0..65535 for port but received ${String(port)}`);
    const host = opts.host ?? '127.0.0.1';
    // Training data and the page are not meant for the network: loopback only.
    if (!['127.0.0.1', 'localhost', '::1'].includes(host))
      throw new TypeError(`LiveServer.start: expected a loopback host (127.0.0.1, localhost or ::1) but received ${JSON.stringify(host)}`);
    let self: LiveServer | null = null;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`LiveServer.start: cannot listen on ${host}:${port} (${e.code ?? e.message})`)));
      server.listen(port, host, () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    self = new LiveServer(server, opts, bound, host);
    self.keepAlive = setInterval(() => self!.send(': keep-alive\n\n'), opts.keepAliveMs ?? 15000);
    self.keepAlive.unref();
    current = self;
    return self;
  }

  /** The page's address, e.g. http://127.0.0.1:40123/. */
  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}/`;
  }

  /** Number of open event streams (browser tabs watching). */
  get connections(): number {
    return this.clients.size;
  }

  /** Sends a record to every open page and keeps it for pages opened later. */
  publish(record: LiveRecord): void {
    const r = checkRecord(record, 'LiveServer.publish');
    const copy: LiveRecord = { ...r };
    this.history.push(copy);
    this.send(frame('record', copy));
  }

  /** Sets the status line shown above the live charts. */
  status(text: string): void {
    if (typeof text !== 'string') throw new TypeError(`LiveServer.status: expected string for text but received ${String(text)} of type ${typeof text}`);
    this.statusText = text;
    this.send(frame('status', text));
  }

  /**
   * Drops the kept records of `part` (all when omitted): once a part's results are in the
   * report, its live curves are redundant. Open pages see it at their next reload.
   */
  clear(part?: string): void {
    for (let i = this.history.length - 1; i >= 0; i--) if (part === undefined || this.history[i].part === part) this.history.splice(i, 1);
  }

  /** Tells open pages to reload (the page from `html()` changed, e.g. a part's section landed). */
  rebuild(): void {
    this.send(frame('rebuild', Date.now()));
  }

  /** Ends every stream and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const c of this.clients) c.end();
    this.clients.clear();
    if (current === this) current = null;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections?.();
  }

  private send(chunk: string): void {
    for (const c of this.clients) c.write(chunk);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === EVENTS_PATH) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      // Replay in one event so a reload with thousands of points redraws once.
      res.write('retry: 1000\n\n');
      if (this.history.length > 0) res.write(frame('records', this.history));
      if (this.statusText) res.write(frame('status', this.statusText));
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      return;
    }
    if (path === '/' || path === '/index.html') {
      let html: string;
      try {
        html = this.opts.html(EVENTS_PATH);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`report could not be built: ${(e as Error).message}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    // Browsers ask for an icon; answering 404 would log a console error on every page.
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  }
}

/** The server started last and not closed, or null. */
export function liveServer(): LiveServer | null {
  return current;
}

/** Publishes to the running live server; a no-op without one (training loops may call it always). */
export function publish(record: LiveRecord): void {
  current?.publish(record);
}

/** How the homework parts' per-record values map to the report's charts. */
const RECORD_CHARTS: Record<string, { chart: string; yLabel: string }> = {
  loss: { chart: 'Training loss', yLabel: 'loss' },
  train_acc: { chart: 'Training accuracy', yLabel: 'accuracy (%)' },
  val_acc: { chart: 'Validation accuracy', yLabel: 'accuracy (%)' },
  grad: { chart: 'Gradient magnitudes', yLabel: '‖∇ first-layer weight‖' },
};

/**
 * The one-line hook for the homework's training loops: publishes each value of a record (the
 * loop's every-10-steps bookkeeping) to the chart "{Chart} ({part})", series `run`.
 * Keys loss, train_acc, val_acc and grad map to the report's chart titles; others are used as is.
 *
 *     publishRecord('part3', name, pos.stepCount, { loss: l, train_acc: a, val_acc: v });
 */
export function publishRecord(part: string, run: string, step: number, values: Record<string, number>): void {
  if (current === null) return;
  if (typeof part !== 'string' || typeof run !== 'string')
    throw new TypeError(`publishRecord: expected strings for part and run but received ${typeof part} and ${typeof run}`);
  if (values === null || typeof values !== 'object')
    throw new TypeError(`publishRecord: expected an object of numbers for values but received ${String(values)}`);
  for (const [k, y] of Object.entries(values)) {
    const m = RECORD_CHARTS[k] ?? { chart: k, yLabel: k };
    current.publish({ part, chart: `${m.chart} (${part})`, series: run, x: step, y, xLabel: 'step', yLabel: m.yLabel });
  }
}

/** A per-record callback a training loop can accept (`onRecord?: OnRecord`) instead of importing this module. */
export type OnRecord = (part: string, run: string, step: number, values: Record<string, number>) => void;
