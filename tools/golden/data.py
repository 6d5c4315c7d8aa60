#!/usr/bin/python3
"""Golden fixtures for torchnode.data (test/50.* to test/54.*), produced by Debian's PyTorch 1.13,
torchvision 0.14 and numpy.

Run: /usr/bin/python3 tools/golden/data.py
  -> test/fixtures/data.json and test/fixtures/npy/*.npy
RNG states are compared through sha256 of torch.get_rng_state() bytes; index lists through
sha256 of ','.join(str(i)).
"""
import gzip
import hashlib
import json
import os

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset, random_split

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'test', 'fixtures')
NPY = os.path.join(OUT, 'npy')


def sha(s):
    return hashlib.sha256(s.encode() if isinstance(s, str) else s).hexdigest()


def idx_hash(indices):
    return sha(','.join(str(int(i)) for i in indices))


def state_hash():
    return sha(torch.get_rng_state().numpy().tobytes())


G = {}

# ---- random_split ------------------------------------------------------------------------------
ds = TensorDataset(torch.arange(50000))
tr, va = random_split(ds, [45000, 5000], generator=torch.Generator().manual_seed(42))
G['split_50000'] = {'val_first20': va.indices[:20], 'train_first20': tr.indices[:20],
                    'val_hash': idx_hash(va.indices), 'train_hash': idx_hash(tr.indices)}

fr = random_split(TensorDataset(torch.arange(31)), [0.3, 0.3, 0.4], generator=torch.Generator().manual_seed(7))
G['split_fractions'] = {'n': 31, 'fractions': [0.3, 0.3, 0.4], 'seed': 7, 'indices': [s.indices for s in fr]}
fr2 = random_split(TensorDataset(torch.arange(10)), [0.5, 0.25, 0.25], generator=torch.Generator().manual_seed(3))
G['split_fractions2'] = {'n': 10, 'fractions': [0.5, 0.25, 0.25], 'seed': 3, 'indices': [s.indices for s in fr2]}

torch.manual_seed(3)
d = random_split(TensorDataset(torch.arange(10)), [3, 7])
G['split_default_gen'] = {'seed': 3, 'indices': [s.indices for s in d], 'state_after': state_hash(),
                          'rand_after': torch.rand(3).tolist()}

# ---- DataLoader --------------------------------------------------------------------------------
N = 100
X = torch.arange(N)
Y = (torch.arange(N) * 7) % 10


def batches(it, k):
    out = []
    for _ in range(k):
        x, y = next(it)
        out.append({'x': x.tolist(), 'y': y.tolist()})
    return out


loaders = {}
torch.manual_seed(0)
dl = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True)
s0 = state_hash()
it = iter(dl)
s1 = state_hash()
b = batches(it, 3)
s2 = state_hash()
loaders['shuffle_default'] = {'seed': 0, 'batch_size': 8, 'len': len(dl), 'state_before': s0, 'state_after_iter': s1,
                              'batches': b, 'state_after_3': s2, 'rand_after': torch.rand(3).tolist()}

torch.manual_seed(0)
g = torch.Generator().manual_seed(5)
dl = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True, generator=g)
it = iter(dl)
b = batches(it, 3)
s_def = state_hash()
it2 = iter(dl)  # a new epoch (the first iterator is abandoned, as after a break)
b2 = batches(it2, 1)
loaders['shuffle_generator'] = {'seed': 0, 'gen_seed': 5, 'batch_size': 8, 'batches': b, 'state_after': s_def,
                                'epoch2_first': b2, 'gen_state_after': sha(g.get_state().numpy().tobytes())}

torch.manual_seed(0)
dl = DataLoader(TensorDataset(X, Y), batch_size=30, shuffle=False)
it = iter(dl)
s1 = state_hash()
loaders['sequential'] = {'seed': 0, 'batch_size': 30, 'len': len(dl), 'state_after_iter': s1,
                         'batches': batches(it, 4)}

dl = DataLoader(TensorDataset(X, Y), batch_size=30, shuffle=False, drop_last=True)
loaders['drop_last'] = {'len': len(dl), 'sizes': [len(x) for x, _ in dl]}

