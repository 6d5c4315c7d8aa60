#!/usr/bin/env python3
"""Golden cases for the generated op surface (lib/generated/, written by tools/gen/gen.ts).

    /usr/bin/python3 tools/gen/golden.py [out.json]    (default: test/fixtures/generated-golden.json)

For every generated public entry (Tensor methods, torch.*, torch.linalg.*, torch.fft.*,
torch.special.*), read from the generated TypeScript itself (the JS name, the ATen name and its
overloads in OPS), it tries argument recipes built from the overloads' schemas (required
arguments only, so every default is PyTorch's) on small fixed float64 / int64 / bool inputs until
PyTorch accepts one, and records the call (inputs, positional arguments, keyword arguments with
Python's snake_case names) and PyTorch's result. Where a defaulted argument can also be given, a
second case passes it by keyword. Entries no recipe fits are listed in `uncovered` with PyTorch's
last error. For each case it also records error cases checked in PyTorch: a string where the
call's first argument goes (PyTorch: TypeError; torchnode: "<js>: no overload takes"), and an
input of another dtype or rank that LibTorch rejects (torchnode: an Error naming the ATen op).

test/96.generated.golden.test.ts replays every case in torchnode. Random ops run after
torch.manual_seed(0) on both sides. Results whose values are not defined (torch.empty and
friends, detected by running each call twice) are compared by dtype and shape only.
"""
import itertools
import resource
import select
import signal
import time
import warnings
import json
import math
import os
import re
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, 'lib', 'generated')
NAMESPACES = ['Tensor', 'torch', 'linalg', 'fft', 'special']
MAX_TRIES = 400  # recipes tried per entry

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)
warnings.filterwarnings('ignore')


# ---------------------------------------------------------------------------------------------
# The generated entries, read from lib/generated/*.generated.ts.


def read(name):
    with open(os.path.join(GEN, name), encoding='utf8') as f:
        return f.read()


def parse_ops():
    """OPS: ATen name -> [[qualified, params, returns], ...] (one JSON array per line)."""
    ops = {}
    for m in re.finditer(r'^  "(\w+)": (\[.*\]),?$', read('ops.generated.ts'), re.M):
        ops[m.group(1)] = json.loads(m.group(2))
    assert ops, 'no OPS entries found in lib/generated/ops.generated.ts'
    return ops


def parse_entries():
    entries = []
    src = read('tensor.generated.ts')
    table = src[src.index('installMethods({'):]
    for js, aten in re.findall(r'^  (\w+): OPS\["(\w+)"\]', table, re.M):
        entries.append({'ns': 'Tensor', 'js': js, 'aten': aten, 'py': 'Tensor.' + aten})
    for ns in ['torch', 'linalg', 'fft', 'special']:
        src = read(ns + '.generated.ts')
        for block in src.split('/**')[1:]:
            m = re.search(r'return dispatch\("(\w+)", OPS\["(\w+)"\], undefined, args\)', block)
            if not m:
                continue
            doc = re.search(r'^ \* `(torch[\w.]*)`', block, re.M)
            entries.append({'ns': ns, 'js': m.group(1), 'aten': m.group(2), 'py': doc.group(1) if doc else None})
    return entries


def parse_params(spec):
    if not spec:
        return []
    out = []
    for p in spec.split(','):
        kw = p.startswith('*')
        default = p.endswith('=')
        name, kind = p[1 if kw else 0:len(p) - 1 if default else len(p)].split(':')
        out.append({'name': name, 'kind': kind, 'kw': kw, 'default': default})
    return out


# ---------------------------------------------------------------------------------------------
# Inputs: symbolic tensors, materialised fresh for every call.


