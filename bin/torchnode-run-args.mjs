// torchnode-run's command line (torchrun's flags, PyTorch 1.13), apart from the launcher so that
// tests can check every refusal without starting a process.
import { randomUUID } from 'node:crypto';

export const USAGE = `usage: torchnode-run [--nproc-per-node auto|cpu|gpu|N] [--nnodes N] [--node-rank R]
                     [--master-addr ADDR] [--master-port PORT] [--standalone]
                     [--rdzv-backend static|c10d] [--rdzv-endpoint HOST[:PORT]] [--rdzv-id ID] [--rdzv-conf K=V,...]
                     [--max-restarts N] [--monitor-interval SECONDS] [--start-method spawn|fork|forkserver]
                     [--role NAME] [-m|--module] [--no-python] [--log-dir DIR] [-r|--redirects SPEC] [-t|--tee SPEC]
                     [--no-prefix] script [script args...]

Runs N ranks of the script on this node (node, through tsx for .ts; -m: a package's bin or main;
--no-python: the command itself) with torchrun's environment: RANK, LOCAL_RANK, WORLD_SIZE,
LOCAL_WORLD_SIZE, GROUP_RANK, GROUP_WORLD_SIZE, ROLE_*, MASTER_ADDR, MASTER_PORT,
TORCHELASTIC_RESTART_COUNT/MAX_RESTARTS/RUN_ID/ERROR_FILE (initProcessGroup's env:// reads them).
Defaults: --nproc-per-node 1, --nnodes 1, --node-rank 0, --master-addr 127.0.0.1, --master-port 29500,
--rdzv-backend static, --max-restarts 0. Flags also read PET_<FLAG> from the environment, as torchrun.
Exit status: 0, the exit code of the first rank that failed, or 128+N after signal N. See docs/distributed.md.`;

/** A bad command line: the launcher prints the message and the usage, and exits with 2. */
export class UsageError extends Error {}

const VALUE_OPTIONS = {
  nnodes: '1',
  'nproc-per-node': '1',
  'node-rank': '0',
  'master-addr': '127.0.0.1',
  'master-port': '29500',
  'rdzv-backend': 'static',
  'rdzv-endpoint': '',
  'rdzv-id': 'none',
  'rdzv-conf': '',
  'max-restarts': '0',
  'monitor-interval': '5',
  'start-method': 'spawn',
  role: 'default',
  'log-dir': '',
  redirects: '0',
  tee: '0',
};
const FLAG_OPTIONS = ['standalone', 'module', 'no-python', 'no-prefix'];
const ALIASES = { m: 'module', r: 'redirects', t: 'tee', 'no-node': 'no-python', h: 'help' };

/** torchrun's `env` action: a flag's default comes from PET_<FLAG> when set. */
function envDefault(name, fallback) {
  const v = process.env[`PET_${name.replace(/-/g, '_').toUpperCase()}`];
  return v === undefined || v === '' ? fallback : v;
}

function parseArgv(argv) {
  const raw = {};
  for (const [k, d] of Object.entries(VALUE_OPTIONS)) raw[k] = envDefault(k, d);
  for (const k of FLAG_OPTIONS) raw[k] = envDefault(k, '0') !== '0';
  const given = new Set();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    let name;
    let val;
    if (a.startsWith('--')) [name, val] = a.slice(2).split(/=(.*)/s, 2);
    else if (a.length > 2 && a[2] !== '=')
      [name, val] = [a[1], a.slice(2)]; // -r3, as argparse
    else [name, val] = a.slice(1).split(/=(.*)/s, 2);
    name = name.replace(/_/g, '-'); // torchrun spells them --nproc_per_node
    name = ALIASES[name] ?? name;
    if (name === 'help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (FLAG_OPTIONS.includes(name)) {
      if (val !== undefined) throw new UsageError(`--${name} does not take a value`);
      raw[name] = true;
    } else if (name in VALUE_OPTIONS) {
      if (val === undefined) {
        val = argv[++i];
        if (val === undefined) throw new UsageError(`--${name} needs a value`);
      }
      raw[name] = val;
    } else if (name === 'run-path') {
      throw new UsageError('--run-path is not supported (it runs Python in the agent process); run the script as usual');
    } else {
      throw new UsageError(`unknown option ${a.split('=')[0]}`);
    }
    given.add(name);
  }
  if (i >= argv.length) throw new UsageError('missing the script to run');
  return { raw, given, script: argv[i], args: argv.slice(i + 1) };
}