# The homework's pattern: split, three loaders, one train and one val batch, then model init.
torch.manual_seed(1)
full = TensorDataset(torch.arange(1000), (torch.arange(1000) * 3) % 10)
trs, vas = random_split(full, [900, 100], generator=torch.Generator().manual_seed(42))
trl = DataLoader(trs, batch_size=50, shuffle=True)
val = DataLoader(vas, batch_size=50, shuffle=False)
tb = next(iter(trl))
vb = next(iter(val))
tb2 = next(iter(trl))  # second epoch
loaders['homework'] = {'seed': 1, 'train_first': {'x': tb[0].tolist(), 'y': tb[1].tolist()},
                       'val_first': {'x': vb[0].tolist(), 'y': vb[1].tolist()},
                       'train_epoch2_first': tb2[0].tolist(), 'randn_after': torch.randn(5).tolist(),
                       'len_train': len(trl), 'len_val': len(val)}
G['loaders'] = loaders

# ---- transforms --------------------------------------------------------------------------------
rs = np.random.RandomState(0)
imgs = rs.randint(0, 256, size=(4, 5, 6, 3), dtype=np.uint8)
mean, std = (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)
tf = T.Compose([T.ToTensor(), T.Normalize(mean, std)])
G['transforms'] = {
    'images': imgs.tolist(), 'mean': mean, 'std': std,
    'to_tensor': [T.ToTensor()(im).tolist() for im in imgs],
    'composed': [tf(im).tolist() for im in imgs],
    'composed_pil': [tf(Image.fromarray(im)).tolist() for im in imgs],
}
grey = rs.randint(0, 256, size=(3, 4, 5), dtype=np.uint8)
tg = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.25,))])
G['transforms_grey'] = {'images': grey.tolist(), 'composed': [tg(Image.fromarray(im, mode='L')).tolist() for im in grey]}

# ---- Fashion-MNIST from Debian's package ---------------------------------------------------------
FM = '/usr/share/datasets/fashion-mnist'
if os.path.exists(os.path.join(FM, 'train-images-idx3-ubyte.gz')):
    fm = {}
    for split in ('train', 't10k'):
        with gzip.open(os.path.join(FM, f'{split}-images-idx3-ubyte.gz')) as f:
            img = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(os.path.join(FM, f'{split}-labels-idx1-ubyte.gz')) as f:
            lab = np.frombuffer(f.read(), np.uint8, offset=8)
        t = T.Compose([T.ToTensor(), T.Normalize((0.2860,), (0.3530,))])
        x0 = t(Image.fromarray(img[0], mode='L'))
        fm[split] = {'n': int(img.shape[0]), 'labels_first20': lab[:20].tolist(), 'labels_hash': sha(lab.tobytes()),
                     'images_hash': sha(img.tobytes()), 'x0_sum': float(x0.double().sum()),
                     'x0_row14': x0[0, 14].tolist(), 'label_counts': np.bincount(lab).tolist()}
    G['fashion_mnist'] = fm

# ---- .npy files ----------------------------------------------------------------------------------
os.makedirs(NPY, exist_ok=True)
rs = np.random.RandomState(1)
npys = {}
cases = {
    'f4': rs.randn(2, 3).astype('<f4'), 'f8': rs.randn(3, 2).astype('<f8'), 'f2': rs.randn(5).astype('<f2'),
    'i8': rs.randint(-2**40, 2**40, size=(2, 2, 2)).astype('<i8'), 'i4': rs.randint(-2**30, 2**30, size=(4,)).astype('<i4'),
    'i2': rs.randint(-30000, 30000, size=(3,)).astype('<i2'), 'i1': rs.randint(-128, 128, size=(6,)).astype('i1'),
    'u1': rs.randint(0, 256, size=(2, 3)).astype('u1'), 'b1': rs.rand(7) > 0.5,
    'scalar': np.array(3.5, dtype='<f8'), 'empty': np.zeros((0, 3), dtype='<f4'),
    'be_f4': rs.randn(2, 2).astype('>f4'), 'be_i8': np.arange(5).astype('>i8'),
}
for name, a in cases.items():
    np.save(os.path.join(NPY, f'{name}.npy'), a)
    npys[name] = {'dtype': a.dtype.str, 'shape': list(a.shape),
                  'values': a.astype('f8').ravel().tolist() if a.dtype.kind in 'fb' else [str(v) for v in a.ravel()]}
np.save(os.path.join(NPY, 'fortran.npy'), np.asfortranarray(rs.randn(3, 4).astype('<f4')))
np.save(os.path.join(NPY, 'object.npy'), np.array([1, 'a', None], dtype=object), allow_pickle=True)
np.save(os.path.join(NPY, 'u2.npy'), np.arange(3, dtype='<u2'))
G['npy'] = npys

os.makedirs(OUT, exist_ok=True)
path = os.path.join(OUT, 'data.json')
with open(path, 'w') as f:
    json.dump(G, f)
print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes and', len(os.listdir(NPY)), '.npy files')
