#!/usr/bin/python3
"""torchvision 0.14's ImageFolder, the reference of test/59.data.imagefolder.test.ts (run live
there: the tree is written here, then read by both sides).

Run: /usr/bin/python3 tools/golden/image_folder.py OUT.json ROOT
  -> ROOT/tree: class folders (names sorted by code point: 'Zebra' before 'cat'), nested folders,
     upper-case extensions, a non-image file, a linked folder, and 6x8 PNGs in every layout PIL
     writes (RGB, RGBA, L, LA, P, 1-bit, 4-bit palette) plus hand-written ones (2- and 4-bit grey,
     every row filter 0-4 on RGB and on grey);
  ROOT/empty_class: a tree with a class folder holding no image.
OUT.json: classes, class_to_idx, samples (relative paths) and targets; every image as
convert('RGB') gives it (base64 of the uint8 HWC bytes); and the batches of
DataLoader(ImageFolder(transform=Compose([ToTensor(), RandomHorizontalFlip()])), batch_size=4,
shuffle=True, num_workers=2) after torch.manual_seed(3) (labels and float32 bytes).
"""
import base64
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image
from torch.utils.data import DataLoader

out_path, root = sys.argv[1], sys.argv[2]
tree = os.path.join(root, 'tree')
rng = np.random.RandomState(59)
H, W = 6, 8


def chunk(kind, body):
    return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xFFFFFFFF)


def filtered(rows, bpp):
    """Each row with filter (row index % 5), encoded as the PNG spec says."""
    out = b''
    prev = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        f = y % 5
        enc = bytearray()
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 0:
                p = 0
            elif f == 1:
                p = a
            elif f == 2:
                p = b
            elif f == 3:
                p = (a + b) // 2
            else:
                pp = a + b - c
                pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            enc.append((x - p) & 0xFF)
        out += bytes([f]) + bytes(enc)
        prev = row
    return out


def write_png(path, width, height, depth, color, rows, bpp):
    ihdr = struct.pack('>IIBBBBB', width, height, depth, color, 0, 0, 0)
    data = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(filtered(rows, bpp))) + chunk(b'IEND', b'')
    with open(path, 'wb') as f:
        f.write(data)


def packed_grey(depth):
    vals = rng.randint(0, 1 << depth, size=(H, W))
    rows = []
    for y in range(H):
        bits = ''.join(format(int(v), '0%db' % depth) for v in vals[y])
        bits += '0' * (-len(bits) % 8)
        rows.append(bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)))
    return rows


def pil(mode, path, **kw):
    if mode in ('RGB', 'RGBA', 'LA'):
        arr = rng.randint(0, 256, size=(H, W, len(mode))).astype(np.uint8)
    else:
        arr = rng.randint(0, 256, size=(H, W)).astype(np.uint8)
    img = Image.fromarray(arr, mode if mode in ('RGB', 'RGBA', 'LA', 'L') else 'L')
    if mode == 'P':
        img = img.convert('RGB').quantize(16 if kw.get('bits') == 4 else 200)
    elif mode == '1':
        img = img.convert('1')
    img.save(path, **kw)


def mk(*parts):
    d = os.path.join(tree, *parts)
    os.makedirs(d, exist_ok=True)
    return d


pil('RGB', os.path.join(mk('cat'), 'b.png'))
pil('RGBA', os.path.join(mk('cat'), 'a.PNG'))
pil('L', os.path.join(mk('cat', 'inner'), 'c.png'))
pil('LA', os.path.join(mk('cat', 'inner-x'), 'd.png'))
with open(os.path.join(mk('cat'), 'notes.txt'), 'w') as f:
    f.write('not an image')
pil('P', os.path.join(mk('dog'), 'p8.png'))
pil('P', os.path.join(mk('dog'), 'p4.png'), bits=4)
pil('1', os.path.join(mk('dog'), 'one.png'))
write_png(os.path.join(mk('Zebra'), 'rgb_filters.png'), W, H, 8, 2, [bytes(rng.randint(0, 256, size=W * 3).astype(np.uint8)) for _ in range(H)], 3)
write_png(os.path.join(mk('Zebra'), 'grey_filters.png'), W, H, 8, 0, [bytes(rng.randint(0, 256, size=W).astype(np.uint8)) for _ in range(H)], 1)
write_png(os.path.join(mk('Zebra', 'deep', 'er'), 'g2.png'), W, H, 2, 0, packed_grey(2), 1)
write_png(os.path.join(mk('Zebra', 'deep'), 'g4.png'), W, H, 4, 0, packed_grey(4), 1)
pil('RGB', os.path.join(mk('linked_target'), 'l.png'))
os.symlink(os.path.join(tree, 'linked_target'), os.path.join(mk('dog'), 'link'))

empty = os.path.join(root, 'empty_class')
os.makedirs(os.path.join(empty, 'a'))
os.makedirs(os.path.join(empty, 'b'))
with open(os.path.join(empty, 'a', 'x.png'), 'wb') as f:
    f.write(b'')
with open(os.path.join(empty, 'b', 'y.gif'), 'wb') as f:
    f.write(b'')

G = {}
ds = torchvision.datasets.ImageFolder(tree)
G['classes'] = ds.classes
G['class_to_idx'] = ds.class_to_idx
G['samples'] = [[os.path.relpath(p, tree), t] for p, t in ds.samples]
G['targets'] = ds.targets
G['images'] = [base64.b64encode(np.asarray(ds[i][0]).tobytes()).decode() for i in range(len(ds))]
try:
    torchvision.datasets.ImageFolder(empty)
except FileNotFoundError as e:
    G['empty_error'] = str(e)

torch.manual_seed(3)
loader = DataLoader(torchvision.datasets.ImageFolder(tree, transform=T.Compose([T.ToTensor(), T.RandomHorizontalFlip()])), batch_size=4, shuffle=True, num_workers=2)
G['batches'] = [{'labels': y.tolist(), 'x': base64.b64encode(x.numpy().astype('<f4').tobytes()).decode()} for x, y in loader]

with open(out_path, 'w') as f:
    json.dump(G, f)