class T:
    """A tensor input: shape and a value kind (f float64, i int64 indices, b bool, spd, ...)."""

    def __init__(self, shape, kind='f', seed=0):
        self.shape, self.kind, self.seed = list(shape), kind, seed

    def values(self):
        n = math.prod(self.shape)
        s = self.seed
        if self.kind == 'f':
            return [round(0.05 + 0.9 * (((k + 1) * 0.6180339887 + 0.37 * s) % 1.0), 4) for k in range(n)]
        if self.kind == 'sym':  # values in (-1, 1)
            return [round(2 * (((k + 1) * 0.6180339887 + 0.37 * s) % 1.0) - 1, 4) for k in range(n)]
        if self.kind == 'i':
            return [(2 * k + s) % 3 for k in range(n)]
        if self.kind == 'b':
            return [(5 * k + s) % 3 == 0 for k in range(n)]
        if self.kind == 'spd':  # batches of n x n symmetric positive-definite matrices
            m = torch.tensor(T(self.shape, 'f', s).values(), dtype=torch.float64).reshape(self.shape)
            a = m @ m.transpose(-1, -2) + self.shape[-1] * torch.eye(self.shape[-1], dtype=torch.float64)
            return a.flatten().tolist()
        raise ValueError(self.kind)

    def dtype(self):
        return {'i': 'int64', 'b': 'bool'}.get(self.kind, 'float64')

    def make(self):
        return torch.tensor(self.values(), dtype=getattr(torch, self.dtype())).reshape(self.shape)

    def enc(self):
        return {'dtype': self.dtype(), 'shape': self.shape, 'values': self.values()}


class Dtype:
    def __init__(self, name):
        self.name = name


def materialise(args, kwargs):
    """Python values and the JSON recipe of symbolic arguments."""
    inputs = []

    def py(v):
        if isinstance(v, T):
            return v.make()
        if isinstance(v, Dtype):
            return getattr(torch, v.name)
        if isinstance(v, list):
            return [py(x) for x in v]
        return v

    def js(v):
        if isinstance(v, T):
            inputs.append(v.enc())
            return {'t': len(inputs) - 1}
        if isinstance(v, Dtype):
            return {'dtype': v.name}
        if isinstance(v, list):
            return [js(x) for x in v]
        return v

    recipe = {'args': [js(a) for a in args], 'kwargs': {k: js(v) for k, v in kwargs.items()}}
    recipe['inputs'] = inputs
    return [py(a) for a in args], {k: py(v) for k, v in kwargs.items()}, recipe


# ---------------------------------------------------------------------------------------------
# Candidate values per parameter, by kind and name.

PROFILES = [
    ([3, 4], 'f'),
    ([3, 3], 'spd'),
    ([4], 'f'),
    ([2, 3, 3], 'spd'),
    ([2, 3, 4], 'f'),
    ([1, 2, 3, 4], 'f'),
    ([3, 4], 'sym'),
    ([3, 4], 'i'),
    ([3, 4], 'b'),
    ([], 'f'),
]

