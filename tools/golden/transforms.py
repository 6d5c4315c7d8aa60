#!/usr/bin/python3
"""Golden fixtures for torchvision's tensor transforms in torchnode.data.transforms (test/57.*),
produced by Debian's PyTorch 1.13 and torchvision 0.14.

Run: /usr/bin/python3 tools/golden/transforms.py  -> test/fixtures/transforms.json

Tensors are stored as {shape, dtype, b64} (the raw little-endian bytes, C order) so that the test
compares them bit for bit; the later outputs of a random sequence as {shape, dtype, sha256} of
those bytes (to keep the file small). Transform specs use torchnode's names (camelCase options), so the test
builds the same transform from them. For the random transforms, the parameters each call drew are
recorded by wrapping the classes' get_params, and `after` holds torch.rand(2) drawn right after the
calls (the generator must be left where torchvision leaves it).
"""
import base64
import hashlib
import json
import os
import tempfile

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as F
from PIL import Image
from torchvision.transforms import InterpolationMode
from torchvision.utils import make_grid, save_image

assert torchvision.__version__.startswith('0.14'), torchvision.__version__

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'transforms.json')


def enc(t):
    t = t.contiguous()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'b64': base64.b64encode(t.numpy().tobytes()).decode()}


def digest(t):
    """Shape, dtype and the sha256 of the bytes: for the later outputs of a random sequence."""
    t = t.contiguous()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''), 'sha256': hashlib.sha256(t.numpy().tobytes()).hexdigest()}


# ---- inputs ------------------------------------------------------------------------------------
torch.manual_seed(1234)
imgf = torch.rand(3, 8, 11)
imgu = torch.randint(0, 256, (3, 8, 11), dtype=torch.uint8)
for im in (imgf, imgu):
    im[:, 0, :4] = im[0, 0, :4]  # grey pixels (r = g = b): the HSV branches for max == min
    im[0, 2, 0] = im[1, 2, 0]  # max shared by r and g
    im[1, 2, 1] = im[2, 2, 1]  # g = b
imgf[:, 1, 0] = 1.0
imgf[:, 1, 1] = 0.0
imgg = imgf[:1].clone()  # one channel
batchf = torch.rand(4, 3, 8, 11)
INPUTS = {'f': imgf, 'u': imgu, 'g': imgg, 'b': batchf}

G = {'inputs': {k: enc(v) for k, v in INPUTS.items()}}

IM = {'nearest': InterpolationMode.NEAREST, 'bilinear': InterpolationMode.BILINEAR, 'bicubic': InterpolationMode.BICUBIC}


def build(spec):
    """The torchvision transform for a torchnode spec [name, *positional, options]."""
    name, args, o = spec[0], spec[1:-1], spec[-1]
    if name == 'Resize':
        return T.Resize(args[0], interpolation=IM[o.get('interpolation', 'bilinear')], max_size=o.get('maxSize'), antialias=o.get('antialias'))
    if name == 'CenterCrop':
        return T.CenterCrop(args[0])
    if name == 'Pad':
        return T.Pad(args[0], fill=o.get('fill', 0), padding_mode=o.get('paddingMode', 'constant'))
    if name == 'Grayscale':
        return T.Grayscale(o.get('numOutputChannels', 1))
    if name == 'RandomCrop':
        return T.RandomCrop(args[0], padding=o.get('padding'), pad_if_needed=o.get('padIfNeeded', False), fill=o.get('fill', 0),
                            padding_mode=o.get('paddingMode', 'constant'))
    if name == 'RandomHorizontalFlip':
        return T.RandomHorizontalFlip(o.get('p', 0.5))
    if name == 'RandomVerticalFlip':
        return T.RandomVerticalFlip(o.get('p', 0.5))
    if name == 'RandomResizedCrop':
        return T.RandomResizedCrop(args[0], scale=tuple(o.get('scale', (0.08, 1.0))), ratio=tuple(o.get('ratio', (3.0 / 4.0, 4.0 / 3.0))),
                                   interpolation=IM[o.get('interpolation', 'bilinear')], antialias=o.get('antialias'))
    if name == 'ColorJitter':
        return T.ColorJitter(o.get('brightness', 0), o.get('contrast', 0), o.get('saturation', 0), o.get('hue', 0))
    if name == 'Compose':
        return T.Compose([build(s) for s in args[0]])
    raise ValueError(name)


