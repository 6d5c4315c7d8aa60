// torchnode-run (bin/torchnode-run.mjs) and distributed.launch against torchrun's behaviour
// (torch.distributed.run, PyTorch 1.13): the environment, the root-cause summary, signals,
// restarts, rendezvous, logs and flag errors. The ranks are tiny scripts that do not load the
// addon (test/fixtures/launcher.worker.mjs), except one --standalone group that really all-reduces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { cpus, hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../lib/index.js';
import { distributed as dist } from '../lib/index.js';
import { freePort } from './70.distributed.helpers.js';
import { glooDeviceHost, isLoopback } from '../lib/distributed/bind.js';

const BIN = new URL('../bin/torchnode-run.mjs', import.meta.url).pathname;
const WORKER = new URL('./fixtures/launcher.worker.mjs', import.meta.url).pathname;

interface Run {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
}

/** Runs torchnode-run with `args`; `onStart` sees the child (to signal it). OMP_NUM_THREADS is unset unless given. */
function run(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {},
): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  if (!opts.env?.OMP_NUM_THREADS) delete env.OMP_NUM_THREADS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      opts.onStdout?.(out, child);
    });
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`torchnode-run ${args.join(' ')} did not end; stdout:\n${out}\nstderr:\n${err}`));
    }, 30000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

/** The JSON line each rank printed, by rank. */
function perRank(out: string): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  for (const m of out.matchAll(/^\[rank(\d+)\]: (\{.*\})$/gm)) rows[Number(m[1])] = JSON.parse(m[2]);
  return rows;
}

const OMP_WARNING =
  '*****************************************\n' +
  'Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, ' +
  'please further tune the variable for optimal performance in your application as needed. \n' +
  '*****************************************\n';

