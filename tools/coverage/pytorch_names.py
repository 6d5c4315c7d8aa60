#!/usr/bin/env python3
"""PyTorch's public API, by namespace: the denominator of torchnode's coverage report.

    /usr/bin/python3 tools/coverage/pytorch_names.py             # {namespace: [names]}
    /usr/bin/python3 tools/coverage/pytorch_names.py --excluded  # also {namespace: {name: rule}}

Written against PyTorch 1.13 (Debian's python3-torch); other releases give other lists.

What counts, per namespace (Python names as Python spells them):

  torch          callables of the `torch` module (the ATen functions bound from
                 torch._C._VariableFunctions and the Python-defined ones such as einsum,
                 manual_seed, save), plus the grad-mode context managers (no_grad, enable_grad,
                 set_grad_enabled, inference_mode) and Generator. Classes (dtypes, Tensor,
                 the legacy FloatTensor types, Storage, JIT types) and submodules are not
                 functions and do not count.
  Tensor         public methods and properties of torch.Tensor (in-place `x_` variants count).
  linalg, fft, special
                 public callables of torch.linalg, torch.fft, torch.special.
  nn.functional  public callables of torch.nn.functional.
  nn             the module classes in torch.nn.modules.__all__, plus nn.Parameter.
  nn.init        public functions of torch.nn.init.
  optim          torch.optim.Optimizer and its subclasses in torch.optim.
  lr_scheduler   the scheduler classes defined in torch.optim.lr_scheduler.
  autograd       torch.autograd's user API: backward, grad, Function, the grad-mode context
                 managers, anomaly detection, gradcheck/gradgradcheck, and the higher-order
                 helpers of torch.autograd.functional as `functional.<name>`. forward_ad (dual
                 numbers), graph (saved-tensor hooks) and profiler are Python tooling: not
                 counted.
  utils.data     torch.utils.data.__all__ that exists, less the DataPipe prototype.

Exclusion rules, applied by code below, each name tagged with the first rule that matches:

  private        a leading underscore (dunders included: operators are methods in JS).
  deprecated     PyTorch 1.13 deprecates or has removed it (DEPRECATED: each with its source).
  quantization   quantized tensors and fake quantisation (q_*, *quantize*, int_repr, fbgemm_*, ...).
  sparse         sparse layouts (sparse_*, to_sparse*, coalesce, indices/values, crow_indices, ...).
  named-tensor   named tensors, a prototype (rename, refine_names, align_*, names, ...).
  nested-tensor  nested tensors, a prototype (is_nested, to_padded_tensor).
  python         Python-only machinery with no meaning outside CPython: TorchScript/IR parsing
                 and futures, typing imports, NumPy/DLPack/buffer-protocol interop, storages
                 and shared memory, autocast, vitals, warnings switches, Python-callable
                 element maps (PYTHON_MACHINERY: explicit and commented).
  backend        kernels of one backend or internals behind a public API: cudnn_*, miopen_*,
                 mkldnn_* (torch-level), native_*, *_backward*, SyncBatchNorm's batch_norm_*
                 helpers, functionalization's view *_copy variants, unsafe_*, other devices'
                 tensors (xpu, ipu, ort, vulkan, mps) (BACKEND_INTERNALS).
  lazy           Lazy* modules (shape inference from the first call is a Python-side pattern).
  datapipes      torch.utils.data's DataPipe prototype (moved to torchdata).
  nn.functional  a torch-level name that nn.functional also has (torch.conv2d, torch.dropout,
                 torch.relu, ...): it counts once, under nn.functional, where it is documented.
                 torch.sigmoid/torch.tanh stay under torch (F.sigmoid/F.tanh are deprecated).
"""
from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import types

import torch
import torch.nn.functional as F
import torch.optim.lr_scheduler as lr_scheduler
import torch.utils.data as data

