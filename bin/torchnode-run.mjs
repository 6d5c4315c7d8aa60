#!/usr/bin/env node
// torchnode-run: torchrun (torch.distributed.run, PyTorch 1.13) for Node. Starts --nproc-per-node
// ranks of a script per node with the environment torchrun gives its workers, prefixes their
// output with the rank, and supervises them as torchrun's local elastic agent does: when a rank
// fails, the others are stopped; the group is restarted up to --max-restarts times; at the end the
// first failure (the root cause, not the ranks stopped because of it) is reported and its exit
// code is the launcher's.
//
//   npx torchnode-run --standalone --nproc-per-node 2 train.ts [script args]
//   npx torchnode-run --nnodes 2 --node-rank 0 --nproc-per-node 4 --master-addr 10.0.0.1 --master-port 29500 train.ts
//   npx torchnode-run --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint 10.0.0.1:29400 train.ts
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection, createServer } from 'node:net';
import { constants, cpus, hostname, networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, USAGE, UsageError } from './torchnode-run-args.mjs';

function log(msg) {
  process.stderr.write(`torchnode-run: ${msg}\n`);
}

// ---- what each rank runs ----

const HERE = dirname(fileURLToPath(import.meta.url));

// .ts scripts run through tsx, resolved from this package so the user's project needs no setup.
function tsxImport() {
  try {
    const require = createRequire(import.meta.url);
    const tsxPkg = require.resolve('tsx/package.json');
    return pathToFileURL(tsxPkg.replace(/package\.json$/, 'dist/loader.mjs')).href;
  } catch {
    return 'tsx';
  }
}

/**
 * `-m NAME`: the Node counterpart of `python -m`. A package name runs the package's `bin` (the one
 * named like the package, or its only one), else its main entry; `pkg/sub/path` and relative
 * specifiers resolve as `require.resolve` does from the working directory.
 */