test('--standalone sets the environment torchrun 1.13 sets, on a free port', async () => {
  // What `python3 -m torch.distributed.run --standalone --nproc_per_node 2 env.py` gave each rank
  // (torch 1.13), rank 0:
  //   {"GROUP_RANK": "0", "GROUP_WORLD_SIZE": "1", "LOCAL_RANK": "0", "LOCAL_WORLD_SIZE": "2",
  //    "MASTER_ADDR": "localhost", "MASTER_PORT": "36791", "NCCL_ASYNC_ERROR_HANDLING": "1",
  //    "OMP_NUM_THREADS": "1", "RANK": "0", "ROLE_NAME": "default", "ROLE_RANK": "0",
  //    "ROLE_WORLD_SIZE": "2", "TORCHELASTIC_ERROR_FILE": "/tmp/torchelastic_o1in4bdn/<run id>_ri02s4xn/attempt_0/0/error.json",
  //    "TORCHELASTIC_MAX_RESTARTS": "0", "TORCHELASTIC_RESTART_COUNT": "0",
  //    "TORCHELASTIC_RUN_ID": "36232b61-25f9-444c-bab8-6bacbd7dc8f2", "TORCHELASTIC_USE_AGENT_STORE": "False", "WORLD_SIZE": "2"}
  // The same keys here; MASTER_ADDR is 127.0.0.1 (not an address the host name may map elsewhere).
  const r = await run(['--standalone', '--nproc-per-node', '2', WORKER, 'env']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, OMP_WARNING);
  const rows = perRank(r.out);
  assert.equal(rows.length, 2);
  const port = rows[0].MASTER_PORT;
  assert.match(port, /^\d+$/);
  assert.notEqual(port, '29500');
  const runId = rows[0].TORCHELASTIC_RUN_ID;
  assert.match(runId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  rows.forEach((env, rank) => {
    assert.match(env.TORCHELASTIC_ERROR_FILE, new RegExp(`/torchnode-run_\\w+/attempt_0/${rank}/error\\.json$`));
    assert.deepEqual(
      { ...env, TORCHELASTIC_ERROR_FILE: '' },
      {
        GROUP_RANK: '0',
        GROUP_WORLD_SIZE: '1',
        LOCAL_RANK: String(rank),
        LOCAL_WORLD_SIZE: '2',
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: port,
        NCCL_ASYNC_ERROR_HANDLING: '1',
        OMP_NUM_THREADS: '1',
        RANK: String(rank),
        ROLE_NAME: 'default',
        ROLE_RANK: String(rank),
        ROLE_WORLD_SIZE: '2',
        TORCHELASTIC_ERROR_FILE: '',
        TORCHELASTIC_MAX_RESTARTS: '0',
        TORCHELASTIC_RESTART_COUNT: '0',
        TORCHELASTIC_RUN_ID: runId,
        TORCHELASTIC_USE_AGENT_STORE: 'False',
        WORLD_SIZE: '2',
      },
    );
  });
});

test('static rendezvous: node rank, master address, role and a user OMP_NUM_THREADS', async () => {
  const r = await run(['--nnodes', '3', '--node_rank=2', '--nproc_per_node', '2', '--rdzv-endpoint', '10.1.2.3:4567', '--role', 'trainer', WORKER, 'env'], {
    env: { OMP_NUM_THREADS: '3' },
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, ''); // no OMP warning: the user's value is kept
  const rows = perRank(r.out);
  assert.deepEqual(Object.keys(rows).map(Number), [4, 5]);
  for (const rank of [4, 5]) {
    const e = rows[rank];
    assert.equal(e.RANK, String(rank));
    assert.equal(e.LOCAL_RANK, String(rank - 4));
    assert.equal(e.GROUP_RANK, '2');
    assert.equal(e.GROUP_WORLD_SIZE, '3');
    assert.equal(e.WORLD_SIZE, '6');
    assert.equal(e.MASTER_ADDR, '10.1.2.3');
    assert.equal(e.MASTER_PORT, '4567');
    assert.equal(e.ROLE_NAME, 'trainer');
    assert.equal(e.TORCHELASTIC_RUN_ID, 'none');
    assert.equal(e.OMP_NUM_THREADS, '3');
  }
});

test('the root cause is the rank that failed first, not the first exit observed (5 runs)', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await run(['--standalone', '--nproc-per-node', '2', WORKER, 'blame']);
    // Rank 0's exit is observed first ...
    assert.match(r.err, /torchnode-run: rank 0 \(local_rank 0, pid \d+\) exited with code 3; stopping the other ranks/);
    // ... but rank 1's error came first: it is the root cause, and its exit code is the launcher's.
    assert.equal(r.code, 1, r.err);
    const m =
      /={60}\n.*launcher\.worker\.mjs FAILED\n-{60}\nFailures:\n\[1\]:\n {2}time {6}: \S+\n {2}host {6}: \S+\n {2}rank {6}: 0 \(local_rank: 0\)\n {2}exitcode {2}: 3 \(pid: \d+\)\n {2}error_file: \S+ \(removed on exit; --log-dir keeps it\)\n {2}traceback : process exited with code 3\n-{60}\nRoot Cause \(first observed failure\):\n\[0\]:\n {2}time {6}: (\S+)\n {2}host {6}: \S+\n {2}rank {6}: 1 \(local_rank: 1\)\n {2}exitcode {2}: 1 \(pid: \d+\)\n {2}error_file: \S+\/attempt_0\/1\/error\.json \(removed on exit; --log-dir keeps it\)\n {2}traceback : Error: rank 1 fails\n {6}at .*launcher\.worker\.mjs/.exec(
        r.err,
      );
    assert.ok(m, r.err);
  }
});

test('a rank killed by a signal: exit code 128+N and the signal in the summary', async () => {
  const r = await run([
    '--nproc-per-node',
    '2',
    '--master-port',
    String(await freePort()),
    '--no-python',
    'sh',
    '-c',
    '[ "$RANK" = 1 ] && kill -KILL $$; sleep 30',
  ]);
  assert.equal(r.code, 137, r.err);
  assert.match(
    r.err,
    /rank {6}: 1 \(local_rank: 1\)\n {2}exitcode {2}: -9 \(pid: (\d+)\)\n {2}error_file: <N\/A>\n {2}traceback : Signal 9 \(SIGKILL\) received by PID \1\n/,
  );
});

for (const [sig, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  test(`${sig} to the launcher stops every rank and exits with ${code}`, async () => {
    const pids: number[] = [];
    let sent = false;
    const r = await run(['--nproc-per-node', '2', '--master-port', String(await freePort()), WORKER, 'sleep'], {
      onStdout: (out, child) => {
        const found = [...out.matchAll(/pid (\d+) ready/g)].map((m) => Number(m[1]));
        if (found.length === 2 && !sent) {
          sent = true;
          pids.push(...found);
          child.kill(sig);
        }
      },
    });
    assert.equal(r.code, code, r.err);
    assert.match(r.err, new RegExp(`torchnode-run: received ${sig}; stopping all ranks\\n$`));
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `rank pid ${pid} still runs`);
  });
}