function intFlag(raw, name, min, max, expected) {
  const v = raw[name];
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name}: expected ${expected} but received '${v}'`);
  return n;
}

function oneOf(raw, name, values) {
  const v = raw[name];
  if (!values.includes(v)) {
    const list = values.length === 2 ? values.join(' or ') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
    throw new UsageError(`--${name}: expected ${list} but received '${v}'`);
  }
  return v;
}

/** torchrun's Std spec: one of 0-3 for all local ranks (1 stdout, 2 stderr, 3 both), or LOCAL_RANK:N pairs. */
function stdSpec(raw, name) {
  const v = raw[name];
  if (/^[0-3]$/.test(v)) return () => Number(v);
  if (/^(\d+:[0-3],)*\d+:[0-3]$/.test(v)) {
    const map = new Map(v.split(',').map((p) => p.split(':').map(Number)));
    return (localRank) => map.get(localRank) ?? 0;
  }
  throw new UsageError(`--${name}: expected 0, 1, 2 or 3, or LOCAL_RANK:N pairs like 0:1,1:2 but received '${v}'`);
}

function endpoint(v, name, defaultPort) {
  const m = /^(\[[^\]]+\]|[^:\s[\]]+)(?::(\d+))?$/.exec(v);
  const port = m ? Number(m[2] ?? defaultPort) : 0;
  if (!m || !(port >= 1 && port <= 65535)) throw new UsageError(`--${name}: expected HOST[:PORT] but received '${v}'`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** The launcher's options from its command line (torchrun's flags); throws UsageError. */
export function parse(argv) {
  const { raw, given, script, args } = parseArgv(argv);
  const o = { script, args, given };
  const nn = /^(\d+)(?::(\d+))?$/.exec(raw.nnodes);
  const [minNodes, maxNodes] = nn ? [Number(nn[1]), Number(nn[2] ?? nn[1])] : [0, 0];
  if (!(minNodes > 0 && minNodes <= maxNodes)) throw new UsageError(`--nnodes: expected N or MIN:MAX with 0 < MIN <= MAX but received '${raw.nnodes}'`);
  if (minNodes !== maxNodes) {
    throw new UsageError(`--nnodes ${raw.nnodes}: elastic node ranges are not supported (a group has a fixed number of nodes); use --nnodes N`);
  }
  o.nnodes = minNodes;
  if (!/^(auto|cpu|gpu|[1-9]\d*)$/.test(raw['nproc-per-node'])) {
    throw new UsageError(`--nproc-per-node: expected auto, cpu, gpu or a positive integer but received '${raw['nproc-per-node']}'`);
  }
  o.nprocSpec = raw['nproc-per-node'];
  o.nodeRank = intFlag(raw, 'node-rank', 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
  o.masterAddr = raw['master-addr'];
  o.masterPort = intFlag(raw, 'master-port', 1, 65535, 'a port in 1..65535');
  o.rdzvBackend = oneOf(raw, 'rdzv-backend', ['static', 'c10d']);
  o.rdzvId = raw['rdzv-id'];
  o.rdzvConf = {};
  if (raw['rdzv-conf']) {
    for (const kv of raw['rdzv-conf'].split(',')) {
      const m = /^([A-Za-z_]\w*)=(.*)$/.exec(kv);
      if (!m) throw new UsageError(`--rdzv-conf: expected KEY=VALUE[,KEY=VALUE...] but received '${raw['rdzv-conf']}'`);
      o.rdzvConf[m[1]] = m[2];
    }
  }
  o.maxRestarts = intFlag(raw, 'max-restarts', 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer');
  o.monitorInterval = Number(raw['monitor-interval']);
  if (!(o.monitorInterval > 0) || raw['monitor-interval'].trim() === '') {
    throw new UsageError(`--monitor-interval: expected a positive number of seconds but received '${raw['monitor-interval']}'`);
  }
  o.startMethod = oneOf(raw, 'start-method', ['spawn', 'fork', 'forkserver']);
  o.role = raw.role;
  o.logDir = raw['log-dir'];
  o.redirects = stdSpec(raw, 'redirects');
  o.tee = stdSpec(raw, 'tee');
  o.standalone = raw.standalone;
  o.module = raw.module;
  o.noPython = raw['no-python'];
  o.prefix = !raw['no-prefix'];
  if (o.module && o.noPython) throw new UsageError("Don't use both the '--no-python' flag and the '--module' flag at the same time.");

  if (o.standalone) {
    if (o.nnodes !== 1)
      throw new UsageError(`--standalone runs one node but --nnodes is ${o.nnodes}; use --rdzv-backend c10d --rdzv-endpoint HOST:PORT for several`);
    // As torchrun: the rendezvous flags are assigned, explicit values ignored.
    o.rdzvBackend = 'c10d';
    o.rdzvId = randomUUID();
    o.rdzvEndpoint = null;
  } else if (raw['rdzv-endpoint']) {
    o.rdzvEndpoint = endpoint(raw['rdzv-endpoint'], 'rdzv-endpoint', 29400);
  }
  if (o.rdzvBackend === 'static') {
    if (o.nodeRank >= o.nnodes) throw new UsageError(`--node-rank ${o.nodeRank} is out of range for --nnodes ${o.nnodes} (expected 0..${o.nnodes - 1})`);
    // torchrun's static rendezvous: the endpoint, when given, is the master's address.
    if (o.rdzvEndpoint) [o.masterAddr, o.masterPort] = [o.rdzvEndpoint.host, o.rdzvEndpoint.port];
  } else if (o.nnodes > 1 && !o.rdzvEndpoint) {
    throw new UsageError(`--rdzv-backend c10d with --nnodes ${o.nnodes} needs --rdzv-endpoint HOST[:PORT] (a node's address, where the rendezvous runs)`);
  }
  return o;
}