INT_BY_NAME = {
    'dim': [1, 0],
    'dim0': [0],
    'dim1': [1],
    'n': [2],
    'window_length': [5],
    'reduction': [1],
    'groups': [1],
    'k': [1],
    'steps': [5],
    'diagonal': [0],
    'offset': [0],
    'high': [5],
    'low': [0],
    'num_classes': [-1],
    'repeats': [2],
    'sections': [2],
    'chunks': [2],
    'split_size': [2],
    'size': [2],
    'index': [1],
    'start': [0],
    'end': [2],
    'length': [2],
    'step': [1],
    'count': [3],
    'upscale_factor': [1],
    'downscale_factor': [1],
    'padding_idx': [-1],
    'output_size': [2],
    'kernel_size': [2],
    'stride': [1],
    'padding': [0],
    'dilation': [1],
    'correction': [1],
    'bins': [4],
    'minlength': [0],
}
INTLIST_BY_NAME = {
    'dim': [[1], [0], [0, 1]],
    'dims': [[1, 0], [0], [1]],
    'size': [[4, 3], [2, 6], [12], [3, 4]],
    'sizes': [[4, 3], [12]],
    'shape': [[4, 3], [12]],
    'stride': [[1], [4, 1], [1, 3]],
    'kernel_size': [[2], [2, 2]],
    'padding': [[0], [0, 0], [1, 1]],
    'dilation': [[1], [1, 1]],
    'output_size': [[2], [2, 2]],
    'pad': [[1, 1]],
    'repeats': [[2, 1], [2]],
    'perm': [[1, 0]],
    'split_sizes': [[1, 2]],
    'split_size': [[1, 2]],
    'indices': [[1, 3]],
    'tensor_indices_or_sections': [[1]],
    'source': [[0]],
    'destination': [[1]],
    'shifts': [[1]],
    'normalized_shape': [[4]],
    'padding_idx': [[-1]],
}
FLOAT_BY_NAME = {
    'p': [0.5, 2.0],
    'eps': [1e-5],
    'momentum': [0.1],
    'tol': [1e-5],
    'rcond': [1e-5],
    'lambd': [0.5],
    'alpha': [0.5],
    'max_norm': [1.5],
    'scale': [0.5],
}
SCALAR_BY_NAME = {
    'other': [2, 0.5],
    'value': [0.5, 2],
    'min': [0.3],
    'max': [0.7],
    'exponent': [2, 0.5],
    'end': [2.5],
    'weight': [0.25],
    'beta': [2],
    'alpha': [2],
    'threshold': [0.5],
    'ord': [2],
    'p': [2],
    'q': [0.5],
}
STR_BY_NAME = {
    'reduce': ['sum', 'prod'],
    'mode': ['reflect', 'constant'],
    'ord': ['fro', 'nuc'],
    'p': ['fro'],
    'UPLO': ['L'],
    'uplo': ['L'],
    'rounding_mode': ['floor'],
    'norm': ['backward', 'ortho'],
    'indexing': ['ij'],
    'interpolation': ['linear'],
    'side': ['left'],
    'approximate': ['none'],
    'driver': ['gelsd'],
    'mode_': ['reduced'],
}


def tensor_candidates(p, shape, kind, seed):
    name = p['name']
    base = T(shape, kind, seed)
    if name in ('index', 'indices') and kind not in ('i', 'b'):
        return [T(shape, 'i', seed), T([2], 'i', seed), base]
    if name == 'mask':
        return [T(shape, 'b', seed)]
    if name in ('vec', 'vec1', 'vec2') and len(shape) == 2:
        return [T([shape[1]], kind, seed), T([shape[0]], kind, seed), base]
    if name in ('mat2', 'batch2') and len(shape) >= 2:
        return [T(shape[:-2] + [shape[-1], shape[-2]], kind, seed), base]
    if name == 'weight' and len(shape) == 4:
        return [T([1, shape[1], 1, 1], kind, seed), base]
    return [base]


def candidates(p, shape, kind, seed):
    """Values to try for required parameter p, best first."""
    k, name = p['kind'], p['name']
    nullable = k.endswith('?') and not k.endswith('?[]')
    base = k[:-1] if nullable else k
    out = []
    if base == 'T':
        out = tensor_candidates(p, shape, kind, seed)
        if nullable:
            out = [None] + out
        return out
    if base in ('T[]', 'T?[]'):
        if name == 'indices':
            return [[T([2], 'i', seed)]]
        return [[T(shape, kind, seed), T(shape, kind, seed + 1)]]
    if base == 'I':
        out = list(INT_BY_NAME.get(name, [1, 2, 0]))
    elif base == 'I[]':
        out = list(INTLIST_BY_NAME.get(name, [[1], [2, 2]]))
        if name == 'dims' and len(shape) == 3:
            out = [[2, 0, 1]] + out
        if name in ('size', 'shape') and shape == [4]:
            out = [[2, 2]] + out
    elif base == 'F':
        out = list(FLOAT_BY_NAME.get(name, [0.5, 2.5]))
    elif base == 'F[]':
        out = [[0.5]]
    elif base == 'S':
        out = list(SCALAR_BY_NAME.get(name, [2, 0.5]))
    elif base == 'S[]':
        out = [[2]]
    elif base == 'B':
        out = [False, True]
    elif base == 'D':
        out = [Dtype('float64'), Dtype('int64')]
    elif base == 'Str':
        out = list(STR_BY_NAME.get(name, ['sum']))
    elif base in ('G', 'L', 'Dev', 'M', 'X'):
        out = [None]
    else:
        out = [None]
    if nullable:
        out = out + [None]
    return out


