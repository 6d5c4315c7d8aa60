#!/usr/bin/python3
"""Live goldens for test/36.nn.conv.test.ts and test/37.nn.layers.more.test.ts (PyTorch 1.13).

Run: /usr/bin/python3 tools/golden/nn_layers2.py OUT.json  (NN_LAYERS2_PART=conv|more picks the cases).
Every module case: torch.manual_seed(0) then the constructor (init state_dict), inputs made here,
torch.manual_seed(1) then forward, loss = (out ** 2).sum() / 2, backward; the repr, output,
input and parameter gradients and the state_dict after the forward are recorded. Functional cases
record output and input gradients the same way. Tensors are stored as raw bytes (exact).
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from golden_io import enc


def sd(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def g(*shape, seed=None, dtype=torch.float32):
    return torch.randn(*shape, dtype=dtype)


PART = os.environ.get('NN_LAYERS2_PART', 'conv')
out = {'modules': {}, 'functional': {}}


def run_module(name, ctor, inputs, fwd=None, train=True, grad=True):
    torch.manual_seed(0)
    m = ctor()
    rec = {'repr': repr(m), 'init': sd(m)}
    if not train:
        m.eval()
    xs = [x.clone().requires_grad_(grad) if x.is_floating_point() else x.clone() for x in inputs]
    rec['inputs'] = [enc(x) for x in inputs]
    torch.manual_seed(1)
    y = m(*xs) if fwd is None else fwd(m, *xs)
    if isinstance(y, tuple):
        rec['indices'] = enc(y[1])
        y = y[0]
    rec['out'] = enc(y)
    if y.requires_grad:
        ((y ** 2).sum() / 2).backward()
    rec['input_grads'] = [enc(x.grad) if x.grad is not None else None for x in xs]
    rec['param_grads'] = {n: enc(p.grad) for n, p in m.named_parameters() if p.grad is not None}
    rec['after'] = sd(m)
    out['modules'][name] = rec


def run_f(name, f, inputs, grad=True):
    xs = [x.clone().requires_grad_(grad) if x.is_floating_point() else x.clone() for x in inputs]
    torch.manual_seed(1)
    y = f(*xs)
    rec = {'inputs': [enc(x) for x in inputs]}
    if isinstance(y, tuple):
        rec['indices'] = enc(y[1])
        y = y[0]
    rec['out'] = enc(y)
    if y.requires_grad:
        ((y ** 2).sum() / 2).backward()
    rec['input_grads'] = [enc(x.grad) if x.grad is not None else None for x in xs]
    out['functional'][name] = rec


torch.manual_seed(42)

if PART == 'conv':
    run_module('conv1d', lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), [g(2, 4, 9)])
    run_module('conv1d_same_reflect', lambda: nn.Conv1d(3, 2, 4, padding='same', padding_mode='reflect', dilation=2), [g(2, 3, 10)])
    run_module('conv1d_unbatched', lambda: nn.Conv1d(3, 2, 2, bias=False, padding=1), [g(3, 7)])
    run_module('conv2d_replicate', lambda: nn.Conv2d(2, 4, (2, 3), padding=(1, 2), padding_mode='replicate', stride=(2, 1)), [g(2, 2, 6, 5)])
    run_module('conv3d', lambda: nn.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1, dilation=(2, 1, 1)), [g(2, 2, 5, 6, 4)])
    run_module('conv3d_same_circular', lambda: nn.Conv3d(2, 2, 3, padding='same', padding_mode='circular', groups=2), [g(1, 2, 4, 4, 4)])
    run_module('convT1d', lambda: nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1), [g(2, 4, 5)])
    run_module('convT2d', lambda: nn.ConvTranspose2d(3, 2, (3, 2), stride=(2, 3), padding=(1, 0), dilation=(1, 2), bias=False), [g(2, 3, 4, 3)])
    run_module('convT2d_output_size', lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), [g(1, 2, 4, 4)],
               fwd=lambda m, x: m(x, output_size=[8, 8]))
    run_module('convT2d_unbatched', lambda: nn.ConvTranspose2d(2, 3, 2), [g(2, 3, 3)])
    run_module('convT3d', lambda: nn.ConvTranspose3d(2, 4, 2, stride=2, groups=2, output_padding=(1, 0, 1)), [g(1, 2, 2, 3, 2)])
    run_module('fold', lambda: nn.Fold((4, 5), (2, 2), stride=(2, 1), padding=(1, 0)), [g(2, 12, 12)])
    run_module('unfold', lambda: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), [g(2, 3, 5, 6)])
    run_module('fold_unbatched', lambda: nn.Fold(3, 2), [g(8, 4)])
    x1 = g(2, 4, 8)
    w1 = g(6, 2, 3)
    b1 = g(6)
    run_f('conv1d', lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2), [x1, w1, b1])
    run_f('conv1d_valid', lambda x, w: F.conv1d(x, w, padding='valid'), [g(1, 2, 6), g(3, 2, 2)])
    run_f('conv3d_same', lambda x, w, b: F.conv3d(x, w, b, padding='same'), [g(1, 2, 4, 3, 5), g(3, 2, 3, 2, 3), g(3)])
    run_f('conv_transpose1d', lambda x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2), [g(2, 3, 4), g(3, 2, 4), g(2)])
    run_f('conv_transpose2d', lambda x, w: F.conv_transpose2d(x, w, stride=2, groups=2, dilation=2), [g(1, 4, 3, 3), g(4, 1, 2, 2)])
    run_f('conv_transpose3d', lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(1, 2, 1), padding=(0, 1, 0)), [g(1, 2, 2, 3, 2), g(2, 3, 2, 3, 2), g(3)])
    run_f('unfold', lambda x: F.unfold(x, 2, dilation=1, padding=1, stride=(1, 2)), [g(2, 2, 4, 4)])
    run_f('fold', lambda x: F.fold(x, (3, 4), 2, stride=1), [g(2, 8, 6)])
    run_f('bilinear', lambda a, b, w, bias: F.bilinear(a, b, w, bias), [g(3, 2), g(3, 4), g(5, 2, 4), g(5)])
    # error messages whose LibTorch text torchnode passes through, prefixed with the function
    errs = {}
    for key, f in {
        'conv1d_channels': lambda: F.conv1d(torch.zeros(1, 5, 10), torch.zeros(4, 3, 3)),
        'conv_transpose2d_out_pad': lambda: F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 2, 3, 3), stride=2, output_padding=2),
        'convT_output_size': lambda: nn.ConvTranspose2d(2, 3, 3, stride=2)(torch.zeros(1, 2, 4, 4), output_size=[20, 20]),
    }.items():
        try:
            f()
            errs[key] = None
        except Exception as e:  # noqa: BLE001
            errs[key] = str(e).split('\n')[0]
    out['errors'] = errs
else:
    # pooling
    x = g(2, 3, 9)
    run_module('maxpool1d', lambda: nn.MaxPool1d(3, stride=2, padding=1, dilation=1, ceil_mode=True), [x])
    run_module('maxpool1d_idx', lambda: nn.MaxPool1d(2, return_indices=True), [x])
    run_module('maxpool3d', lambda: nn.MaxPool3d((2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0), dilation=(1, 1, 2)), [g(1, 2, 4, 5, 6)])
    run_module('maxpool3d_idx', lambda: nn.MaxPool3d(2, return_indices=True, ceil_mode=True), [g(2, 3, 5, 4, 3)])
    run_module('avgpool1d', lambda: nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), [x])
    run_module('avgpool3d', lambda: nn.AvgPool3d((2, 2, 3), stride=1, padding=(1, 0, 1), divisor_override=5), [g(1, 2, 3, 4, 5)])
    run_module('adaptive_max1d', lambda: nn.AdaptiveMaxPool1d(4, return_indices=True), [x])
    run_module('adaptive_max2d', lambda: nn.AdaptiveMaxPool2d((None, 3)), [g(2, 2, 5, 7)])
    run_module('adaptive_max3d', lambda: nn.AdaptiveMaxPool3d((2, 3, None), return_indices=True), [g(1, 2, 5, 6, 3)])
    run_module('adaptive_avg1d', lambda: nn.AdaptiveAvgPool1d(4), [x])
    run_module('adaptive_avg3d', lambda: nn.AdaptiveAvgPool3d((3, None, 2)), [g(1, 2, 5, 4, 7)])
    run_module('lppool1d', lambda: nn.LPPool1d(2, 3, stride=2), [x])
    run_module('lppool2d', lambda: nn.LPPool2d(1.5, (2, 3), ceil_mode=True), [g(2, 2, 5, 7).abs()])
    run_module('fracmax2d', lambda: nn.FractionalMaxPool2d(3, output_size=(4, 5), return_indices=True), [g(2, 3, 9, 10)])
    run_module('fracmax3d', lambda: nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.6, 0.7)), [g(1, 2, 6, 6, 6)])
    run_module('maxunpool1d', lambda: nn.MaxUnpool1d(2), [g(2, 3, 4), torch.tensor([[[0, 3, 5, 6]] * 3] * 2)])
    pooled, idx = F.max_pool2d(g(1, 2, 6, 6), 2, return_indices=True)
    run_module('maxunpool2d', lambda: nn.MaxUnpool2d(2, stride=2), [pooled, idx], fwd=lambda m, p, i: m(p, i, output_size=[1, 2, 7, 7]))
    p3, i3 = F.max_pool3d(g(1, 2, 4, 4, 4), 2, return_indices=True)
    run_module('maxunpool3d', lambda: nn.MaxUnpool3d(2), [p3, i3])
    # normalization
    run_module('bn3d', lambda: nn.BatchNorm3d(3, momentum=0.2), [g(2, 3, 2, 3, 2) * 2 + 1])
    run_module('bn3d_eval', lambda: nn.BatchNorm3d(3), [g(2, 3, 2, 3, 2)], train=False)
    run_module('in1d', lambda: nn.InstanceNorm1d(3, affine=True), [g(2, 3, 6) * 3 - 1])
    run_module('in2d_track', lambda: nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.3), [g(2, 3, 4, 5)])
    run_module('in2d_track_eval', lambda: nn.InstanceNorm2d(3, track_running_stats=True), [g(2, 3, 4, 5)], train=False)
    run_module('in2d_unbatched', lambda: nn.InstanceNorm2d(3, affine=True, eps=1e-3), [g(3, 4, 4)])
    run_module('in3d', lambda: nn.InstanceNorm3d(2), [g(2, 2, 3, 3, 3)])
    # dropout family (same RNG draws)
    run_module('dropout1d', lambda: nn.Dropout1d(0.4), [g(4, 8, 3)])
    run_module('dropout1d_unbatched', lambda: nn.Dropout1d(0.4), [g(8, 3)])
    run_module('dropout2d', lambda: nn.Dropout2d(0.3), [g(3, 8, 2, 2)])
    run_module('dropout3d', lambda: nn.Dropout3d(0.5), [g(2, 6, 2, 2, 2)])
    run_module('dropout3d_unbatched', lambda: nn.Dropout3d(0.5), [g(6, 2, 2, 2)])
    run_module('alpha_dropout', lambda: nn.AlphaDropout(0.2), [g(6, 10)])
    run_module('feature_alpha_dropout', lambda: nn.FeatureAlphaDropout(0.3), [g(3, 8, 4)])
    run_module('alpha_dropout_eval', lambda: nn.AlphaDropout(0.2), [g(3, 4)], train=False)
    # linear, flatten, sparse
    run_module('bilinear', lambda: nn.Bilinear(3, 4, 5), [g(6, 3), g(6, 4)])
    run_module('bilinear_nobias', lambda: nn.Bilinear(2, 2, 3, bias=False), [g(2, 4, 2), g(2, 4, 2)])
    run_module('unflatten', lambda: nn.Unflatten(1, (2, -1)), [g(3, 8)])
    run_module('embbag_mean', lambda: nn.EmbeddingBag(10, 3), [torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 3, 3])])
    run_module('embbag_sum_psw', lambda: nn.EmbeddingBag(10, 3, mode='sum', padding_idx=2), [torch.tensor([[1, 2, 4], [5, 2, 3]]), g(2, 3)],
               fwd=lambda m, i, w: m(i, per_sample_weights=w))
    run_module('embbag_max_last', lambda: nn.EmbeddingBag(10, 4, mode='max', include_last_offset=True), [torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 2, 5, 8])])
    run_module('embbag_maxnorm', lambda: nn.EmbeddingBag(6, 3, max_norm=1.0, norm_type=1.5), [torch.tensor([[0, 1], [4, 5]])])
    run_module('emb_maxnorm', lambda: nn.Embedding(6, 3, max_norm=0.8, padding_idx=-2), [torch.tensor([[0, 1, 4], [4, 5, 1]])])
    pre = g(4, 3)
    run_module('emb_pretrained', lambda: nn.Embedding.from_pretrained(pre, freeze=False, padding_idx=1), [torch.tensor([0, 1, 3, 1])])
    # padding
    run_module('cpad1d', lambda: nn.ConstantPad1d((1, 3), 2.5), [g(2, 3, 4)])
    run_module('cpad2d', lambda: nn.ConstantPad2d((1, 0, 2, -1), -1.0), [g(1, 2, 3, 4)])
    run_module('cpad3d', lambda: nn.ConstantPad3d(1, 0.5), [g(1, 2, 2, 2)])
    run_module('zpad2d', lambda: nn.ZeroPad2d((2, 1, 0, 1)), [g(2, 2, 3, 3)])
    run_module('rpad1d', lambda: nn.ReflectionPad1d((2, 1)), [g(2, 3, 4)])
    run_module('rpad2d', lambda: nn.ReflectionPad2d(2), [g(1, 2, 3, 4)])
    run_module('rpad3d', lambda: nn.ReflectionPad3d((1, 0, 1, 1, 0, 1)), [g(1, 2, 2, 3, 3)])
    run_module('reppad1d', lambda: nn.ReplicationPad1d(3), [g(2, 5)])
    run_module('reppad2d', lambda: nn.ReplicationPad2d((1, 2, 0, 3)), [g(1, 2, 3, 3)])
    run_module('reppad3d', lambda: nn.ReplicationPad3d(1), [g(1, 1, 2, 2, 2)])
    # vision
    run_module('pixel_shuffle', lambda: nn.PixelShuffle(2), [g(2, 8, 2, 3)])
    run_module('pixel_unshuffle', lambda: nn.PixelUnshuffle(2), [g(2, 2, 4, 6)])
    run_module('channel_shuffle', lambda: nn.ChannelShuffle(3), [g(2, 6, 2, 2)], grad=False)  # no derivative in 1.13
    run_module('upsample_nearest', lambda: nn.Upsample(scale_factor=2), [g(1, 2, 3, 3)])
    run_module('upsample_trilinear', lambda: nn.Upsample(size=(3, 4, 5), mode='trilinear', align_corners=True), [g(1, 2, 2, 2, 3)])
    run_module('upsample_linear', lambda: nn.Upsample(scale_factor=(1.7,), mode='linear', recompute_scale_factor=True), [g(2, 3, 5)])
    run_module('upsampling_nearest2d', lambda: nn.UpsamplingNearest2d(size=(5, 4)), [g(1, 2, 2, 3)])
    run_module('upsampling_bilinear2d', lambda: nn.UpsamplingBilinear2d(scale_factor=2), [g(1, 2, 2, 3)])
    run_module('pairwise', lambda: nn.PairwiseDistance(p=1.5, eps=1e-3, keepdim=True), [g(4, 5), g(4, 5)])
    run_module('cosine', lambda: nn.CosineSimilarity(dim=0, eps=1e-6), [g(4, 5), g(4, 5)])
    # containers
    def plist():
        return nn.ParameterList([nn.Parameter(torch.randn(2, 3)), torch.randn(3)])
    run_module('parameter_list', plist, [g(3)], fwd=lambda m, x: (m[0] @ x) + m[1][:2].sum())
    def pdict():
        return nn.ParameterDict({'w': nn.Parameter(torch.randn(3)), 'b': torch.randn(1)})
    run_module('parameter_dict', pdict, [g(3)], fwd=lambda m, x: m['w'] * x + m['b'])
    # functional
    xf = g(2, 3, 8)
    run_f('max_pool1d', lambda a: F.max_pool1d(a, 3, stride=2, return_indices=True), [xf])
    run_f('max_pool3d', lambda a: F.max_pool3d(a, (2, 1, 2), padding=(1, 0, 0)), [g(1, 2, 3, 3, 4)])
    run_f('avg_pool1d', lambda a: F.avg_pool1d(a, 4, stride=3, padding=2), [xf])
    run_f('avg_pool3d', lambda a: F.avg_pool3d(a, 2, ceil_mode=True, count_include_pad=False), [g(1, 2, 3, 3, 5)])
    run_f('adaptive_max_pool2d', lambda a: F.adaptive_max_pool2d(a, 3, True), [g(2, 2, 5, 7)])
    run_f('adaptive_avg_pool1d', lambda a: F.adaptive_avg_pool1d(a, 5), [xf])
    run_f('lp_pool2d', lambda a: F.lp_pool2d(a, 2, 2, stride=1), [g(1, 2, 4, 4)])
    run_f('fractional_max_pool2d', lambda a: F.fractional_max_pool2d(a, 2, output_ratio=0.5), [g(2, 2, 8, 8)])
    run_f('fractional_max_pool3d_samples', lambda a, s: F.fractional_max_pool3d(a, 2, output_size=3, _random_samples=s.detach()), [g(1, 2, 6, 6, 6), torch.rand(1, 2, 3)])
    run_f('max_unpool3d', lambda a, i: F.max_unpool3d(a, i, 2, output_size=[5, 4, 5]), list(F.max_pool3d(g(1, 1, 5, 4, 5), 2, return_indices=True)))
    run_f('instance_norm', lambda a, rm, rv, w, b: F.instance_norm(a, rm.detach(), rv.detach(), w, b, use_input_stats=True, momentum=0.2), [g(2, 3, 5), torch.zeros(3), torch.ones(3), g(3), g(3)])
    run_f('dropout1d', lambda a: F.dropout1d(a, 0.5), [g(3, 6, 2)])
    run_f('dropout2d', lambda a: F.dropout2d(a, 0.25, training=True), [g(2, 4, 2, 2)])
    run_f('dropout3d_eval', lambda a: F.dropout3d(a, 0.25, training=False), [g(2, 4, 2, 2, 1)])
    run_f('alpha_dropout', lambda a: F.alpha_dropout(a, 0.3, training=True), [g(5, 6)])
    run_f('alpha_dropout_default', lambda a: F.alpha_dropout(a, 0.3), [g(5, 6)])
    run_f('feature_alpha_dropout', lambda a: F.feature_alpha_dropout(a, 0.3, True), [g(2, 5, 3)])
    run_f('embedding_bag', lambda i, w, o: F.embedding_bag(i, w, o, mode='sum'), [torch.tensor([0, 2, 1, 3]), g(4, 3), torch.tensor([0, 1])])
    run_f('one_hot', lambda a: F.one_hot(a, 5), [torch.tensor([[0, 3], [4, 1]])])
    run_f('pad_reflect', lambda a: F.pad(a, (2, 1, 1, 2), mode='reflect'), [g(1, 2, 3, 4)])
    run_f('pad_replicate', lambda a: F.pad(a, (1, 2), mode='replicate'), [g(2, 3)])
    run_f('pad_circular', lambda a: F.pad(a, (1, 1, 2, 0, 1, 1), mode='circular'), [g(1, 1, 2, 3, 3)])
    run_f('interp_nearest_exact', lambda a: F.interpolate(a, size=(5, 3), mode='nearest-exact'), [g(1, 2, 3, 4)])
    run_f('interp_area', lambda a: F.interpolate(a, scale_factor=0.5, mode='area'), [g(1, 2, 6, 4)])
    run_f('interp_bicubic', lambda a: F.interpolate(a, scale_factor=(1.5, 2.0), mode='bicubic', align_corners=True), [g(1, 2, 3, 4)])
    run_f('interp_bilinear_aa', lambda a: F.interpolate(a, size=(3, 2), mode='bilinear', antialias=True), [g(1, 2, 7, 6)])
    run_f('interp_bicubic_aa', lambda a: F.interpolate(a, scale_factor=0.5, mode='bicubic', antialias=True), [g(1, 1, 6, 6)])
    run_f('interp_nearest3d', lambda a: F.interpolate(a, scale_factor=(2, 1, 1.5)), [g(1, 1, 2, 3, 2)])
    run_f('upsample_bilinear', lambda a: F.upsample_bilinear(a, scale_factor=2), [g(1, 1, 2, 3)])
    run_f('grid_sample', lambda a, gr: F.grid_sample(a, gr, mode='bilinear', padding_mode='border', align_corners=False), [g(1, 2, 4, 5), torch.rand(1, 3, 2, 2) * 2.4 - 1.2])
    run_f('grid_sample_nearest', lambda a, gr: F.grid_sample(a, gr, mode='nearest', padding_mode='reflection', align_corners=True), [g(1, 1, 4, 4), torch.rand(1, 2, 3, 2) * 2.4 - 1.2])
    run_f('grid_sample_bicubic3d', lambda a, gr: F.grid_sample(a, gr, mode='bilinear', align_corners=True), [g(1, 1, 3, 3, 3), torch.rand(1, 2, 2, 2, 3) * 2 - 1])
    run_f('affine_grid', lambda t: F.affine_grid(t, [2, 3, 4, 5], align_corners=False), [g(2, 2, 3)])
    run_f('affine_grid3d', lambda t: F.affine_grid(t, [1, 1, 2, 3, 2], align_corners=True), [g(1, 3, 4)])
    run_f('pixel_shuffle', lambda a: F.pixel_shuffle(a, 3), [g(1, 9, 2, 2)])
    run_f('channel_shuffle', lambda a: F.channel_shuffle(a, 2), [g(1, 4, 3)], grad=False)
    run_f('native_channel_shuffle', lambda a: F.native_channel_shuffle(a, 2), [g(1, 4, 3)], grad=False)
    run_f('pairwise_distance', lambda a, b: F.pairwise_distance(a, b), [g(3, 4), g(3, 4)])
    run_f('cosine_similarity', lambda a, b: F.cosine_similarity(a, b, dim=-1), [g(3, 4), g(1, 4)])
    run_f('pdist', lambda a: F.pdist(a, p=3), [g(5, 3)])
    reprs = {
        'lppool2d': repr(nn.LPPool2d(2, 3)),
        'fracmax2d': repr(nn.FractionalMaxPool2d(2, output_size=3)),
        'avgpool1d': repr(nn.AvgPool1d(3)),
        'upsample_size': repr(nn.Upsample(size=(3, 4), mode='bilinear', align_corners=True)),
        'upsample_tuple': repr(nn.Upsample(scale_factor=(2, 3))),
        'zeropad': repr(nn.ZeroPad2d(1)),
        'pairwise': repr(nn.PairwiseDistance()),
        'param_list': repr(nn.ParameterList([nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(2, 3, dtype=torch.float64))])),
        'param_dict': repr(nn.ParameterDict({'b': nn.Parameter(torch.zeros(2)), 'a': nn.Parameter(torch.zeros(1, dtype=torch.int64), requires_grad=False)})),
        'param_dict1': repr(nn.ParameterDict({'a': nn.Parameter(torch.zeros(2))})),
        'embbag': repr(nn.EmbeddingBag(4, 2, max_norm=1.5, norm_type=3.0, scale_grad_by_freq=True, mode='sum', padding_idx=1)),
        'emb_maxnorm': repr(nn.Embedding(4, 2, max_norm=2.5)),
        'maxunpool1d': repr(nn.MaxUnpool1d(2, stride=1)),
        'adaptive_max3d': repr(nn.AdaptiveMaxPool3d((2, None, 1))),
        'in3d': repr(nn.InstanceNorm3d(4, affine=True, momentum=0.2)),
        'fold': repr(nn.Fold((4, 5), 2, padding=(1, 0))),
    }
    out['reprs'] = reprs
    errs = {}
    for key, f in {
        'maxunpool_size': lambda: F.max_unpool2d(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2, dtype=torch.long), 2, output_size=[9, 9]),
        'pixel_shuffle': lambda: F.pixel_shuffle(torch.zeros(1, 5, 2, 2), 2),
        'pdist': lambda: F.pdist(torch.zeros(2, 3, 4)),
    }.items():
        try:
            f()
            errs[key] = None
        except Exception as e:  # noqa: BLE001
            errs[key] = str(e).split('\n')[0]
    out['errors'] = errs

with open(sys.argv[1], 'w') as fh:
    json.dump(out, fh)
