#!/usr/bin/env python3
"""torchnode's coverage of PyTorch's public API, per namespace (`npm run coverage`).

    /usr/bin/python3 tools/coverage/report.py              # table; writes docs/coverage-missing.md
    /usr/bin/python3 tools/coverage/report.py --json       # JSON summary on stdout instead of the table
    /usr/bin/python3 tools/coverage/report.py --missing F  # write the missing names to F instead
    /usr/bin/python3 tools/coverage/report.py --no-write   # write nothing

The denominator is tools/coverage/pytorch_names.py (PyTorch's public names, less the excluded
ones: its docstring states the rules); the numerator is what lib/index.ts exports, listed by
tools/coverage/torchnode_names.ts at run time. A Python name is covered when torchnode has its
camelCase spelling (`index_select` -> `indexSelect`, `add_` -> `add_`, `xavier_uniform_` ->
`xavierUniform_`, `atleast_1d` -> `atleast1d`), the Python spelling itself, or the spelling in
ALIASES (documented differences).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in tools/coverage

from pytorch_names import pytorch_names  # noqa: E402

NAMESPACES = ['torch', 'Tensor', 'linalg', 'fft', 'special', 'nn.functional', 'nn', 'nn.init', 'optim',
              'lr_scheduler', 'autograd', 'utils.data']
MISSING_FILE = os.path.join(ROOT, 'docs', 'coverage-missing.md')

# Python name -> torchnode name where the camelCase rule does not give it (documented in
# docs/porting.md's name map or the API reference). 'ns:name' names another namespace of
# tools/coverage/torchnode_names.ts.
ALIASES: dict[str, dict[str, str]] = {
    'torch': {
        'set_printoptions': 'setPrintOptions',  # "print options" is two words in JS
    },
    'utils.data': {
        # Python's torch.utils.data.DistributedSampler is torchnode's torch.distributed.DistributedSampler
        'DistributedSampler': 'distributed:DistributedSampler',
    },
}


def camel(name: str) -> str:
    """snake_case -> camelCase, keeping a trailing underscore: `index_put_` -> `indexPut_`."""
    trail = '_' if name.endswith('_') else ''
    parts = name.rstrip('_').split('_')
    head, rest = parts[0], parts[1:]
    return head + ''.join(p[:1].upper() + p[1:] for p in rest) + trail


def spellings(ns: str, name: str) -> list[tuple[str, str]]:
    """The (torchnode namespace, name) pairs that would cover a Python name, most likely first."""
    out = []
    alias = ALIASES.get(ns, {}).get(name)
    if alias is not None:
        out.append(tuple(alias.split(':', 1)) if ':' in alias else (ns, alias))
    dotted = name.split('.')  # autograd's `functional.jacobian`
    out.append((ns, '.'.join(camel(p) for p in dotted)))
    out.append((ns, name))
    if len(dotted) > 1:
        out.append((ns, camel(dotted[-1])))  # torchnode may export it one level up
    return out


def torchnode_names() -> dict[str, list[str]]:
    r = subprocess.run(['node', '--import', 'tsx', os.path.join('tools', 'coverage', 'torchnode_names.ts')],
                       cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'report.py: tools/coverage/torchnode_names.ts failed ({r.returncode}):\n{r.stderr}')
    return json.loads(r.stdout)


RULES = {
    'deprecated': 'deprecated or removed in PyTorch 1.13 (most have a replacement that counts instead)',
    'quantization': 'quantized tensors and fake quantisation',
    'sparse': 'sparse layouts',
    'named-tensor': 'named tensors (a prototype)',
    'nested-tensor': 'nested tensors (a prototype)',
    'python': 'Python-only machinery: TorchScript IR, NumPy/DLPack/buffer interop, storages, autocast, '
              'Python callables per element',
    'backend': "one backend's kernels or internals behind a public API (cudnn_*, native_*, *_backward, "
               "view *_copy variants, other devices' tensors)",
    'lazy': 'Lazy* modules',
    'datapipes': "torch.utils.data's DataPipe prototype (moved to torchdata)",
    'nn.functional': 'torch-level duplicates of nn.functional names: counted once, under nn.functional',
}


def coverage() -> tuple[str, dict[str, dict], dict[str, dict[str, str]]]:
    """(torch version, {namespace: {covered, total, percent, missing, covered_as}}, excluded)."""
    import torch
    py, excluded = pytorch_names()
    ours = torchnode_names()
    out: dict[str, dict] = {}
    have = {ns: set(names) for ns, names in ours.items()}
    for ns in NAMESPACES:
        covered_as: dict[str, str] = {}
        missing: list[str] = []
        for name in py[ns]:
            hit = next((s for s in spellings(ns, name) if s[1] in have.get(s[0], ())), None)
            if hit is None:
                missing.append(name)
            else:
                covered_as[name] = hit[1] if hit[0] == ns else f'{hit[0]}.{hit[1]}'
        total = len(py[ns])
        out[ns] = {
            'covered': len(covered_as),
            'total': total,
            'percent': round(100 * len(covered_as) / total, 1) if total else 100.0,
            'missing': missing,
            'covered_as': covered_as,
        }
    return torch.__version__, out, excluded


def table(rows: dict[str, dict]) -> str:
    lines = [f'{"namespace":<15}{"covered":>8}{"total":>7}{"percent":>9}']
    cov = tot = 0
    for ns, r in rows.items():
        lines.append(f'{ns:<15}{r["covered"]:>8}{r["total"]:>7}{r["percent"]:>8.1f}%')
        cov += r['covered']
        tot += r['total']
    lines.append(f'{"all":<15}{cov:>8}{tot:>7}{100 * cov / tot:>8.1f}%')
    return '\n'.join(lines)


def python_path(ns: str, name: str) -> str:
    prefix = {'torch': 'torch', 'Tensor': 'Tensor', 'linalg': 'torch.linalg', 'fft': 'torch.fft',
              'special': 'torch.special', 'nn.functional': 'torch.nn.functional', 'nn': 'torch.nn',
              'nn.init': 'torch.nn.init', 'optim': 'torch.optim', 'lr_scheduler': 'torch.optim.lr_scheduler',
              'autograd': 'torch.autograd', 'utils.data': 'torch.utils.data'}[ns]
    return f'{prefix}.{name}'


def markdown(version: str, rows: dict[str, dict], excluded: dict[str, dict[str, str]]) -> str:
    out = [
        '# PyTorch names torchnode does not have yet',
        '',
        '<!-- Generated by tools/coverage/report.py: do not edit. Regenerate with `npm run coverage`. -->',
        '',
        f'Generated by `npm run coverage` (tools/coverage/report.py) against PyTorch {version}; do not',
        'edit by hand. Which names count, and which are left out on purpose (private, deprecated,',
        'quantization, sparse, named tensors, Python-only machinery, backend kernels, Lazy modules), is',
        'stated in tools/coverage/pytorch_names.py and summarised [at the end](#left-out-on-purpose).',
        'A name is covered when torchnode exports its camelCase spelling (`index_select` is',
        '`indexSelect`, `add_` is `add_`).',
        '',
        'A name listed here is one torchnode has not wrapped yet, not one it refuses: tensor operations',
        '(torch, Tensor, linalg, fft, special) are generated from LibTorch\'s operator declarations',
        '(tools/gen), while modules, functional layers, optimizers, schedulers and data utilities are',
        'written by hand in lib/ and grow as they are needed. Until then, anything LibTorch registers',
        'as an operator can be called by its schema name: `torch.callOp(\'aten::name\', …)`, with',
        '`torch.ops.schema(\'aten::name\')` for its arguments (docs/porting.md, [operators without a',
        'typed wrapper](porting.md#operators-without-a-typed-wrapper)).',
        '',
        '| namespace | covered | total | percent |',
        '| --- | ---: | ---: | ---: |',
    ]
    for ns, r in rows.items():
        out.append(f'| {ns} | {r["covered"]} | {r["total"]} | {r["percent"]:.1f} % |')
    for ns, r in rows.items():
        out += ['', f'## {ns} ({len(r["missing"])} missing)', '']
        if not r['missing']:
            out.append('Nothing missing.')
            continue
        out.append(', '.join(f'`{python_path(ns, n) if ns != "Tensor" else "Tensor." + n}`' for n in r['missing']))
    out += ['', '## Left out on purpose', '',
            'Names PyTorch has that count in neither column, by rule (private names, with a leading',
            'underscore, are not listed).', '']
    for rule, why in RULES.items():
        names = [f'`{python_path(ns, n) if ns != "Tensor" else "Tensor." + n}`'
                 for ns in NAMESPACES for n, r in sorted(excluded.get(ns, {}).items()) if r == rule]
        if names:
            out += [f'**{rule}** ({len(names)}): {why}.', '', ', '.join(names), '']
    while out[-1] == '':
        out.pop()
    return '\n'.join(wrap_line(line) for line in out) + '\n'


def wrap_line(line: str, width: int = 100) -> str:
    """Wraps a long paragraph line (the name lists) at spaces so the file diffs well."""
    if len(line) <= width or line.startswith(('|', '#', '<')):
        return line
    return textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--json', action='store_true', help='print a JSON summary instead of the table')
    ap.add_argument('--missing', default=MISSING_FILE, help='where to write the missing names (markdown)')
    ap.add_argument('--no-write', action='store_true', help='write no file')
    args = ap.parse_args()
    version, rows, excluded = coverage()
    if not args.no_write:
        with open(args.missing, 'w', encoding='utf-8') as f:
            f.write(markdown(version, rows, excluded))
    if args.json:
        cov = sum(r['covered'] for r in rows.values())
        tot = sum(r['total'] for r in rows.values())
        json.dump({'torch_version': version, 'covered': cov, 'total': tot, 'namespaces': rows}, sys.stdout, indent=1)
        sys.stdout.write('\n')
    else:
        print(f'torchnode coverage of PyTorch {version} (tools/coverage/pytorch_names.py states what counts)')
        print(table(rows))
        if not args.no_write:
            rel = os.path.relpath(os.path.abspath(args.missing), ROOT)
            print(f'missing names: {args.missing if rel.startswith("..") else rel}')


if __name__ == '__main__':
    main()