# ---- deterministic transforms ------------------------------------------------------------------
DET = [
    (['Resize', 6, {}], 'fu'),
    (['Resize', [7, 9], {}], 'fu'),
    (['Resize', [6], {'maxSize': 7}], 'f'),
    (['Resize', 6, {'maxSize': 7}], 'u'),
    (['Resize', [12], {}], 'fu'),
    (['Resize', [6, 8], {'interpolation': 'nearest'}], 'fu'),
    (['Resize', [15, 7], {'interpolation': 'nearest'}], 'u'),
    (['Resize', 5, {'antialias': True}], 'fu'),
    (['Resize', [7, 9], {'interpolation': 'bicubic'}], 'fu'),
    (['Resize', [4, 5], {'interpolation': 'bicubic', 'antialias': True}], 'f'),
    (['Resize', 8, {}], 'f'),
    (['Resize', [6, 8], {}], 'g'),
    (['Resize', [6, 8], {}], 'b'),
    (['CenterCrop', 7, {}], 'f'),
    (['CenterCrop', [7, 9], {}], 'fu'),
    (['CenterCrop', [5], {}], 'f'),
    (['CenterCrop', [10, 13], {}], 'fu'),
    (['CenterCrop', [9, 11], {}], 'f'),
    (['CenterCrop', [4, 14], {}], 'u'),
    (['Pad', 2, {}], 'f'),
    (['Pad', [1, 2], {'fill': 0.5}], 'f'),
    (['Pad', [1, 2], {'fill': 7}], 'u'),
    (['Pad', [1, 2, 3, 4], {'paddingMode': 'edge'}], 'fu'),
    (['Pad', [3, 1], {'paddingMode': 'reflect'}], 'fug'),
    (['Pad', [2, 1, 3, 4], {'paddingMode': 'symmetric'}], 'fu'),
    (['Pad', [-1, 2], {'paddingMode': 'symmetric'}], 'f'),
    (['Pad', [2, 1, 0, 3], {'paddingMode': 'reflect'}], 'b'),
    (['Grayscale', {}], 'fu'),
    (['Grayscale', {'numOutputChannels': 3}], 'fug'),
]
G['deterministic'] = []
for spec, inputs in DET:
    for k in inputs:
        G['deterministic'].append({'spec': spec, 'input': k, 'out': enc(build(spec)(INPUTS[k]))})

# transforms.functional on fixed factors
FUN = [
    ('adjustBrightness', 1.3, 'fu'), ('adjustBrightness', 0.6, 'g'),
    ('adjustContrast', 1.7, 'fu'), ('adjustContrast', 0.4, 'g'),
    ('adjustSaturation', 0.5, 'fu'), ('adjustSaturation', 2.5, 'f'),
    ('adjustHue', 0.3, 'fu'), ('adjustHue', -0.45, 'fu'), ('adjustHue', 0.5, 'f'), ('adjustHue', 0.2, 'g'),
    # integral factors: Python's float(ratio) keeps uint8 images in float32 before the clamp
    ('adjustBrightness', 2, 'u'), ('adjustContrast', 0, 'u'), ('adjustSaturation', 3, 'u'), ('adjustHue', 0, 'u'),
]
PYF = {'adjustBrightness': F.adjust_brightness, 'adjustContrast': F.adjust_contrast, 'adjustSaturation': F.adjust_saturation, 'adjustHue': F.adjust_hue}
G['functional'] = []
for name, factor, inputs in FUN:
    for k in inputs:
        G['functional'].append({'fn': name, 'factor': factor, 'input': k, 'out': enc(PYF[name](INPUTS[k], factor))})
G['functional'].append({'fn': 'crop', 'args': [-2, 3, 8, 12], 'input': 'f', 'out': enc(F.crop(imgf, -2, 3, 8, 12))})
G['functional'].append({'fn': 'crop', 'args': [4, -1, 9, 5], 'input': 'u', 'out': enc(F.crop(imgu, 4, -1, 9, 5))})
G['functional'].append({'fn': 'resizedCrop', 'args': [1, 2, 6, 9, [5, 7]], 'input': 'f', 'out': enc(F.resized_crop(imgf, 1, 2, 6, 9, [5, 7]))})
G['functional'].append({'fn': 'hflip', 'args': [], 'input': 'u', 'out': enc(F.hflip(imgu))})
G['functional'].append({'fn': 'vflip', 'args': [], 'input': 'f', 'out': enc(F.vflip(imgf))})

# ---- random transforms: record get_params ------------------------------------------------------
RECORD = []


def recording(cls):
    orig = cls.get_params

    def wrapped(*a, **k):
        r = orig(*a, **k)
        RECORD.append([x.tolist() if torch.is_tensor(x) else x for x in r])
        return r

    cls.get_params = staticmethod(wrapped)