function resolveModule(spec) {
  const cwd = process.cwd();
  const bare = /^(@[^/]+\/)?[^./@][^/]*$/.test(spec);
  if (bare) {
    for (let dir = cwd; ; dir = dirname(dir)) {
      const pkgFile = join(dir, 'node_modules', spec, 'package.json');
      if (existsSync(pkgFile)) {
        const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
        const name = spec.replace(/^@[^/]+\//, '');
        const bin =
          typeof pkg.bin === 'string' ? pkg.bin : pkg.bin && (pkg.bin[name] ?? (Object.keys(pkg.bin).length === 1 ? Object.values(pkg.bin)[0] : undefined));
        if (bin) return join(dirname(pkgFile), bin);
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  try {
    return createRequire(join(cwd, 'noop.js')).resolve(spec);
  } catch (e) {
    throw new UsageError(`-m ${spec}: cannot resolve '${spec}' from ${cwd} as a package's bin or main, or a module path (${String(e.message).split('\n')[0]})`);
  }
}

function command(o) {
  if (o.noPython) return { file: o.script, args: o.args, node: false };
  const script = o.module ? resolveModule(o.script) : o.script;
  const pre = ['--import', pathToFileURL(join(HERE, 'torchnode-run-record.mjs')).href];
  if (/\.(c|m)?tsx?$/.test(script)) pre.push('--import', tsxImport());
  return { file: process.execPath, args: [...pre, script, ...o.args], node: true };
}

/** torch.cuda.device_count() as torchnode sees it (0 without CUDA or without a loadable addon). */
function gpuCount() {
  const root = dirname(HERE);
  const code = `const r=require('module').createRequire(${JSON.stringify(join(root, 'package.json'))});
const o=process.env.TORCHNODE_ADDON; const n=o?r(o):r('node-gyp-build')(${JSON.stringify(root)});
process.stdout.write(String(n.cuda.isAvailable()?n.cuda.deviceCount():0));`;
  const env = { ...process.env, UCX_HANDLE_ERRORS: 'none', UCX_DEBUG_SIGNO: '0', UCX_MEM_EVENTS: 'no' };
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) {
    log(`could not load the torchnode addon to count GPUs (${(r.stderr || r.error?.message || '').trim().split('\n')[0]}); assuming none`);
    return 0;
  }
  return Number(r.stdout);
}

function localWorldSize(spec) {
  if (/^\d+$/.test(spec)) return Number(spec);
  const ncpu = cpus().length;
  let n;
  let kind = 'cpu';
  if (spec === 'cpu') n = ncpu;
  else {
    const gpus = gpuCount();
    if (spec === 'gpu' && gpus === 0) throw new UsageError('--nproc-per-node gpu: CUDA is not available (torchnode found no CUDA device)');
    n = gpus > 0 ? gpus : ncpu;
    if (gpus > 0) kind = 'gpu';
  }
  log(`Using nproc_per_node=${spec}, setting to ${n} since the instance has ${n} ${kind}`);
  return n;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// ---- c10d rendezvous (several nodes, node ranks assigned by arrival) ----

function isLocalHost(host) {
  if (host === 'localhost' || host === '::1' || /^127\./.test(host) || host === hostname()) return true;
  return Object.values(networkInterfaces()).some((l) => (l ?? []).some((a) => a.address === host));
}

/**
 * The node whose address the endpoint names hosts a small rendezvous server on it (JSON lines over
 * TCP); every node's launcher joins round `attempt` with its size. When --nnodes nodes joined, each
 * learns its group rank (arrival order), its ranks' offset and the master address and port (a free
 * port of group rank 0's node).
 */
function startRendezvousServer(o) {
  const rounds = new Map();
  const agents = new Set(); // connected nodes: { round, reply }
  const server = createServer((sock) => {
    const rl = createInterface({ input: sock });
    let agent = null;
    sock.on('error', () => {});
    sock.on('close', () => agents.delete(agent));
    rl.on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        sock.destroy();
        return;
      }
      const reply = (m) => sock.write(`${JSON.stringify(m)}\n`);
      if (msg.runId !== o.rdzvId) return reply({ error: `run id mismatch: this rendezvous is for '${o.rdzvId}', the node joined '${msg.runId}'` });
      if (msg.nnodes !== o.nnodes) return reply({ error: `--nnodes mismatch: this rendezvous expects ${o.nnodes} nodes, the node said ${msg.nnodes}` });
      if (!rounds.has(msg.round)) rounds.set(msg.round, []);
      const round = rounds.get(msg.round);
      if (round.length >= o.nnodes) return reply({ error: `round ${msg.round} already has ${o.nnodes} nodes` });
      const addr = (sock.remoteAddress ?? '').replace(/^::ffff:/, '');
      round.push({ reply, nproc: msg.nproc, port: msg.port, addr });
      agent = { round: msg.round, reply };
      agents.add(agent);
      // A node restarting its group opens a new round: as torchrun's agents do when nodes wait in
      // a new round, the nodes still running an older one stop their ranks and join it.
      for (const a of agents) {
        if (a.round < msg.round) {
          a.round = msg.round;
          a.reply({ restart: msg.round });
        }
      }
      if (round.length < o.nnodes) return;
      const worldSize = round.reduce((s, m) => s + m.nproc, 0);
      // A loopback address is the endpoint's own node: the others reach it by the endpoint's host.
      const masterAddr = isLocalHost(round[0].addr) && o.nnodes > 1 ? o.rdzvEndpoint.host : round[0].addr;
      let offset = 0;
      round.forEach((m, groupRank) => {
        m.reply({ groupRank, groupWorldSize: o.nnodes, rankOffset: offset, worldSize, masterAddr, masterPort: round[0].port });
        offset += m.nproc;
      });
    });
  });
  return new Promise((res) => {
    server.once('error', (e) => {
      if (e.code !== 'EADDRINUSE') log(`cannot host the rendezvous on port ${o.rdzvEndpoint.port}: ${e.message}; joining as a client`);
      res(null);
    });
    server.listen(o.rdzvEndpoint.port, () => {
      server.unref();
      res(server);
    });
  });
}

/** Joins rendezvous round `round`; resolves with the group and a close(); `onRestart(r)` hears of a newer round. */
async function rendezvousC10d(o, round, nproc, onRestart) {
  const { host, port } = o.rdzvEndpoint;
  const timeoutS = Number(o.rdzvConf.join_timeout ?? 600);
  const deadline = Date.now() + timeoutS * 1000;
  const myPort = await freePort();
  for (;;) {
    const r = await new Promise((res) => {
      const sock = createConnection({ host, port });
      const timer = setTimeout(
        () => {
          sock.destroy();
          res({ timeout: true });
        },
        Math.max(0, deadline - Date.now()),
      );
      sock.on('error', (e) => {
        clearTimeout(timer);
        res({ retry: e.message });
      });
      sock.on('connect', () => sock.write(`${JSON.stringify({ runId: o.rdzvId, nnodes: o.nnodes, round, nproc, port: myPort })}\n`));
      let first = true;
      createInterface({ input: sock }).on('line', (line) => {
        const msg = JSON.parse(line);
        if (!first) {
          if (msg.restart !== undefined) onRestart(msg.restart);
          return;
        }
        first = false;
        clearTimeout(timer);
        // Stays open while the ranks run: the rendezvous says there when another node restarts.
        res({ ok: msg, close: () => sock.destroy() });
      });
    });
    if (r.ok?.error) throw new Error(`rendezvous at ${host}:${port} refused this node: ${r.ok.error}`);
    if (r.ok) return { group: r.ok, close: r.close };
    if (r.timeout || Date.now() >= deadline) {
      throw new Error(
        `rendezvous at ${host}:${port} timed out after ${timeoutS} s waiting for ${o.nnodes} nodes (run id '${o.rdzvId}', round ${round}); set --rdzv-conf join_timeout=SECONDS`,
      );
    }
    await new Promise((res) => setTimeout(res, 500)); // the hosting node may not be up yet
  }
}

// ---- one attempt: start the local ranks, watch them, stop them ----

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
let received = null; // the signal that stops the launcher
let current = null; // the running group's stop()

function isoTime(ms) {
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function readErrorFile(file) {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8'));
    const info = j?.message?.extraInfo ?? {};
    const ms = Number(info.timestampMs ?? Number(info.timestamp ?? j.timestamp) * 1000);
    const exitCode = Number.isInteger(j.exitCode) ? j.exitCode : null;
    return { ms: Number.isFinite(ms) ? ms : null, text: String(info.py_callstack ?? j?.message?.message ?? j.message ?? '<N/A>'), exitCode };
  } catch {
    return null;
  }
}

function runGroup(o, cmd, group, attempt, runDir, env0) {
  const attemptDir = join(runDir, `attempt_${attempt}`);
  rmSync(attemptDir, { recursive: true, force: true });
  const ranks = [];
  let stopMs = null;
  let killTimer = null;
  let done;
  const finished = new Promise((res) => {
    done = res;
  });

  // Each rank leads a process group of its own: a signal reaches what it started too (a shell's
  // children under --no-python), which could otherwise keep its output open after it ended.
  const signalGroup = (r, sig) => {
    try {
      process.kill(-r.pid, sig);
    } catch {
      r.child.kill(sig);
    }
  };
  const stop = (sig = 'SIGTERM') => {
    if (stopMs === null) stopMs = Date.now();
    for (const r of ranks) if (r.child && !r.closed) signalGroup(r, sig);
    // Ranks stuck in native code may not end on SIGTERM: force after a grace period.
    killTimer ??= setTimeout(() => {
      for (const r of ranks) if (r.child && !r.closed) signalGroup(r, 'SIGKILL');
    }, 5000);
    killTimer.unref();
  };

  const settle = () => {
    if (!ranks.every((r) => r.closed)) return;
    clearTimeout(killTimer);
    Promise.all(ranks.flatMap((r) => r.files)).then(() => done(ranks));
  };

  for (let localRank = 0; localRank < group.nproc; localRank++) {
    const rank = group.rankOffset + localRank;
    const dir = join(attemptDir, String(localRank));
    mkdirSync(dir, { recursive: true });
    const errorFile = join(dir, 'error.json');
    const env = {
      ...env0,
      LOCAL_RANK: String(localRank),
      RANK: String(rank),
      GROUP_RANK: String(group.groupRank),
      ROLE_RANK: String(rank),
      ROLE_NAME: o.role,
      LOCAL_WORLD_SIZE: String(group.nproc),
      WORLD_SIZE: String(group.worldSize),
      GROUP_WORLD_SIZE: String(group.groupWorldSize),
      ROLE_WORLD_SIZE: String(group.worldSize),
      MASTER_ADDR: group.masterAddr,
      MASTER_PORT: String(group.masterPort),
      TORCHELASTIC_RESTART_COUNT: String(attempt),
      TORCHELASTIC_MAX_RESTARTS: String(o.maxRestarts),
      TORCHELASTIC_RUN_ID: o.rdzvId,
      // torchrun says True for static rendezvous (its ranks join the agent's store); torchnode-run
      // has no agent store: rank 0 hosts the rendezvous, which Python ranks then also do.
      TORCHELASTIC_USE_AGENT_STORE: 'False',
      TORCHELASTIC_ERROR_FILE: errorFile,
      TORCHNODE_RUN_PID: String(process.pid), // lets bin/torchnode-run-record.mjs tell the rank from its children
      NCCL_ASYNC_ERROR_HANDLING: process.env.NCCL_ASYNC_ERROR_HANDLING ?? '1',
    };
    const r = { rank, localRank, errorFile, exited: false, closed: false, files: [], tail: [], pid: undefined };
    ranks.push(r);
    let child;
    try {
      // No stdin: in a process group of its own, a rank reading the terminal would be stopped (SIGTTIN).
      child = spawn(cmd.file, cmd.args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      r.exited = r.closed = true;
      r.failure = { code: 1, signal: null, ms: Date.now(), text: `could not start ${cmd.file}: ${e.message}` };
      stop();
      continue;
    }
    r.child = child;
    r.pid = child.pid;
    for (const [name, bit, out] of [
      ['stdout', 1, process.stdout],
      ['stderr', 2, process.stderr],
    ]) {
      const stream = child[name];
      const redirect = o.redirects(localRank) & bit;
      if ((redirect | o.tee(localRank)) & bit) {
        const f = createWriteStream(join(dir, `${name}.log`));
        r.files.push(new Promise((res) => f.on('close', res)));
        stream.pipe(f);
      }
      const toConsole = !redirect || o.tee(localRank) & bit;
      const tag = o.prefix ? `[rank${rank}]: ` : '';
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (toConsole) out.write(`${tag}${line}\n`);
        if (bit === 2) {
          r.tail.push(line);
          if (r.tail.length > 12) r.tail.shift();
        }
      });
    }
    child.on('error', (e) => {
      // Spawning failed (e.g. --no-python with a command that does not exist).
      if (r.exited) return;
      r.exited = r.closed = true;
      r.failure = { code: 127, signal: null, ms: Date.now(), text: `could not start ${cmd.file}: ${e.message}` };
      if (stopMs === null) stop();
      settle();
    });
    child.on('exit', (code, signal) => {
      r.exited = true;
      // Whatever the rank left running with its output open is stopped with the group.
      if (stopMs !== null) setTimeout(() => !r.closed && signalGroup(r, 'SIGKILL'), 5000).unref();
      if (code === 0) return;
      const observed = Date.now();
      const recorded = readErrorFile(errorFile);
      // A rank that ends after the launcher stopped the group failed on its own only when it
      // recorded its error before the stop; otherwise it was stopped.
      const own = stopMs === null || (recorded?.ms != null && recorded.ms <= stopMs);
      if (own) {
        r.failure = { code, signal, ms: recorded?.ms ?? observed, text: recorded?.text, errorFile: recorded ? errorFile : null };
        // Stopped while tearing down after its own error: its code is the one it was exiting with.
        if (signal && stopMs !== null && recorded?.exitCode) Object.assign(r.failure, { code: recorded.exitCode, signal: null });
      } else r.stopped = true;
      if (stopMs === null) {
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        log(`rank ${rank} (local_rank ${localRank}, pid ${child.pid}) ${how}; stopping the other ranks`);
        stop();
      }
    });
    child.on('close', () => {
      r.closed = true;
      settle();
    });
  }
  settle();
  return { stop, finished };
}

