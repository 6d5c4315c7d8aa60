/**
 * torchnode's API, by namespace: the numerator of the coverage report (tools/coverage/report.py).
 *
 *     node --import tsx tools/coverage/torchnode_names.ts   # {namespace: [names]} as JSON
 *
 * Imports lib/index.ts at run time, so whatever lib/ exports counts as soon as it is exported:
 * the keys of each namespace object (`torch`, `torch.linalg`, `torch.nn.functional`, …) and the
 * members of Tensor.prototype and its bases (methods, getters and setters). Namespaces torchnode
 * does not have yet (`torch.fft` before it exists) are empty lists. The namespace keys are
 * PyTorch's, as in tools/coverage/pytorch_names.py.
 */
import { pathToFileURL } from 'node:url';
import * as torch from '../../lib/index.js';

type Namespace = Record<string, unknown>;

/** The object at a dotted path below `torch` (e.g. 'optim.lrScheduler'), or undefined. */
function at(path: string): Namespace | undefined {
  let o: unknown = torch;
  for (const part of path.split('.')) {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return undefined;
    o = (o as Namespace)[part];
  }
  return o !== null && (typeof o === 'object' || typeof o === 'function') ? (o as Namespace) : undefined;
}

/**
 * The keys of a namespace, and one level of nested namespace objects as `outer.inner`
 * (`autograd.functional.jacobian` is `functional.jacobian` under autograd).
 */
function keys(path: string, nested = false): string[] {
  const ns = at(path);
  if (!ns) return [];
  const out: string[] = [];
  for (const k of Object.keys(ns)) {
    out.push(k);
    const v = ns[k];
    if (nested && v !== null && typeof v === 'object') for (const inner of Object.keys(v)) out.push(`${k}.${inner}`);
  }
  return out;
}

/** Every member name of Tensor.prototype and the prototypes above it, up to Object.prototype. */
function tensorMembers(): string[] {
  const names = new Set<string>();
  for (let p: object | null = torch.Tensor.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== 'constructor') names.add(k);
  }
  return [...names];
}

/** {PyTorch namespace: torchnode names}, each list sorted. */
export function torchnodeNames(): Record<string, string[]> {
  const out: Record<string, string[]> = {
    torch: Object.keys(torch),
    Tensor: tensorMembers(),
    linalg: keys('linalg'),
    fft: keys('fft'),
    special: keys('special'),
    'nn.functional': keys('nn.functional'),
    nn: keys('nn'),
    'nn.init': keys('nn.init'),
    optim: keys('optim').filter((k) => k !== 'lrScheduler'),
    lr_scheduler: keys('optim.lrScheduler'),
    autograd: keys('autograd', true),
    'utils.data': keys('data'),
    // not a PyTorch namespace of the report: the target of report.py's cross-namespace aliases
    distributed: keys('distributed'),
  };
  for (const k of Object.keys(out)) out[k] = [...new Set(out[k])].sort();
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(torchnodeNames(), null, 1)}\n`);
}