# ---------------------------------------------------------------------------------------------
# Calling PyTorch and encoding results.


def resolve(entry):
    """The Python callable: fn(args, kwargs), args[0] the receiver for methods."""
    if entry['ns'] == 'Tensor':
        name = entry['aten']
        if not hasattr(torch.Tensor, name):
            return None
        return lambda args, kwargs: getattr(args[0], name)(*args[1:], **kwargs)
    obj = torch
    path = entry['py'].split('.')[1:] if entry['py'] else []
    for part in path:
        obj = getattr(obj, part, None)
        if obj is None:
            break
    if obj is None or not path:
        return None
    return lambda args, kwargs: obj(*args, **kwargs)


def enc_float(v):
    if isinstance(v, float) and not math.isfinite(v):
        return 'nan' if math.isnan(v) else ('inf' if v > 0 else '-inf')
    return v


def enc_result(r):
    if isinstance(r, torch.Tensor):
        if r.layout != torch.strided:
            raise Unsupported(f'a {r.layout} result')
        dt = str(r.dtype).replace('torch.', '')
        t = r.detach()
        if t.is_complex():
            t = torch.view_as_real(t.resolve_conj())
        elif t.is_conj() or t.is_neg():
            t = t.resolve_conj().resolve_neg()
        if t.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            vals = [enc_float(v) for v in t.double().flatten().tolist()]
        elif t.dtype == torch.bool:
            vals = [int(v) for v in t.flatten().tolist()]
        elif t.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
            vals = [v if abs(v) < 2**53 else str(v) for v in t.flatten().tolist()]
        else:
            raise Unsupported(f'a {dt} result')
        return {'dtype': dt, 'shape': list(r.shape), 'values': vals}
    if isinstance(r, (tuple, list)):
        return {'list': [enc_result(x) for x in r]}
    if isinstance(r, bool):
        return {'bool': r}
    if isinstance(r, int):
        return {'int': r}
    if isinstance(r, float):
        return {'float': enc_float(r)}
    if isinstance(r, torch.dtype):
        return {'dtype_value': str(r).replace('torch.', '')}
    if r is None:
        return {'none': True}
    raise Unsupported(f'a {type(r).__name__} result')


class Unsupported(Exception):
    pass


def strip_values(e):
    if 'list' in e:
        return {'list': [strip_values(x) for x in e['list']]}
    if 'values' in e:
        return {**e, 'values': None}
    return e