test('--max-restarts restarts the group with TORCHELASTIC_RESTART_COUNT 0, 1, 2; past the limit it fails with the summary', async () => {
  const ok = await run(['--standalone', '--nproc-per-node', '2', '--max-restarts', '2', WORKER, 'restart', '2']);
  assert.equal(ok.code, 0, ok.err);
  const seen = (rank: number) => [...ok.out.matchAll(new RegExp(`^\\[rank${rank}\\]: restart (\\d) of 2$`, 'gm'))].map((m) => Number(m[1]));
  assert.deepEqual(seen(1), [0, 1, 2]);
  // Rank 0 may be stopped before it prints in the failed attempts; it runs to the end in the last.
  assert.equal(seen(0).at(-1), 2);
  assert.match(
    ok.err,
    /\[default\] Worker group FAILED\. 2\/2 attempts left; will restart worker group\n(.|\n)*\[default\] Worker group FAILED\. 1\/2 attempts left; will restart worker group\n/,
  );

  const bad = await run(['--standalone', '--nproc-per-node', '2', '--max-restarts', '1', WORKER, 'restart', '9']);
  assert.equal(bad.code, 5, bad.err);
  assert.equal([...bad.out.matchAll(/^\[rank1\]: restart (\d) of 1$/gm)].map((m) => m[1]).join(','), '0,1');
  assert.match(bad.err, /Worker group FAILED\. 1\/1 attempts left/);
  assert.match(bad.err, /Root Cause \(first observed failure\):\n\[0\]:\n.*\n.*\n {2}rank {6}: 1 \(local_rank: 1\)\n {2}exitcode {2}: 5 /);
  assert.match(bad.err, /attempt_1\/1\/error\.json/);
});

test("--log-dir with --tee and --redirects writes torchrun's per-rank files", async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tn-run-logs-'));
  // Rank 0: both streams to files and console; rank 1: stdout to its file only.
  const r = await run(['--standalone', '--nproc-per-node', '2', '--rdzv-id', 'job7', '--log-dir', logDir, '--tee', '0:3', '-r', '1:1', WORKER, 'streams']);
  assert.equal(r.code, 0, r.err);
  const [runDir] = readdirSync(logDir);
  // --standalone assigns the run id (as torchrun, an explicit --rdzv-id is ignored).
  assert.match(runDir, /^[0-9a-f-]{36}_\w+$/);
  assert.match(r.err, new RegExp(`torchnode-run: log directory: ${join(logDir, runDir)}\\n`));
  const file = (p: string) => readFileSync(join(logDir, runDir, 'attempt_0', p), 'utf8');
  assert.equal(file('0/stdout.log'), 'out 0\n');
  assert.equal(file('0/stderr.log'), 'err 0\n');
  assert.equal(file('1/stdout.log'), 'out 1\n');
  assert.deepEqual(readdirSync(join(logDir, runDir, 'attempt_0', '1')), ['stdout.log']);
  assert.match(r.out, /^\[rank0\]: out 0$/m);
  assert.doesNotMatch(r.out, /out 1/);
  assert.match(r.err, /^\[rank0\]: err 0$/m);
  assert.match(r.err, /^\[rank1\]: err 1$/m);
});

test('only the rank writes its error file, not a node process it starts', async () => {
  const logDir = mkdtempSync(join(tmpdir(), 'tn-run-logs-'));
  const r = await run(['--master-port', String(await freePort()), '--log-dir', logDir, WORKER, 'grandchild']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^\[rank0\]: grandchild exit 1$/m);
  const [runDir] = readdirSync(logDir);
  assert.deepEqual(readdirSync(join(logDir, runDir, 'attempt_0', '0')), []);
});

test('--standalone: two ranks join a Gloo group through env:// and all-reduce', {
  skip: dist.isGlooAvailable() ? false : 'this build has no Gloo backend',
}, async () => {
  const worker = new URL('./75.distributed.launcher.worker.ts', import.meta.url).pathname;
  const r = await run(['--standalone', '--nproc-per-node', '2', worker]);
  assert.equal(r.code, 0, r.err);
  const rows = perRank(r.out);
  assert.deepEqual(rows[0], { rank: 0, world: 2, sum: [3, 30] });
  assert.deepEqual(rows[1], { rank: 1, world: 2, sum: [3, 30] });
});