# Deprecated or removed in 1.13. The source of each is its warning at call time or the 1.13
# documentation's deprecation note.
DEPRECATED = {
    'torch': {
        'chain_matmul',  # warns: use torch.linalg.multi_dot
        'cholesky',  # warns: use torch.linalg.cholesky
        'eig',  # removed in 1.13 (raises): torch.linalg.eig
        'ger',  # docs: use torch.outer
        'lstsq',  # removed in 1.13 (raises): torch.linalg.lstsq
        'lu',  # warns: torch.linalg.lu_factor
        'lu_solve',  # warns: torch.linalg.lu_solve
        'matrix_rank',  # removed in 1.13 (raises): torch.linalg.matrix_rank
        'qr',  # warns: torch.linalg.qr
        'range',  # warns: torch.arange
        'solve',  # removed in 1.13 (raises): torch.linalg.solve
        'svd',  # docs: torch.linalg.svd
        'symeig',  # warns: torch.linalg.eigh
        'triangular_solve',  # warns: torch.linalg.solve_triangular
        'frobenius_norm',  # undocumented torch.norm internal: torch.linalg.matrix_norm
        'nuclear_norm',  # undocumented torch.norm internal: torch.linalg.matrix_norm
        # torch.norm is kept although its docs say "deprecated and may be removed": it is the
        # most used norm in code being ported and has no removal date.
    },
    'Tensor': {
        'cholesky', 'eig', 'ger', 'lstsq', 'lu', 'lu_solve', 'qr', 'solve', 'svd', 'symeig',
        'triangular_solve',  # the methods of the functions above
        'resize', 'resize_as',  # warn: use reshape / resize_as_
        'new',  # legacy constructor: new_empty, new_tensor, ...
        'reinforce',  # removed (raises)
        'volatile',  # removed in 0.4 (always False, warns)
    },
    'nn': {
        'Container',  # warns: use Sequential
        'NLLLoss2d',  # NLLLoss takes N-d input
        'UpsamplingNearest2d', 'UpsamplingBilinear2d',  # docs: use Upsample / interpolate
    },
    'nn.functional': {
        'sigmoid', 'tanh',  # warn: torch.sigmoid, torch.tanh
        'upsample', 'upsample_bilinear', 'upsample_nearest',  # warn: interpolate
    },
    'nn.init': {
        # warn: the spellings without the trailing underscore
        'constant', 'dirac', 'eye', 'kaiming_normal', 'kaiming_uniform', 'normal', 'orthogonal',
        'sparse', 'uniform', 'xavier_normal', 'xavier_uniform',
    },
    'autograd': {
        'Variable', 'variable',  # Variables are Tensors since 0.4
        'NestedIOFunction',  # legacy autograd.Function API
    },
}

# Python-only machinery: meaningless or impossible outside CPython.
PYTHON_MACHINERY = {
    'torch': {
        'candidate', 'obj',  # loop variables torch/__init__.py leaves behind (aliases of wait, zeros_like)
        'classproperty', 'get_file_path', 'prepare_multiprocessing_environment',
        'compiled_with_cxx11_abi',  # build introspection for C++ extensions
        'set_default_tensor_type',  # legacy FloatTensor type classes
        'is_storage', 'typename', 'from_file',  # storages and Python type names
        'from_numpy', 'frombuffer', 'from_dlpack', 'to_dlpack',  # NumPy / buffer-protocol / capsule interop
        # TorchScript IR, schema parsing, futures and type comments
        'import_ir_module', 'import_ir_module_from_buffer', 'parse_ir', 'parse_schema',
        'parse_type_comment', 'merge_type_from_type_comment', 'unify_type_list', 'fork', 'wait',
        'read_vitals', 'set_vital', 'vitals_enabled',  # telemetry
        'set_warn_always', 'is_warn_always_enabled',  # Python warnings control
        'init_num_threads',  # called by the Python runtime itself
        # anomaly-mode internals behind torch.autograd.detect_anomaly / set_detect_anomaly
        'set_anomaly_enabled', 'is_anomaly_enabled', 'is_anomaly_check_nan_enabled',
    },
    'Tensor': {
        'apply_', 'map_', 'map2_',  # call a Python callable per element
        'as_subclass', 'numpy',  # Python subclassing, NumPy interop
        'storage', 'storage_type', 'set_', 'is_set_to', 'share_memory_', 'is_shared',
        'output_nr',  # autograd graph internals
    },
    'nn.functional': {
        'handle_torch_function', 'has_torch_function', 'has_torch_function_unary',
        'has_torch_function_variadic',  # __torch_function__ protocol
        'boolean_dispatch', 'assert_int_or_pair',  # helpers for building F itself
    },
}
AUTOCAST = re.compile(r'autocast')  # torch.autocast_*, is_autocast_*, set_autocast_*: AMP context managers

