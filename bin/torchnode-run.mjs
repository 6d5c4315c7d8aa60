#!/usr/bin/env node
// torchnode-run: torchrun for Node. Starts --nproc-per-node copies of a script with the
// environment torch.distributed's env:// expects, prefixes their output with the rank, and
// supervises them: when one fails, the others are stopped and the launcher exits non-zero.
//
//   npx torchnode-run --nproc-per-node 2 train.ts [script args]
//   npx torchnode-run --nnodes 2 --node-rank 0 --nproc-per-node 4 --master-addr 10.0.0.1 --master-port 29500 train.ts
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const USAGE = `usage: torchnode-run [--nproc-per-node N] [--nnodes N] [--node-rank R] [--master-addr ADDR] [--master-port PORT]
                     [--no-prefix] script.(ts|js|mjs|cjs) [script args...]

Runs N processes of the script on this node with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
GROUP_RANK, MASTER_ADDR and MASTER_PORT set (initProcessGroup({initMethod: 'env://'}) reads them).
Defaults: --nproc-per-node 1, --nnodes 1, --node-rank 0, --master-addr 127.0.0.1, --master-port 29500.`;

function fail(msg) {
  process.stderr.write(`torchnode-run: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv) {
  const o = { nprocPerNode: 1, nnodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: 29500, prefix: true, script: '', args: [] };
  const ints = { 'nproc-per-node': 'nprocPerNode', nnodes: 'nnodes', 'node-rank': 'nodeRank', 'master-port': 'masterPort' };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) break;
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    if (a === '--no-prefix') {
      o.prefix = false;
      continue;
    }
    let [key, val] = a.slice(2).split(/=(.*)/s, 2);
    key = key.replace(/_/g, '-'); // torchrun also accepts --nproc_per_node
    if (!(key in ints) && key !== 'master-addr') fail(`unknown option --${key}`);
    if (val === undefined) {
      val = argv[++i];
      if (val === undefined) fail(`--${key} needs a value`);
    }
    if (key === 'master-addr') {
      o.masterAddr = val;
      continue;
    }
    const n = Number(val);
    if (!Number.isInteger(n) || n < 0) fail(`Expected a non-negative integer for --${key} but received '${val}'`);
    o[ints[key]] = n;
  }
  if (i >= argv.length) fail('missing the script to run');
  o.script = argv[i];
  o.args = argv.slice(i + 1);
  if (o.nprocPerNode < 1) fail('--nproc-per-node must be at least 1');
  if (o.nnodes < 1) fail('--nnodes must be at least 1');
  if (o.nodeRank >= o.nnodes) fail(`--node-rank ${o.nodeRank} is out of range for --nnodes ${o.nnodes}`);
  if (o.masterPort < 1 || o.masterPort > 65535) fail(`--master-port must be in 1..65535 but received ${o.masterPort}`);
  return o;
}

// .ts scripts run through tsx, resolved from this package so the user's project needs no setup.
function nodeArgs(script) {
  if (!/\.(c|m)?tsx?$/.test(script)) return [];
  try {
    const require = createRequire(import.meta.url);
    const tsxPkg = require.resolve('tsx/package.json');
    return ['--import', pathToFileURL(tsxPkg.replace(/package\.json$/, 'dist/loader.mjs')).href];
  } catch {
    return ['--import', 'tsx'];
  }
}

const o = parse(process.argv.slice(2));
const world = o.nnodes * o.nprocPerNode;
const children = [];
let stopping = false;
let exitCode = 0;

function pipe(stream, out, tag) {
  if (!o.prefix) {
    stream.pipe(out);
    return;
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => out.write(`${tag}${line}\n`));
}

function stopAll(reason) {
  if (stopping) return;
  stopping = true;
  if (reason) process.stderr.write(`torchnode-run: ${reason}\n`);
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  // Ranks stuck in a collective may ignore SIGTERM's default handling: force after a grace period.
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }, 5000).unref();
}

for (let local = 0; local < o.nprocPerNode; local++) {
  const rank = o.nodeRank * o.nprocPerNode + local;
  const env = {
    ...process.env,
    RANK: String(rank),
    LOCAL_RANK: String(local),
    WORLD_SIZE: String(world),
    LOCAL_WORLD_SIZE: String(o.nprocPerNode),
    GROUP_RANK: String(o.nodeRank),
    MASTER_ADDR: o.masterAddr,
    MASTER_PORT: String(o.masterPort),
  };
  const child = spawn(process.execPath, [...nodeArgs(o.script), o.script, ...o.args], { env, stdio: ['inherit', 'pipe', 'pipe'] });
  child.rank = rank;
  children.push(child);
  const tag = `[rank${rank}]: `;
  pipe(child.stdout, process.stdout, tag);
  pipe(child.stderr, process.stderr, tag);
  child.on('error', (e) => {
    exitCode = exitCode || 1;
    stopAll(`rank ${rank} could not start: ${e.message}; stopping the other ranks`);
  });
  child.on('exit', (code, signal) => {
    if ((code !== 0 || signal) && !stopping) {
      exitCode = code || 1;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      stopAll(`rank ${rank} (pid ${child.pid}) ${how}; stopping the other ranks`);
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
      if (exitCode !== 0) process.stderr.write(`torchnode-run: failed (exit code ${exitCode})\n`);
      process.exit(exitCode);
    }
  });
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    exitCode = exitCode || 130;
    stopAll(`received ${sig}; stopping all ranks`);
  });
}