function signalNumber(sig) {
  return constants.signals[sig] ?? 1;
}

function exitCodeOf(f) {
  return f.signal ? 128 + signalNumber(f.signal) : f.code;
}

function summary(o, ranks) {
  const failures = ranks.filter((r) => r.failure);
  const root = failures.reduce((a, b) => (b.failure.ms < a.failure.ms ? b : a));
  const host = hostname();
  const fmt = (idx, r) => {
    const f = r.failure;
    const exitcode = f.signal ? -signalNumber(f.signal) : f.code;
    let text = f.text;
    if (!text) text = f.signal ? `Signal ${signalNumber(f.signal)} (${f.signal}) received by PID ${r.pid}` : r.tail.length ? r.tail.join('\n') : '<N/A>';
    return [
      `[${idx}]:`,
      `  time      : ${isoTime(f.ms)}`,
      `  host      : ${host}`,
      `  rank      : ${r.rank} (local_rank: ${r.localRank})`,
      `  exitcode  : ${exitcode} (pid: ${r.pid})`,
      `  error_file: ${f.errorFile ? (o.logDir ? f.errorFile : `${f.errorFile} (removed on exit; --log-dir keeps it)`) : '<N/A>'}`,
      `  traceback : ${text.replace(/\n/g, '\n  ')}`,
    ].join('\n');
  };
  const title = `${o.script} FAILED`;
  const others = failures.filter((r) => r !== root).map((r, i) => fmt(i + 1, r));
  const stopped = ranks.filter((r) => r.stopped).map((r) => r.rank);
  const lines = [
    '='.repeat(60),
    title,
    '-'.repeat(60),
    'Failures:',
    others.length ? others.join('\n') : '  <NO_OTHER_FAILURES>',
    ...(stopped.length ? [`Stopped by the launcher after the failure: rank ${stopped.join(', ')}`] : []),
    '-'.repeat(60),
    'Root Cause (first observed failure):',
    fmt(0, root),
    '='.repeat(60),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  return root;
}

async function main() {
  let o;
  try {
    o = parse(process.argv.slice(2));
    o.cmd = command(o);
    o.nproc = localWorldSize(o.nprocSpec);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`torchnode-run: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (o.startMethod !== 'spawn') log(`--start-method ${o.startMethod} does not apply to Node: ranks are always spawned as new processes`);
  for (const k of Object.keys(o.rdzvConf)) {
    if (!(k === 'join_timeout' || k === 'is_host') || o.rdzvBackend !== 'c10d') log(`--rdzv-conf ${k} is not used by the ${o.rdzvBackend} rendezvous`);
  }
  if (o.rdzvBackend === 'c10d' && o.nnodes > 1 && o.given.has('node-rank'))
    log('--node-rank is ignored by the c10d rendezvous: node ranks are assigned in order of arrival');

  const env0 = { ...process.env };
  if (process.env.OMP_NUM_THREADS === undefined && o.nproc > 1) {
    // torchrun's default and warning, word for word.
    process.stderr.write(
      '*****************************************\n' +
        'Setting OMP_NUM_THREADS environment variable for each process to be 1 in default, to avoid your system being overloaded, ' +
        'please further tune the variable for optimal performance in your application as needed. \n' +
        '*****************************************\n',
    );
    env0.OMP_NUM_THREADS = '1';
  }

  // torchrun's layout: <log-dir>/<run id>_<random>/attempt_<n>/<local rank>/{stdout,stderr}.log, error.json.
  let runDir;
  if (o.logDir) {
    mkdirSync(o.logDir, { recursive: true });
    runDir = mkdtempSync(join(resolve(o.logDir), `${o.rdzvId}_`));
    log(`log directory: ${runDir}`);
  } else {
    runDir = mkdtempSync(join(tmpdir(), 'torchnode-run_'));
  }
  const finish = (code) => {
    if (!o.logDir) rmSync(runDir, { recursive: true, force: true });
    process.exit(code);
  };

  for (const sig of SIGNALS) {
    process.on(sig, () => {
      if (received) {
        current?.stop('SIGKILL'); // a second signal: do not wait for the grace period
        return;
      }
      received = sig;
      log(`received ${sig}; stopping all ranks`);
      if (current) current.stop(sig);
      else finish(128 + signalNumber(sig));
    });
  }

  const isHost = o.rdzvConf.is_host !== undefined ? /^(1|true|yes)$/i.test(o.rdzvConf.is_host) : o.rdzvEndpoint && isLocalHost(o.rdzvEndpoint.host);
  if (o.rdzvBackend === 'c10d' && o.nnodes > 1 && isHost) await startRendezvousServer(o);

  // attempt: TORCHELASTIC_RESTART_COUNT, this node's restarts after failures; round: the c10d
  // rendezvous round, also advanced when another node restarts (which, as in torchrun, does not
  // count as a restart of this node).
  let round = 0;
  for (let attempt = 0; ; ) {
    let group;
    let closeRdzv = null;
    let restartTo = null;
    if (o.rdzvBackend === 'static') {
      group = { groupRank: o.nodeRank, groupWorldSize: o.nnodes, rankOffset: o.nodeRank * o.nproc, worldSize: o.nnodes * o.nproc };
      group.masterAddr = o.masterAddr;
      group.masterPort = o.masterPort;
    } else if (o.nnodes === 1) {
      // One node (--standalone): a free port of this machine, fresh for every attempt.
      group = { groupRank: 0, groupWorldSize: 1, rankOffset: 0, worldSize: o.nproc, masterAddr: '127.0.0.1', masterPort: await freePort() };
    } else {
      try {
        const joined = await rendezvousC10d(o, round, o.nproc, (next) => {
          if (next <= round || restartTo !== null) return;
          restartTo = next;
          log(`[${o.role}] another node restarts the group (rendezvous round ${next}); stopping the local ranks to join it`);
          // (The news may come with the rendezvous' answer, before the ranks start: see below.)
          current?.stop();
        });
        group = joined.group;
        closeRdzv = joined.close;
      } catch (e) {
        log(e.message);
        finish(1);
      }
    }
    group.nproc = o.nproc;
    if (received) finish(128 + signalNumber(received));
    if (restartTo !== null) {
      closeRdzv();
      round = restartTo;
      continue;
    }
    const g = runGroup(o, o.cmd, group, attempt, runDir, env0);
    current = g;
    const ranks = await g.finished;
    current = null;
    closeRdzv?.();
    if (received) finish(128 + signalNumber(received));
    const failed = ranks.some((r) => r.failure);
    if (!failed && restartTo === null) finish(0);
    if (!failed) {
      round = restartTo;
      continue;
    }
    const left = o.maxRestarts - attempt;
    if (left > 0) {
      const root = ranks.filter((r) => r.failure).reduce((a, b) => (b.failure.ms < a.failure.ms ? b : a));
      log(`rank ${root.rank} failed first (exitcode ${exitCodeOf(root.failure)})`);
      log(`[${o.role}] Worker group FAILED. ${left}/${o.maxRestarts} attempts left; will restart worker group`);
      attempt++;
      round = Math.max(round + 1, restartTo ?? 0);
      continue;
    }
    const root = summary(o, ranks);
    finish(exitCodeOf(root.failure));
  }
}

main();