QUANTIZATION = re.compile(r'(^q_|quantiz|^int_repr$|^qscheme$|^fbgemm_|^choose_qparams|fake_quant)')
SPARSE = re.compile(
    r'(sparse|^coalesce$|^is_coalesced$|^indices$|^values$|^(c?col|crow|row)_indices$|^dense_dim$'
    r'|^[hds]s?pmm$|^[hd]smm$|^smm$|^s?saddmm$|^sspaddmm$)'
)
NAMED = {'rename', 'rename_', 'refine_names', 'align_as', 'align_to', 'align_tensors', 'names', 'has_names', 'name'}
NESTED = {'is_nested', 'to_padded_tensor'}

BACKEND_INTERNALS = {
    'torch': {
        'cudnn_is_acceptable', 'is_vulkan_available',
        # SyncBatchNorm's helpers (nn.SyncBatchNorm is the API)
        'batch_norm_stats', 'batch_norm_elemt', 'batch_norm_gather_stats',
        'batch_norm_gather_stats_with_counts', 'batch_norm_backward_elemt',
        'batch_norm_backward_reduce', 'batch_norm_update_stats',
        # kernels behind nn.functional / nn modules, not in nn.functional under these names
        'convolution', 'constant_pad_nd', 'embedding_renorm_', 'grid_sampler', 'grid_sampler_2d',
        'grid_sampler_3d', 'affine_grid_generator', 'norm_except_dim', 'segment_reduce',
        'dropout_', 'alpha_dropout_', 'feature_dropout', 'feature_dropout_', 'feature_alpha_dropout_',
        'gru', 'gru_cell', 'lstm', 'lstm_cell', 'rnn_relu', 'rnn_relu_cell', 'rnn_tanh', 'rnn_tanh_cell',
    },
    'Tensor': {'ipu', 'xpu', 'is_ipu', 'is_xpu', 'is_ort', 'is_vulkan', 'is_mps'},
    'nn.functional': {'native_channel_shuffle'},
}
BACKEND = re.compile(r'(^cudnn_|^miopen_|^native_|_backward|^unsafe_)')
BACKEND_TORCH = re.compile(r'^mkldnn_')  # torch.mkldnn_*; Tensor.to_mkldnn / is_mkldnn are the API
VIEW_COPY = re.compile(r'_copy$')  # functionalization's out-of-place view copies (diagonal_copy, ...)
VIEW_COPY_KEEP = {'index_copy', 'narrow_copy', 'index_copy_'}

DATAPIPES = {
    'DFIterDataPipe', 'DataChunk', 'DataLoader2', 'IterDataPipe', 'MapDataPipe', 'functional_datapipe',
    'guaranteed_datapipes_determinism', 'non_deterministic', 'argument_validation', 'runtime_validation',
    'runtime_validation_disabled',
}