test('c10d rendezvous: two launchers (2 + 1 ranks) get node ranks, offsets and one master', async () => {
  const port = await freePort();
  const flags = (n: number) => [
    '--nnodes',
    '2',
    '--nproc-per-node',
    String(n),
    '--rdzv-backend',
    'c10d',
    '--rdzv-endpoint',
    `127.0.0.1:${port}`,
    '--rdzv-id',
    'job9',
  ];
  const [a, b] = await Promise.all([run([...flags(2), WORKER, 'env']), run([...flags(1), WORKER, 'env'])]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  const rows = [...perRank(a.out), ...perRank(b.out)].filter(Boolean);
  assert.equal(rows.length, 3);
  const byRank = new Map(rows.map((e) => [Number(e.RANK), e]));
  assert.deepEqual([...byRank.keys()].sort(), [0, 1, 2]);
  for (const e of rows) {
    assert.equal(e.WORLD_SIZE, '3');
    assert.equal(e.GROUP_WORLD_SIZE, '2');
    assert.equal(e.TORCHELASTIC_RUN_ID, 'job9');
    assert.equal(e.MASTER_ADDR, '127.0.0.1');
    assert.equal(e.MASTER_PORT, rows[0].MASTER_PORT);
  }
  // The two-rank node and the one-rank node hold consecutive ranks after their group rank.
  const twoRankGroup = perRank(a.out).filter(Boolean)[0].GROUP_RANK;
  assert.deepEqual(
    perRank(a.out)
      .filter(Boolean)
      .map((e) => e.RANK),
    twoRankGroup === '0' ? ['0', '1'] : ['1', '2'],
  );
});

test('c10d: when one node restarts after a failure, the other stops its healthy ranks and joins the new round', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tn-run-nodes-'));
  const flags = ['--nnodes', '2', '--rdzv-backend', 'c10d', '--rdzv-endpoint', `127.0.0.1:${port}`, '--rdzv-id', 'job11'];
  const [a, b] = await Promise.all([
    run([...flags, '--max-restarts', '1', WORKER, 'node-restart', dir], { env: { FAIL_FIRST: '1' } }),
    run([...flags, WORKER, 'node-restart', dir]),
  ]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  assert.match(a.err, /\[default\] Worker group FAILED\. 1\/1 attempts left; will restart worker group\n/);
  assert.match(b.err, /\[default\] another node restarts the group \(rendezvous round 1\); stopping the local ranks to join it\n/);
  // The failing node's restart counts (1); the other node's does not (0), as in torchrun.
  assert.match(a.out, /^\[rank\d\]: done restart=1 rank=\d world=2$/m);
  assert.match(b.out, /^\[rank\d\]: done restart=0 rank=\d world=2$/m);
});

test('--nproc-per-node cpu, auto and gpu: one rank per CPU, or per GPU where CUDA is, as torchrun', {
  skip: cpus().length > 16 ? 'more than 16 CPUs' : false,
}, async () => {
  const n = cpus().length;
  const gpus = torch.cuda.isAvailable() ? torch.cuda.deviceCount() : 0;
  for (const spec of ['cpu', 'auto', 'gpu']) {
    if (spec === 'gpu' && gpus === 0) {
      const r = await run(['--nproc-per-node', 'gpu', WORKER, 'env']);
      assert.equal(r.code, 2);
      assert.equal(r.err.split('\n')[0], 'torchnode-run: --nproc-per-node gpu: CUDA is not available (torchnode found no CUDA device)');
      continue;
    }
    const [count, kind] = spec === 'cpu' || gpus === 0 ? [n, 'cpu'] : [gpus, 'gpu'];
    const r = await run(['--standalone', '--nproc-per-node', spec, WORKER, 'env']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, new RegExp(`torchnode-run: Using nproc_per_node=${spec}, setting to ${count} since the instance has ${count} ${kind}\\n`));
    const rows = perRank(r.out);
    assert.equal(rows.filter(Boolean).length, count);
    assert.equal(rows[0].LOCAL_WORLD_SIZE, String(count));
  }
});

test("-m runs a package's bin, --no-python runs a command", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tn-run-m-'));
  mkdirSync(join(dir, 'node_modules', 'fakepkg'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'fakepkg', 'package.json'), JSON.stringify({ name: 'fakepkg', bin: { fakepkg: 'cli.mjs' } }));
  writeFileSync(join(dir, 'node_modules', 'fakepkg', 'cli.mjs'), "console.log('fakepkg', process.env.RANK, ...process.argv.slice(2));\n");
  const m = await run(['-m', '--nproc-per-node', '2', '--master-port', String(await freePort()), 'fakepkg', 'x', 'y'], { cwd: dir });
  assert.equal(m.code, 0, m.err);
  assert.match(m.out, /^\[rank0\]: fakepkg 0 x y$/m);
  assert.match(m.out, /^\[rank1\]: fakepkg 1 x y$/m);
  const missing = await run(['-m', 'nopkg'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(
    missing.err,
    new RegExp(`^torchnode-run: -m nopkg: cannot resolve 'nopkg' from ${dir} as a package's bin or main, or a module path \\(Cannot find module 'nopkg'`),
  );

  const sh = await run([
    '--no-python',
    '--nproc-per-node',
    '2',
    '--no-prefix',
    '--master-port',
    String(await freePort()),
    'sh',
    '-c',
    'echo "rank=$RANK of $WORLD_SIZE"',
  ]);
  assert.equal(sh.code, 0, sh.err);
  assert.deepEqual(sh.out.split('\n').filter(Boolean).sort(), ['rank=0 of 2', 'rank=1 of 2']);
  const none = await run(['--no-python', '/nonexistent/cmd']);
  assert.equal(none.code, 127);
  assert.match(none.err, /traceback : could not start \/nonexistent\/cmd: spawn \/nonexistent\/cmd ENOENT\n/);
});

test('bad flags: exit 2 with the reason', async () => {
  const cases: [string[], string][] = [
    [['--nprocs', '2', 'x.js'], 'unknown option --nprocs'],
    [['--nproc-per-node', 'two', 'x.js'], "--nproc-per-node: expected auto, cpu, gpu or a positive integer but received 'two'"],
    [['--nproc-per-node', '0', 'x.js'], "--nproc-per-node: expected auto, cpu, gpu or a positive integer but received '0'"],
    [['--nnodes', '1:4', 'x.js'], '--nnodes 1:4: elastic node ranges are not supported (a group has a fixed number of nodes); use --nnodes N'],
    [['--nnodes', '0', 'x.js'], "--nnodes: expected N or MIN:MAX with 0 < MIN <= MAX but received '0'"],
    [['--nnodes', '2', '--node-rank', '2', 'x.js'], '--node-rank 2 is out of range for --nnodes 2 (expected 0..1)'],
    [['--master-port', '70000', 'x.js'], "--master-port: expected a port in 1..65535 but received '70000'"],
    [['--max-restarts', '-1', 'x.js'], "--max-restarts: expected a non-negative integer but received '-1'"],
    [['--monitor-interval', '0', 'x.js'], "--monitor-interval: expected a positive number of seconds but received '0'"],
    [['--rdzv-backend', 'etcd', 'x.js'], "--rdzv-backend: expected static or c10d but received 'etcd'"],
    [['--rdzv-endpoint', 'host:99999', 'x.js'], "--rdzv-endpoint: expected HOST[:PORT] but received 'host:99999'"],
    [['--rdzv-conf', 'timeout', 'x.js'], "--rdzv-conf: expected KEY=VALUE[,KEY=VALUE...] but received 'timeout'"],
    [
      ['--rdzv-backend', 'c10d', '--nnodes', '2', 'x.js'],
      "--rdzv-backend c10d with --nnodes 2 needs --rdzv-endpoint HOST[:PORT] (a node's address, where the rendezvous runs)",
    ],
    [['--standalone', '--nnodes', '2', 'x.js'], '--standalone runs one node but --nnodes is 2; use --rdzv-backend c10d --rdzv-endpoint HOST:PORT for several'],
    [['--redirects', '4', 'x.js'], "--redirects: expected 0, 1, 2 or 3, or LOCAL_RANK:N pairs like 0:1,1:2 but received '4'"],
    [['--tee', '0:1,1', 'x.js'], "--tee: expected 0, 1, 2 or 3, or LOCAL_RANK:N pairs like 0:1,1:2 but received '0:1,1'"],
    [['--start-method', 'thread', 'x.js'], "--start-method: expected spawn, fork or forkserver but received 'thread'"],
    [['-m', '--no-python', 'x'], "Don't use both the '--no-python' flag and the '--module' flag at the same time."],
    [['--standalone=1', 'x.js'], '--standalone does not take a value'],
    [['--master-addr'], '--master-addr needs a value'],
    [['--nnodes', '1'], 'missing the script to run'],
  ];
  // The parser in-process (bin/torchnode-run-args.mjs), the exit status and usage through the CLI once.
  const { parse, UsageError } = await import(new URL('../bin/torchnode-run-args.mjs', import.meta.url).href);
  for (const [args, message] of cases) {
    assert.throws(
      () => parse(args),
      (e: Error) => e instanceof UsageError && e.message === message,
      args.join(' '),
    );
  }
  const cli = await run(cases[0][0]);
  assert.equal(cli.code, 2);
  assert.match(cli.err, /^torchnode-run: unknown option --nprocs\nusage: torchnode-run /);
  // torchrun's PET_ variables give defaults.
  process.env.PET_NPROC_PER_NODE = '3';
  process.env.PET_MAX_RESTARTS = '2';
  try {
    const o = parse(['x.js']);
    assert.equal(o.nprocSpec, '3');
    assert.equal(o.maxRestarts, 2);
    assert.equal(parse(['--max-restarts', '1', 'x.js']).maxRestarts, 1); // a flag wins
  } finally {
    delete process.env.PET_NPROC_PER_NODE;
    delete process.env.PET_MAX_RESTARTS;
  }
  const note = await run(['--start-method', 'fork', '--monitor-interval', '0.5', '--master-port', String(await freePort()), WORKER, 'env']);
  assert.equal(note.code, 0);
  assert.equal(note.err, 'torchnode-run: --start-method fork does not apply to Node: ranks are always spawned as new processes\n');
});

test('distributed.launch: flags from options, the exit code of the rank that failed, validation', async () => {
  const code = await dist.launch(WORKER, ['exit', '1', '7'], { nprocPerNode: 2, standalone: true, maxRestarts: 0, role: 'x', tee: { 0: 3 }, stdio: 'ignore' });
  assert.equal(code, 7);
  assert.equal(await dist.launch(WORKER, ['env'], { nprocPerNode: 1, rdzvBackend: 'static', masterPort: await freePort(), prefix: false, stdio: 'ignore' }), 0);
  const bad: [object, string][] = [
    [
      { nproc: 2 },
      "distributed.launch: unknown option 'nproc' (expected one of nprocPerNode, nnodes, nodeRank, masterAddr, masterPort, standalone, rdzvBackend, rdzvEndpoint, rdzvId, rdzvConf, maxRestarts, monitorInterval, startMethod, role, module, noPython, logDir, redirects, tee, prefix, env, stdio)",
    ],
    [{ nprocPerNode: 0 }, 'distributed.launch: Expected positive integer for nprocPerNode but received 0 of type number'],
    [{ nprocPerNode: 'gpus' }, "distributed.launch: Expected one of 'auto', 'cpu', 'gpu' for nprocPerNode but received 'gpus' of type string"],
    [{ maxRestarts: -1 }, 'distributed.launch: Expected non-negative integer for maxRestarts but received -1 of type number'],
    [{ rdzvBackend: 'etcd' }, "distributed.launch: Expected one of 'static', 'c10d' for rdzvBackend but received 'etcd' of type string"],
    [{ tee: 4 }, 'distributed.launch: Expected 0, 1, 2, 3 or an object of local rank -> 0..3 for tee but received 4 of type number'],
    [{ redirects: { a: 1 } }, 'distributed.launch: Expected 0, 1, 2, 3 or an object of local rank -> 0..3 for redirects but received an object of type Object'],
    [{ standalone: 1 }, 'distributed.launch: Expected boolean for standalone but received 1 of type number'],
    [{ monitorInterval: 0 }, 'distributed.launch: Expected a positive number of seconds for monitorInterval but received 0 of type number'],
    [{ masterPort: 70000 }, 'distributed.launch: Expected a port in 1..65535 for masterPort but received 70000'],
  ];
  for (const [opts, message] of bad) assert.throws(() => dist.launch(WORKER, [], opts as never), { message });
});

test('Gloo binds to the address that reaches the master when the host name resolves to a loopback address', async () => {
  assert.equal(await glooDeviceHost('127.0.0.1', 29500), '127.0.0.1');
  assert.equal(await glooDeviceHost('localhost', 29500), '127.0.0.1');
  assert.equal(await glooDeviceHost('::1', 29500), '::1');
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!external) return;
  const own = await lookup(hostname()).then(
    (r) => r.address,
    () => null,
  );
  // A master on this machine's own address: PyTorch's default (the host name's address) unless
  // that is a loopback address, which peers on other machines could not reach.
  assert.equal(await glooDeviceHost(external.address, 29500), own !== null && !isLoopback(own) ? undefined : external.address);
});
