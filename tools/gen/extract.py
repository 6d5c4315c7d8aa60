#!/usr/bin/env python3
"""Extracts what tools/gen/gen.ts needs from a PyTorch installation into one JSON file.

    python3 tools/gen/extract.py > tools/gen/declarations/<torch version>.json

It reads the operator declarations LibTorch is built from (torchgen's packaged
native_functions.yaml: each op's schema, its variants (function / method) and its Python module
(linalg, fft, special, nn)), and the first paragraph of each public name's docstring, offline,
from the same installation. Run it with the Python of each LibTorch release torchnode supports
(Debian 12's python3-torch 1.13, Debian 13's 2.6); gen.ts generates for the union.
"""
import inspect
import json
import os
import sys

import torch
import torchgen
import yaml

NAMESPACES = {
    'torch': torch,
    'Tensor': torch.Tensor,
    'linalg': torch.linalg,
    'fft': torch.fft,
    'special': torch.special,
    'nn': torch.nn.functional,
}


def first_paragraph(doc):
    """The docstring's first prose paragraph (skipping the signature line PyTorch puts first)."""
    if not isinstance(doc, str) or not doc:
        return ''
    paras = [p.strip() for p in inspect.cleandoc(doc).split('\n\n')]
    for p in paras:
        line = ' '.join(p.split())
        if not line or line.startswith(('.. ', ':', 'Args', 'Example')):
            continue
        # "add(input, other, *, alpha=1, out=None) -> Tensor" is the signature, not prose.
        if '(' in line.split(' ')[0] and (line.endswith(')') or '->' in line):
            continue
        return line[:400]
    return ''


def main():
    path = os.path.join(os.path.dirname(torchgen.__file__), 'packaged', 'ATen', 'native', 'native_functions.yaml')
    with open(path) as f:
        entries = yaml.safe_load(f)
    ops = []
    for e in entries:
        variants = [v.strip() for v in str(e.get('variants', 'function')).split(',')]
        op = {'func': e['func'], 'variants': variants}
        if e.get('python_module'):
            op['python_module'] = e['python_module']
        if e.get('manual_cpp_binding'):
            op['manual_cpp_binding'] = True
        ops.append(op)
    docs = {}
    names = {}
    for ns, obj in NAMESPACES.items():
        d = {}
        public = []
        for name in sorted(dir(obj)):
            if name.startswith('_'):
                continue
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            if not callable(value) and not (ns == 'Tensor' and isinstance(inspect.getattr_static(obj, name, None), property)):
                continue
            public.append(name)
            text = first_paragraph(getattr(value, '__doc__', None))
            if text:
                d[name] = text
        docs[ns] = d
        names[ns] = public
    out = {'torch': torch.__version__.split('+')[0], 'ops': ops, 'names': names, 'docs': docs}
    json.dump(out, sys.stdout, indent=0, sort_keys=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