def exclusion(ns: str, name: str, nn_functional: set[str]) -> str | None:
    """The first rule that excludes `name` from namespace `ns`, or None when it counts."""
    if name.startswith('_'):
        return 'private'
    if name in DEPRECATED.get(ns, ()):
        return 'deprecated'
    if QUANTIZATION.search(name):
        return 'quantization'
    if ns in ('torch', 'Tensor', 'nn.functional') and SPARSE.search(name) and name != 'to_dense':
        return 'sparse'
    if ns == 'optim' and name == 'SparseAdam':
        return 'sparse'
    if ns in ('torch', 'Tensor') and name in NAMED:
        return 'named-tensor'
    if ns in ('torch', 'Tensor') and name in NESTED:
        return 'nested-tensor'
    if name in PYTHON_MACHINERY.get(ns, ()) or (ns == 'torch' and AUTOCAST.search(name)):
        return 'python'
    if name in BACKEND_INTERNALS.get(ns, ()):
        return 'backend'
    if ns in ('torch', 'Tensor') and BACKEND.search(name):
        return 'backend'
    if ns == 'torch' and BACKEND_TORCH.search(name):
        return 'backend'
    if ns in ('torch', 'Tensor') and VIEW_COPY.search(name) and name not in VIEW_COPY_KEEP:
        return 'backend'
    if ns == 'nn' and name.startswith('Lazy'):
        return 'lazy'
    if ns == 'utils.data' and name in DATAPIPES:
        return 'datapipes'
    if ns == 'torch' and name in nn_functional and name not in ('sigmoid', 'tanh'):
        return 'nn.functional'
    return None


def public_callables(mod: types.ModuleType) -> list[str]:
    """Callables of a module that are neither classes, submodules nor typing imports."""
    out = []
    for name in dir(mod):
        if name.startswith('_'):
            continue
        obj = getattr(mod, name)
        if inspect.ismodule(obj) or inspect.isclass(obj) or not callable(obj):
            continue
        if (getattr(obj, '__module__', None) or '').startswith('typing'):
            continue
        out.append(name)
    return out


def candidates() -> dict[str, list[str]]:
    """Every public-looking name per namespace, before the exclusion rules."""
    grad_modes = ['no_grad', 'enable_grad', 'set_grad_enabled', 'inference_mode']
    tensor = [n for n in dir(torch.Tensor)]
    nn_modules = list(torch.nn.modules.__all__) + ['Parameter']
    optimizers = [
        n for n in dir(torch.optim)
        if inspect.isclass(getattr(torch.optim, n)) and issubclass(getattr(torch.optim, n), torch.optim.Optimizer)
    ]
    schedulers = [
        n for n in dir(lr_scheduler)
        if inspect.isclass(getattr(lr_scheduler, n)) and getattr(lr_scheduler, n).__module__ == lr_scheduler.__name__
    ]
    autograd = ['backward', 'grad', 'Function', 'Variable', 'variable', 'NestedIOFunction', *grad_modes,
                'detect_anomaly', 'set_detect_anomaly', 'gradcheck', 'gradgradcheck']
    autograd = [n for n in autograd if hasattr(torch.autograd, n)]
    autograd += [f'functional.{n}' for n in public_callables(torch.autograd.functional)]
    return {
        'torch': public_callables(torch) + grad_modes + ['Generator'],
        'Tensor': tensor,
        'linalg': public_callables(torch.linalg),
        'fft': public_callables(torch.fft),
        'special': public_callables(torch.special),
        'nn.functional': public_callables(F),
        'nn': nn_modules,
        'nn.init': public_callables(torch.nn.init),
        'optim': optimizers,
        'lr_scheduler': schedulers,
        'autograd': autograd,
        'utils.data': [n for n in data.__all__ if hasattr(data, n) and not inspect.ismodule(getattr(data, n))],
    }


def pytorch_names() -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """({namespace: counted names}, {namespace: {excluded name: rule}}), names sorted."""
    cands = candidates()
    f_names = {n for n in cands['nn.functional'] if exclusion('nn.functional', n, set()) is None}
    counted: dict[str, list[str]] = {}
    excluded: dict[str, dict[str, str]] = {}
    for ns, names in cands.items():
        keep, drop = [], {}
        for n in sorted(set(names)):
            rule = exclusion(ns, n, f_names)
            if rule is None:
                keep.append(n)
            else:
                drop[n] = rule
        counted[ns] = keep
        excluded[ns] = {n: r for n, r in drop.items() if r != 'private'}
    return counted, excluded


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--excluded', action='store_true', help='also print the excluded names and their rule')
    args = ap.parse_args()
    counted, excluded = pytorch_names()
    out = {'torch_version': torch.__version__, 'names': counted}
    if args.excluded:
        out['excluded'] = excluded
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