for cls in (T.RandomCrop, T.RandomResizedCrop, T.ColorJitter):
    recording(cls)

RND = [
    (['RandomCrop', 6, {}], 'f', 0, 3),
    (['RandomCrop', [6, 9], {'padding': 2}], 'u', 1, 3),
    (['RandomCrop', [10, 13], {'padIfNeeded': True, 'fill': 0.25}], 'f', 2, 2),
    (['RandomCrop', [9, 14], {'padIfNeeded': True, 'paddingMode': 'reflect'}], 'u', 3, 2),
    (['RandomCrop', 5, {'padding': [1, 2, 3, 4], 'paddingMode': 'symmetric'}], 'u', 4, 2),
    (['RandomCrop', [8, 11], {}], 'f', 5, 2),
    (['RandomCrop', [4, 6], {'padding': [1, 2], 'paddingMode': 'edge'}], 'b', 6, 2),
    (['RandomHorizontalFlip', {}], 'f', 0, 8),
    (['RandomHorizontalFlip', {'p': 1}], 'u', 0, 2),
    (['RandomHorizontalFlip', {}], 'b', 7, 4),
    (['RandomVerticalFlip', {'p': 0.3}], 'u', 1, 8),
    (['RandomResizedCrop', 8, {}], 'f', 0, 4),
    (['RandomResizedCrop', [6, 9], {'scale': [0.5, 1.0], 'ratio': [0.5, 2.0], 'interpolation': 'nearest'}], 'u', 1, 4),
    (['RandomResizedCrop', [5, 7], {'antialias': True, 'scale': [0.3, 0.9]}], 'f', 2, 3),
    (['RandomResizedCrop', [9, 6], {'interpolation': 'bicubic'}], 'u', 3, 3),
    (['RandomResizedCrop', 6, {'scale': [0.9, 1.6]}], 'f', 4, 4),
    (['RandomResizedCrop', 6, {'scale': [2.0, 3.0], 'ratio': [2.0, 3.0]}], 'f', 5, 1),
    (['RandomResizedCrop', 6, {'scale': [2.0, 3.0], 'ratio': [0.2, 0.5]}], 'u', 6, 1),
    (['RandomResizedCrop', 6, {'scale': [2.0, 3.0], 'ratio': [1.0, 1.5]}], 'f', 7, 1),
    (['ColorJitter', {'brightness': 0.5}], 'f', 0, 3),
    (['ColorJitter', {'brightness': 0.4, 'contrast': 0.4, 'saturation': 0.4, 'hue': 0.1}], 'f', 1, 3),
    (['ColorJitter', {'brightness': 0.4, 'contrast': 0.4, 'saturation': 0.4, 'hue': 0.1}], 'u', 2, 3),
    (['ColorJitter', {'brightness': [0.2, 0.3], 'saturation': [1.5, 3.0], 'hue': [-0.5, 0.5]}], 'u', 3, 3),
    (['ColorJitter', {'contrast': 0.9, 'hue': 0.5}], 'f', 4, 3),
    (['ColorJitter', {'brightness': 0.4, 'contrast': 0.4, 'saturation': 0.4, 'hue': 0.1}], 'g', 5, 2),
    (['ColorJitter', {'brightness': 1, 'contrast': [1, 1], 'hue': 0}], 'f', 6, 2),
]
G['random'] = []
for spec, k, seed, n in RND:
    t = build(spec)
    x = INPUTS[k]
    RECORD.clear()
    torch.manual_seed(seed)
    outs = [(enc if i == 0 else digest)(t(x)) for i in range(n)]
    case = {'spec': spec, 'input': k, 'seed': seed, 'outs': outs, 'params': list(RECORD), 'after': torch.rand(2).tolist()}
    if spec[0].startswith('RandomHorizontal') or spec[0].startswith('RandomVertical'):
        flip = F.hflip if spec[0] == 'RandomHorizontalFlip' else F.vflip
        torch.manual_seed(seed)
        flags = []
        for _ in range(n):
            y = t(x)
            flags.append(not torch.equal(y, x) and torch.equal(y, flip(x)))
        case['params'] = flags
    G['random'].append(case)

# A Compose of random transforms applied to each image of a batch in turn (a DataLoader's order).
seq = ['Compose', [['RandomResizedCrop', 8, {'scale': [0.3, 1.0]}], ['RandomHorizontalFlip', {}],
                   ['ColorJitter', {'brightness': 0.4, 'contrast': 0.4, 'saturation': 0.4, 'hue': 0.1}]], {}]
