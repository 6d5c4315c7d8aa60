"""Complex and sparse tensors as PyTorch prints (and lists) them; test/24 compares torchnode's reprs live.

    /usr/bin/python3 tools/golden/print_live.py out.json
"""
import json
import sys
import warnings

import torch

warnings.filterwarnings('ignore')  # ComplexHalf is experimental
x = torch.tensor([[1, 2.5, -3], [0.25, 4, 1e-3]])
cases = {
    'fft_complex64': torch.fft.fft(x),
    'fft_complex128_suffix_wraps': torch.fft.fft(x.double()),
    'conj_negative_zero': torch.fft.fft(x).conj(),
    'scalar': torch.complex(torch.tensor(1.5), torch.tensor(-2.0)),
    'sci_imag_summarized': torch.fft.fft(torch.arange(0, 2000).float()),
    'complex32': torch.fft.fft(x).to(torch.complex32),
    'empty': torch.zeros(0, dtype=torch.complex64),
    'sparse_coo': torch.tensor([[0, 1.5, 0], [2, 0, 3]]).to_sparse(),
    'sparse_coo_float64': torch.tensor([[0, 1], [2, 0]], dtype=torch.float64).to_sparse(),
    'sparse_coo_empty': torch.zeros(2, 3).to_sparse(),
    'sparse_coo_int32_1d': torch.tensor([0, 5, 0], dtype=torch.int32).to_sparse(),
    'sparse_csr': torch.tensor([[0, 1.5, 0], [2, 0, 3]]).to_sparse_csr(),
    'sparse_csc': torch.tensor([[0, 1.5, 0], [2, 0, 3]]).to_sparse_csc(),
}
out = {k: {'repr': repr(v), 'list': [[z.real, z.imag] for z in v.flatten().tolist()] if v.is_complex() and v.numel() <= 6 else None} for k, v in cases.items()}
with open(sys.argv[1], 'w', encoding='utf8') as f:
    json.dump(out, f)
