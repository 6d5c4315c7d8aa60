/**
 * `npm start`: the whole homework on the default data, then the report.
 *
 *     npm start                       # quick preset, results/ and results/report.html
 *     npm start -- --full             # the seed's settings (hours on a CPU)
 *     npm start -- --live             # also serve the report on 127.0.0.1 while training
 *     npm start -- --parts 3,5 --out /tmp/hw --seed 0 --data auto
 *
 * Presets (both run exactly the same code paths; only lengths differ):
 * - quick (default; about 2.5 minutes on an idle 2-core CPU, under 9 on a busy one): part 1 and
 *   part 2 as in the seed (10000 epochs of the XOR MLP take ~15 s), parts 3–5 with their own
 *   `--quick` presets:
 *   part 3 one epoch capped at 100 steps per model, part 4 one epoch capped at 200 steps per
 *   model and activation, part 5 one epoch capped at 100 steps per learning rate and a 3-epoch
 *   schedule of 100-step epochs. Curves therefore have 10–20 points instead of ~1350.
 * - full (`--full`): the seed's settings: parts 3/4 15 epochs, part 5 20 epochs and the
 *   30-epoch schedule.
 *
 * The data is `--data auto` (CIFAR-10 from ./data, else a download attempt, else Fashion-MNIST,
 * announced loudly; see scripts/cifar.ts). Ends by printing the absolute path of the report.
 * Ctrl-C during training stops after the current step; the parts save partial results and a
 * checkpoint (continue a part with `npm run partN -- --resume ...`), and the report is still
 * written with what exists.
 *
 * `--live`: the report is served on 127.0.0.1 (`--port`, default any free port) and its "Live
 * training" charts grow as training runs (scripts/viz/live.ts, server-sent events). Parts 3–5
 * publish each every-10-steps record themselves (`publishRecord` in their loops, a no-op without
 * a server), and part 5 each scheduled epoch's validation accuracy; parts 1 and 2 take seconds
 * and appear when they finish. When a part finishes, its section replaces its live charts.
 */
import { pathToFileURL } from 'node:url';
import { checkOutDir, parseCli } from './common.js';
import { buildReport, writeReport, exportReportCharts } from './report.js';
import { LiveServer } from './viz/live.js';

/** The parts in order, with how each is started. */
const PARTS = [1, 2, 3, 4, 5] as const;
type Part = (typeof PARTS)[number];

/** The arguments each part's own `main(argv)` gets. */
export function partArgs(part: Part, o: { out: string; full: boolean; data: string; seed?: number; threads?: number; device: string }): string[] {
  if (part === 1) return ['--out', o.out, ...(o.seed !== undefined ? ['--seed', String(o.seed)] : [])];
  if (part === 2) return ['--out', o.out];
  return [
    o.full ? '--full' : '--quick',
    '--out',
    o.out,
    '--data',
    o.data,
    '--device',
    o.device,
    '--seed',
    String(o.seed ?? 0),
    ...(o.threads !== undefined ? ['--threads', String(o.threads)] : []),
  ];
}

/** Runs one part through its exported `main`; resolves to its exit code (0 ok, 130 interrupted). */
export async function runPart(part: Part, argv: string[]): Promise<number> {
  const file = { 1: './part1_2.js', 2: './part2.js', 3: './part3.js', 4: './part4.js', 5: './part5.js' }[part];
  let mod: { main?: (argv: string[]) => unknown };
  try {
    mod = (await import(file)) as typeof mod;
  } catch (e) {
    throw new Error(`part ${part}: cannot load ${file.replace('.js', '.ts')} (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof mod.main !== 'function') throw new Error(`part ${part}: ${file.replace('.js', '.ts')} exports no main(argv)`);
  const code = await mod.main(argv);
  return typeof code === 'number' ? code : 0;
}

/** `npm start`; resolves to the exit code. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const args = parseCli(
    'main',
    {
      full: { type: 'boolean', default: false, help: "the seed's settings instead of the quick preset" },
      quick: { type: 'boolean', default: false, help: 'the quick preset (the default; see the file comment)' },
      out: { type: 'string', default: 'results', help: 'folder for every result, figure and the report' },
      parts: { type: 'string', default: '1,2,3,4,5', help: 'comma list of parts to run' },
      data: { type: 'string', default: 'auto', help: 'CIFAR-10 folder for parts 3–5, or auto' },
      device: { type: 'string', default: 'auto', help: 'cpu | cuda | auto (parts 3–5)' },
      seed: {
        type: 'integer',
        help: "seed: parts 3–5 seed each model with it (default 0, for reproducible runs); part 1 draws its data with it (default: part 1's own, 1)",
      },
      threads: { type: 'integer', help: 'LibTorch intra-op threads (parts 3–5)' },
      live: { type: 'boolean', default: false, help: 'serve the report with live training charts on 127.0.0.1' },
      port: { type: 'integer', default: 0, help: 'port for --live (0: any free port)' },
      'no-export': { type: 'boolean', default: false, help: 'no chart PNGs through Chromium' },
    },
    argv,
  );
  if (args === null) return 0;
  if (args.full && args.quick) throw new Error('main: --quick and --full are exclusive');
  const parts = args.parts
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const n = Number(p);
      if (!PARTS.includes(n as Part)) throw new Error(`main: expected parts among 1,2,3,4,5 for --parts but received '${p}'`);
      return n as Part;
    });
  // Checked (and made) once the other options are known to be good, before any part runs.
  const out = checkOutDir('main', '--out', args.out);
  const t0 = Date.now();
  console.log(`EE449 HW1, ${args.full ? "full (the seed's settings)" : 'quick preset'}: parts ${parts.join(', ')} → ${out}`);

  let server: LiveServer | null = null;
  if (args.live) {
    server = await LiveServer.start({ port: args.port, html: (events) => buildReport(out).report.toHtml({ live: { events } }) });
    console.log(`Live report: ${server.url}`);
  }

  const timings: string[] = [];
  let code = 0;
  for (const part of parts) {
    const current = `part${part}`;
    server?.status(`running part ${part}…`);
    console.log(`\n===== Part ${part} =====`);
    const t = Date.now();
    try {
      code = await runPart(part, partArgs(part, { out, full: args.full, data: args.data, seed: args.seed, threads: args.threads, device: args.device }));
    } catch (e) {
      console.error(`Part ${part} failed: ${(e as Error).message}`);
      code = 1;
    }
    timings.push(`part ${part}: ${((Date.now() - t) / 1000).toFixed(1)} s${code ? ` (exit ${code})` : ''}`);
    // Its results are in the report now: drop its live curves and let open pages reload.
    writeReport(out);
    server?.clear(current);
    server?.rebuild();
    if (code === 130) {
      console.error('Interrupted: building the report from what exists.');
      break;
    }
  }
  const { path, sections } = writeReport(out);
  if (!args['no-export']) await exportReportCharts(path, out);
  console.log(`\nTimes: ${timings.join(', ')}; total ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
  for (const s of sections) console.log(`  ${s.title}: ${s.status}${s.detail ? ` (${s.detail})` : ''}`);
  console.log(`\nReport: ${path}`);
  if (server) {
    server.status(`done: the report is at ${path}`);
    console.log(`Still serving ${server.url}; Ctrl-C ends.`);
    await new Promise<void>((res) => process.once('SIGINT', () => res()));
    await server.close();
  }
  return code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