def same(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def run(fn, args, kwargs):
    py_args, py_kwargs, recipe = materialise(args, kwargs)
    torch.manual_seed(0)
    r = fn(py_args, py_kwargs)
    return enc_result(r), recipe


def error_of(fn, args, kwargs):
    """The exception PyTorch raises for symbolic args (None if it accepts them)."""
    try:
        py_args, py_kwargs, _ = materialise(args, kwargs)
        torch.manual_seed(0)
        fn(py_args, py_kwargs)
    except Exception as e:  # noqa: BLE001 - any rejection is a data point
        return e
    return None


def recipes(entry, overloads):
    """Argument lists (required arguments only) to try for an entry, best first."""
    seen = set()
    for ov in overloads:
        params = parse_params(ov[1])
        required = [p for p in params if not p['default']]
        # Python's parser wants nullable positional arguments without default given (as None).
        for shape, kind in PROFILES:
            per_param = []
            for i, p in enumerate(required):
                per_param.append(candidates(p, shape, kind, i))
            for combo in itertools.islice(itertools.product(*per_param), 40):
                args, kwargs = [], {}
                for p, v in zip(required, combo):
                    if p['kw']:
                        kwargs[p['name']] = v
                    else:
                        args.append(v)
                key = repr([(type(a).__name__, getattr(a, 'shape', a), getattr(a, 'kind', None)) for a in args]) + repr(sorted(kwargs))
                if key in seen:
                    continue
                seen.add(key)
                yield ov, params, args, kwargs


def defaulted_variants(params, args, kwargs, shape_hint):
    """The same call with one defaulted argument also given by keyword."""
    skip = {'generator', 'layout', 'device', 'pin_memory', 'memory_format', 'out', 'dtype', 'names'}
    for p in params:
        if not p['default'] or p['name'] in skip or p['kind'].rstrip('?') in ('G', 'L', 'Dev', 'M', 'X'):
            continue
        for v in candidates({**p, 'kind': p['kind'].rstrip('?')}, shape_hint[0], shape_hint[1], 7):
            if v is None:
                continue
            yield p, {**kwargs, p['name']: v}


def first_tensor_shape(args):
    for a in args:
        if isinstance(a, T):
            return a.shape, a.kind if a.kind in ('f', 'i', 'b', 'spd', 'sym') else 'f'
    return [3, 4], 'f'


NONDETERMINISTIC = re.compile(r'empty|resize|^set_$')


def record_case(entry, fn, args, kwargs, note=None):
    out, recipe = run(fn, args, kwargs)
    again, _ = run(fn, args, kwargs)
    case = {'args': recipe['args'], 'kwargs': recipe['kwargs'], 'inputs': recipe['inputs']}
    if not same(out, again) or NONDETERMINISTIC.search(entry['aten']):
        out = strip_values(out)
        case['valuesUndefined'] = True
    case['out'] = out
    if note:
        case['note'] = note
    return case


def error_cases(entry, fn, args, kwargs):
    """Rejections checked in PyTorch, derived from an accepted call."""
    out = []
    method = entry['ns'] == 'Tensor'
    # A string where the first (non-receiver) argument goes, or one too many arguments.
    start = 1 if method else 0
    bad = list(args)
    if len(bad) > start:
        bad[start] = 'x'
    else:
        bad.append('x')
    e = error_of(fn, bad, kwargs)
    if isinstance(e, TypeError):
        _, _, recipe = materialise(bad, kwargs)
        out.append({'kind': 'type', 'args': recipe['args'], 'kwargs': recipe['kwargs'], 'inputs': recipe['inputs'], 'python': str(e).split('\n')[0][:160]})
    # An input of another rank or dtype that LibTorch rejects.
    idx = [i for i, a in enumerate(args) if isinstance(a, T)]
    for i in idx[:2]:
        a = args[i]
        for sub in (T([2, 1, 1, 1, 1], a.kind if a.kind != 'spd' else 'f', a.seed), T(a.shape, 'b', a.seed), T(a.shape, 'i', a.seed), T([5], a.kind if a.kind != 'spd' else 'f', a.seed)):
            bad = list(args)
            bad[i] = sub
            e = error_of(fn, bad, kwargs)
            if e is not None and not isinstance(e, TypeError) and isinstance(e, (RuntimeError, IndexError, ValueError)):
                _, _, recipe = materialise(bad, kwargs)
                out.append({'kind': 'runtime', 'args': recipe['args'], 'kwargs': recipe['kwargs'], 'inputs': recipe['inputs'], 'python': str(e).split('\n')[0][:160]})
                return out
    return out


def golden(entry, overloads):
    fn = resolve(entry)
    if fn is None:
        return None, f'{entry["py"] or entry["aten"]} is not in torch {torch.__version__}'
    last = None
    tries = 0
    for ov, params, args, kwargs in recipes(entry, overloads):
        tries += 1
        if tries > MAX_TRIES:
            break
        e = error_of(fn, args, kwargs)
        if e is not None:
            last = f'{type(e).__name__}: {str(e).strip().splitlines()[0][:200] if str(e).strip() else ""}'
            continue
        try:
            cases = [record_case(entry, fn, args, kwargs)]
        except Unsupported as u:
            last = f'PyTorch returns {u}'
            continue
        except Exception as e:  # noqa: BLE001 - accepted once, rejected on the rerun: values undefined
            last = f'{type(e).__name__} on a rerun: {str(e).strip().splitlines()[0][:200] if str(e).strip() else ""}'
            continue
        # One more case with a defaulted argument given by keyword (the options object).
        for p, kw in defaulted_variants(params, args, kwargs, first_tensor_shape(args)):
            if error_of(fn, args, kw) is None:
                try:
                    cases.append(record_case(entry, fn, args, kw))
                    break
                except Exception:  # noqa: BLE001 - Unsupported result or a rerun rejection
                    continue
        errors = error_cases(entry, fn, args, kwargs)
        return {'cases': cases, 'errors': errors}, None
    return None, last or 'no recipe'


def isolated(entry, overloads, timeout=60):
    """golden() in a forked child: PyTorch itself can crash, hang or exhaust memory on a recipe
    (a segfault in a kernel, a size read from uninitialised memory); that entry is then uncovered
    with the reason instead of ending the run."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
            res = golden(entry, overloads)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            res = (None, f'{type(e).__name__}: {e}'[:200])
        with os.fdopen(w, 'w') as f:
            json.dump(res, f)
        os._exit(0)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    with os.fdopen(r, 'r') as f:
        os.set_blocking(f.fileno(), False)
        while True:
            ready, _, _ = select.select([f], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return None, f'PyTorch did not finish within {timeout} s'
            part = f.read()
            if not part:
                break
            chunks.append(part)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return None, f'PyTorch crashed (signal {os.WTERMSIG(status)}) on a recipe'
    try:
        return tuple(json.loads(''.join(chunks)))
    except ValueError:
        return None, 'PyTorch exited without a result'


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures', 'generated-golden.json')
    ops = parse_ops()
    entries = parse_entries()
    result = {'torch': torch.__version__, 'entries': len(entries), 'golden': [], 'uncovered': []}
    for entry in entries:
        g, why = isolated(entry, ops[entry['aten']])
        head = {'ns': entry['ns'], 'js': entry['js'], 'aten': entry['aten'], 'py': entry['py']}
        if g is None:
            result['uncovered'].append({**head, 'reason': why})
        else:
            result['golden'].append({**head, **g})
    with open(out_path, 'w', encoding='utf8') as f:
        f.write('{\n')
        f.write(f'"torch": {json.dumps(result["torch"])},\n"entries": {result["entries"]},\n')
        f.write('"golden": [\n' + ',\n'.join(json.dumps(g, separators=(',', ':')) for g in result['golden']) + '\n],\n')
        f.write('"uncovered": [\n' + ',\n'.join(json.dumps(u, separators=(',', ':')) for u in result['uncovered']) + '\n]\n}\n')
    by_ns = {}
    for g in result['golden']:
        by_ns.setdefault(g['ns'], [0, 0])[0] += 1
    for u in result['uncovered']:
        by_ns.setdefault(u['ns'], [0, 0])[1] += 1
    for ns, (c, u) in by_ns.items():
        print(f'{ns}: {c} covered, {u} uncovered')
    print(f'{len(result["golden"])} of {len(entries)} entries covered; wrote {out_path}')


if __name__ == '__main__':
    main()