torch.manual_seed(11)
tc = build(seq)
G['compose_batch'] = {'spec': seq, 'input': 'b', 'seed': 11, 'out': enc(torch.stack([tc(x) for x in batchf])), 'after': torch.rand(2).tolist()}
seq2 = ['Compose', [['Resize', [8, 11], {}], ['CenterCrop', 7, {}], ['Grayscale', {'numOutputChannels': 3}]], {}]
G['compose_det'] = {'spec': seq2, 'input': 'b', 'out': enc(build(seq2)(batchf))}

# The stock CIFAR-10 recipe on a uint8 HWC batch (torchnode's dataset layout), ToTensor first.
torch.manual_seed(21)
hwc = torch.randint(0, 256, (3, 8, 8, 3), dtype=torch.uint8)
cif = T.Compose([T.ToTensor(), T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.Normalize((0.5, 0.4, 0.3), (0.2, 0.25, 0.3))])
torch.manual_seed(22)
G['cifar_recipe'] = {'input': enc(hwc), 'seed': 22, 'out': enc(torch.stack([cif(x.numpy()) for x in hwc])), 'after': torch.rand(2).tolist()}

# A shuffling DataLoader over a dataset that applies a random Compose per sample (num_workers=0).
torch.manual_seed(23)
limgs = torch.randint(0, 256, (7, 6, 6, 3), dtype=torch.uint8)
llabels = torch.arange(7) * 3 % 10
lt = T.Compose([T.ToTensor(), T.RandomCrop(5, padding=1), T.RandomHorizontalFlip(), T.ColorJitter(0.3, 0.3)])


class Imgs(torch.utils.data.Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return lt(limgs[i].numpy()), llabels[i]


torch.manual_seed(24)
batches = [(x, y) for x, y in torch.utils.data.DataLoader(Imgs(), batch_size=3, shuffle=True)]
G['loader'] = {'images': enc(limgs), 'labels': llabels.tolist(), 'seed': 24, 'x': [enc(x) for x, _ in batches], 'y': [y.tolist() for _, y in batches],
               'after': torch.rand(2).tolist()}

# ---- torchvision.utils -------------------------------------------------------------------------
torch.manual_seed(99)
b5 = torch.rand(5, 3, 3, 4) * 2 - 0.5
g1 = [torch.rand(1, 3, 4) for _ in range(3)]
G['grid_inputs'] = {'b5': enc(b5), 'g1': [enc(x) for x in g1], 'one': enc(b5[0]), 'hw': enc(b5[0, 0])}
GRID = [
    ('b5', {}),
    ('b5', {'nrow': 2, 'padding': 1}),
    ('b5', {'nrow': 3, 'padding': 0, 'padValue': 0.5}),
    ('b5', {'normalize': True}),
    ('b5', {'normalize': True, 'valueRange': [0.2, 0.8], 'nrow': 5}),
    ('b5', {'normalize': True, 'scaleEach': True, 'nrow': 4, 'padding': 3, 'padValue': 1}),
    ('b5', {'normalize': True, 'scaleEach': True, 'valueRange': [0, 0.5]}),
    ('g1', {'nrow': 2}),
    ('one', {}),
    ('hw', {'normalize': True}),
]


def py_grid_args(o):
    m = {'nrow': 'nrow', 'padding': 'padding', 'normalize': 'normalize', 'valueRange': 'value_range', 'scaleEach': 'scale_each', 'padValue': 'pad_value'}
    return {m[k]: (tuple(v) if k == 'valueRange' else v) for k, v in o.items()}


G['grid'] = []
for k, o in GRID:
    x = g1 if k == 'g1' else {'b5': b5, 'one': b5[0], 'hw': b5[0, 0]}[k]
    G['grid'].append({'input': k, 'opts': o, 'out': enc(make_grid(x, **py_grid_args(o)))})

# save_image: the pixels PIL reads back from the PNG torchvision wrote.
G['save'] = []
with tempfile.TemporaryDirectory() as d:
    for k, o in [('b5', {'nrow': 3}), ('b5', {'normalize': True, 'padding': 1}), ('one', {}), ('g1', {}), ('hw', {})]:
        x = g1 if k == 'g1' else {'b5': b5, 'one': b5[0], 'hw': b5[0, 0]}[k]
        p = os.path.join(d, 'x.png')
        save_image(x, p, **py_grid_args(o))
        im = Image.open(p)
        G['save'].append({'input': k, 'opts': o, 'mode': im.mode, 'pixels': enc(torch.from_numpy(np.asarray(im).copy()))})

with open(OUT, 'w') as f:
    json.dump(G, f, separators=(',', ':'))
print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)')
