/**
 * CIFAR-10: a small archive in the official binary layout is generated here, served from a local
 * HTTP server, then downloaded -> MD5-verified -> safely extracted -> loaded. Bad archives (MD5
 * mismatch, truncation, unsafe entries, wrong record sizes) are rejected and a good copy survives;
 * links are judged with the archive's other links followed (d/l -> .. then up -> ../d/l/..), and a
 * refused archive leaves the caller's folder as it was.
 * The python version is read from pickles written by /usr/bin/python3 (numpy), when present.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync, existsSync, statSync, lstatSync, readlinkSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import * as tar from 'tar';
import * as torch from '../lib/index.js';
import { data, datasets } from '../lib/index.js';
import { PYTHON } from './python.js';

const PY = PYTHON;
const hasNumpy = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
const work = mkdtempSync(join(tmpdir(), 'torchnode-cifar-'));
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// 5 train files of 60 records and a test file of 40: label byte + 3072 pixel bytes.
const PER = 60,
  NTEST = 40;
function records(n: number, seed: number): Uint8Array {
  return torch.tidy(() => {
    const g = new torch.Generator().manualSeed(seed);
    const labels = torch.randint(0, 10, [n, 1], { generator: g });
    const pixels = torch.randint(0, 256, [n, 3072], { generator: g });
    return torch.cat([labels, pixels], 1).to('uint8').dataSync() as Uint8Array;
  });
}
const trainFiles = [1, 2, 3, 4, 5].map((i) => records(PER, i));
const testFile = records(NTEST, 99);

function writeBinTree(dir: string, mutate?: (name: string, b: Uint8Array) => Uint8Array): void {
  const d = join(dir, 'cifar-10-batches-bin');
  mkdirSync(d, { recursive: true });
  trainFiles.forEach((b, i) => writeFileSync(join(d, `data_batch_${i + 1}.bin`), mutate ? mutate(`data_batch_${i + 1}.bin`, b) : b));
  writeFileSync(join(d, 'test_batch.bin'), mutate ? mutate('test_batch.bin', testFile) : testFile);
  writeFileSync(join(d, 'batches.meta.txt'), datasets.CIFAR10_CLASSES.join('\n') + '\n');
}

/** A ustar archive with one hand-made entry (to test what tar.c would refuse to write). */
function rawTarGz(path: string, type: 'File' | 'SymbolicLink', linkpath = ''): Buffer {
  const body = type === 'File' ? Buffer.from('evil') : Buffer.alloc(0);
  const h = new tar.Header({ path, mode: 0o644, size: body.length, type, linkpath, mtime: new Date(0), uid: 0, gid: 0 });
  const hb = Buffer.alloc(512);
  h.encode(hb, 0);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return gzipSync(Buffer.concat([hb, body, pad, Buffer.alloc(1024)]));
}

const archives: Record<string, Buffer> = {};
let server: Server;
let base = '';

before(async () => {
  const src = join(work, 'src');
  writeBinTree(src);
  await tar.c({ gzip: true, file: join(work, 'good.tar.gz'), cwd: src }, ['cifar-10-batches-bin']);
  archives.good = readFileSync(join(work, 'good.tar.gz'));
  archives.bad = Buffer.from(archives.good);
  archives.bad[archives.bad.length >> 1] ^= 0xff;
  archives.truncated = archives.good.subarray(0, archives.good.length >> 1);
  const badRec = join(work, 'badrec');
  writeBinTree(badRec, (name, b) => (name === 'data_batch_3.bin' ? b.subarray(0, b.length - 5) : b));
  await tar.c({ gzip: true, file: join(work, 'badrec.tar.gz'), cwd: badRec }, ['cifar-10-batches-bin']);
  archives.badrec = readFileSync(join(work, 'badrec.tar.gz'));
  archives.dotdot = rawTarGz('../evil.txt', 'File');
  archives.symlink = rawTarGz('cifar-10-batches-bin', 'SymbolicLink', '/etc');
  server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/+/, '').replace(/\.tar\.gz$/, '');
    if (name === 'moved') {
      res.writeHead(302, { location: '/good.tar.gz' });
      res.end();
      return;
    }
    const body = archives[name];
    if (!body) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/gzip' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(() => {
  server?.close();
  rmSync(work, { recursive: true, force: true });
});

function snapshot(dir: string): Record<string, string> {
  const d = join(dir, 'cifar-10-batches-bin');
  return Object.fromEntries(
    readdirSync(d)
      .sort()
      .map((f) => [f, sha(readFileSync(join(d, f)))]),
  );
}
const leftovers = (root: string) => readdirSync(root).filter((f) => f.startsWith('.'));

test('download -> verify MD5 -> extract -> load (binary version), via a redirect', async () => {
  const root = join(work, 'root1');
  const ds = await datasets.CIFAR10.create({ root, download: true, url: `${base}/moved.tar.gz`, md5: md5(archives.good), progress: false });
  assert.equal(ds.len(), 5 * PER);
  assert.equal(ds.format, 'binary');
  assert.deepEqual(ds.images.shape, [300, 3, 32, 32]);
  assert.equal(ds.images.dtype, 'uint8');
  assert.equal(ds.labels.dtype, 'int64');
  // Record k of file 2 is sample 60 + k: label byte then R, G, B planes.
  const rec = trainFiles[1].subarray(7 * 3073, 8 * 3073);
  const [x, y] = ds.get(PER + 7);
  assert.equal(Number(y.item()), rec[0]);
  assert.deepEqual(x.shape, [32, 32, 3]); // torchvision's HWC layout when untransformed
  assert.deepEqual(Array.from(x.permute(2, 0, 1).contiguous().dataSync() as Uint8Array), Array.from(rec.subarray(1)));
  assert.ok(existsSync(join(root, 'cifar-10-binary.tar.gz')), 'the verified archive is kept, as torchvision does');
  assert.deepEqual(leftovers(root), []);
  const testSet = new datasets.CIFAR10({ root, train: false });
  assert.equal(testSet.len(), NTEST);
  assert.deepEqual(
    Array.from(testSet.labels.dataSync() as BigInt64Array, Number),
    Array.from({ length: NTEST }, (_, i) => testFile[i * 3073]),
  );
  // A second create() finds the copy and downloads nothing (the URL is dead).
  const again = await datasets.CIFAR10.create({ root, download: true, url: `${base}/missing.tar.gz`, progress: false });
  assert.equal(again.len(), 300);
});

test('an archive with a bad MD5 is rejected and the previous good copy survives', async () => {
  const root = join(work, 'root2');
  writeBinTree(root);
  const good = snapshot(root);
  await assert.rejects(data.downloadAndExtractArchive({ url: `${base}/bad.tar.gz`, root, md5: md5(archives.good), progress: false }), (e: Error) => {
    assert.match(
      e.message,
      new RegExp(
        `^downloadAndExtractArchive: MD5 mismatch for bad\\.tar\\.gz from ${base.replace(/\./g, '\\.')}/bad\\.tar\\.gz: expected ${md5(archives.good)} but the ${archives.bad.length} bytes received hash to ${md5(archives.bad)}; the file was deleted$`,
      ),
    );
    return true;
  });
  assert.deepEqual(snapshot(root), good);
  assert.deepEqual(leftovers(root), []);
  assert.ok(!existsSync(join(root, 'bad.tar.gz')));
  // CIFAR10.create with a missing file downloads, fails the MD5 check, and leaves the tree as it was.
  rmSync(join(root, 'cifar-10-batches-bin', 'test_batch.bin'));
  await assert.rejects(datasets.CIFAR10.create({ root, download: true, url: `${base}/bad.tar.gz`, md5: md5(archives.good), progress: false }), /MD5 mismatch/);
  assert.deepEqual(Object.keys(snapshot(root)).length, Object.keys(good).length - 1);
  assert.deepEqual(leftovers(root), []);
});

test('truncated archives, unsafe entries and wrong record sizes are rejected, naming the defect', async () => {
  const root = join(work, 'root3');
  writeBinTree(root);
  const good = snapshot(root);
  await assert.rejects(
    data.downloadAndExtractArchive({ url: `${base}/truncated.tar.gz`, root, progress: false }),
    /^Error: downloadAndExtractArchive: .*truncated\.tar\.gz is truncated or corrupt \(/,
  );
  await assert.rejects(
    data.downloadAndExtractArchive({ url: `${base}/dotdot.tar.gz`, root, progress: false }),
    /^Error: downloadAndExtractArchive: .*dotdot\.tar\.gz was rejected: entry '\.\.\/evil\.txt' has an unsafe path \(absolute or containing '\.\.'\)$/,
  );
  await assert.rejects(
    data.downloadAndExtractArchive({ url: `${base}/symlink.tar.gz`, root, progress: false }),
    /^Error: downloadAndExtractArchive: .*symlink\.tar\.gz was rejected: link 'cifar-10-batches-bin' -> '\/etc' points outside the extraction folder$/,
  );
  assert.ok(!existsSync(join(work, 'evil.txt')) && !existsSync(join(root, 'evil.txt')));
  await assert.rejects(
    datasets.downloadCifar10({ root, url: `${base}/badrec.tar.gz`, md5: null, progress: false }),
    /^Error: downloadCifar10: cifar-10-batches-bin\/data_batch_3\.bin in the archive from .*badrec\.tar\.gz has 184375 bytes, not a whole number of 3073-byte records$/,
  );
  assert.deepEqual(snapshot(root), good);
  assert.deepEqual(leftovers(root), []);
  // A bad file already on disk: the error names it.
  const root4 = join(work, 'root4');
  writeBinTree(root4, (name, b) => (name === 'data_batch_2.bin' ? b.subarray(0, 3074) : b));
  const p = join(root4, 'cifar-10-batches-bin', 'data_batch_2.bin');
  assert.throws(() => new datasets.CIFAR10({ root: root4 }), {
    message: `CIFAR10: ${p} has 3074 bytes, not a whole number of 3073-byte records (1 label byte + 3072 pixel bytes); the file is truncated or not CIFAR-10 binary`,
  });
  assert.throws(
    () => new datasets.CIFAR10({ root: join(work, 'nothing') }),
    /^Error: CIFAR10: dataset not found or incomplete: no cifar-10-batches-bin with data_batch_1\.bin/,
  );
  await assert.rejects(
    datasets.CIFAR10.create({ root: join(work, 'root5'), download: true, url: `${base}/missing.tar.gz`, progress: false }),
    /^Error: CIFAR10: http:\/\/127\.0\.0\.1:\d+\/missing\.tar\.gz answered HTTP 404/,
  );
});

test('transform per batch, cached on the whole storage, and through a DataLoader', async () => {
  const root = join(work, 'root1');
  const T = data.transforms;
  const tf = new T.Compose([new T.ToTensor(), new T.Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261])]);
  const plain = new datasets.CIFAR10({ root, train: false });
  const ds = new datasets.CIFAR10({ root, train: false, transform: tf });
  const cached = new datasets.CIFAR10({ root, train: false, transform: tf, cache: true });
  const [x5] = ds.get(5);
  assert.deepEqual(x5.shape, [3, 32, 32]);
  assert.equal(x5.dtype, 'float32');
  // Same numbers as applying the per-sample transform to the HWC uint8 image.
  assert.ok(x5.equal(tf.apply(plain.get(5)[0])));
  const idx = torch.tensor([3, 1, 4, 1, 5], { dtype: 'int64' });
  assert.ok(ds.getBatch(idx)[0].equal(cached.getBatch(idx)[0]));
  const dl = new data.DataLoader(ds, { batchSize: 16 });
  const batches = [...dl];
  assert.deepEqual(
    batches.map((b) => b[0].shape[0]),
    [16, 16, 8],
  );
  assert.ok(batches[0][0].narrow(0, 5, 1).squeeze(0).equal(x5));
});

test('python version: pickles written by numpy are read by the safe unpickler', { skip: hasNumpy ? false : `${PY} with numpy not available` }, () => {
  const root = join(work, 'pyroot');
  const dir = join(root, 'cifar-10-batches-py');
  mkdirSync(dir, { recursive: true });
  const binDir = join(work, 'src', 'cifar-10-batches-bin');
  // Protocol 2 (bytes through _codecs.encode, as Python 3 writes it) for the train batches,
  // protocol 4 and 5 for the test batch and an extra file.
  const script = `
import numpy as np, pickle, sys, os
src, dst = sys.argv[1], sys.argv[2]
def conv(name, out, proto):
    raw = np.fromfile(os.path.join(src, name), np.uint8).reshape(-1, 3073)
    d = {b'batch_label': b'x', b'labels': [int(v) for v in raw[:, 0]], b'data': np.ascontiguousarray(raw[:, 1:]), b'filenames': [b'a.png'] * len(raw)}
    with open(os.path.join(dst, out), 'wb') as f:
        pickle.dump(d, f, protocol=proto)
for i in range(1, 6):
    conv('data_batch_%d.bin' % i, 'data_batch_%d' % i, 2)
conv('test_batch.bin', 'test_batch', 4)
conv('test_batch.bin', 'proto5', 5)
with open(os.path.join(dst, 'evil'), 'wb') as f:
    pickle.dump({b'data': os.system}, f, protocol=2)
with open(os.path.join(dst, 'floats'), 'wb') as f:
    pickle.dump({b'data': np.arange(6, dtype='>f4').reshape(2, 3), b'labels': [1, 2]}, f, protocol=2)
`;
  const r = spawnSync(PY, ['-c', script, binDir, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const py = new datasets.CIFAR10({ root, format: 'python' });
  const bin = new datasets.CIFAR10({ root: join(work, 'src') });
  assert.equal(py.format, 'python');
  assert.ok(py.images.equal(bin.images));
  assert.ok(py.labels.equal(bin.labels));
  const pyTest = new datasets.CIFAR10({ root, format: 'python', train: false });
  assert.ok(pyTest.images.equal(new datasets.CIFAR10({ root: join(work, 'src'), train: false }).images));
  const p5 = data.unpickle(readFileSync(join(dir, 'proto5'))) as data.PyDict;
  const arr = p5.get('data') as data.NdArray;
  assert.deepEqual(arr.shape, [NTEST, 3072]);
  assert.equal(arr.dtype?.descr, '|u1');
  assert.equal(sha(arr.data), sha(Buffer.concat(Array.from({ length: NTEST }, (_, i) => testFile.subarray(i * 3073 + 1, (i + 1) * 3073)))));
  assert.deepEqual((p5.get('filenames') as data.PyBytes[]).slice(0, 1).map(String), ['a.png']);
  // zeroCopy: the array's bytes are a view into the file's buffer, not a copy (the CIFAR reader
  // copies them straight into its tensor); the default copies, so the buffer may be reused.
  const p5raw = readFileSync(join(dir, 'proto5'));
  const view = ((data.unpickle(p5raw, 'proto5', { zeroCopy: true }) as data.PyDict).get('data') as data.NdArray).data;
  const copy = ((data.unpickle(p5raw, 'proto5') as data.PyDict).get('data') as data.NdArray).data;
  assert.equal(view.buffer, p5raw.buffer);
  assert.notEqual(copy.buffer, p5raw.buffer);
  assert.equal(sha(view), sha(copy));
  assert.throws(
    () => data.unpickle(readFileSync(join(dir, 'evil')), 'evil'),
    /^Error: unpickle: evil: refusing to load global posix\.system \(only numpy arrays and plain data are allowed\) at byte \d+$/,
  );
  assert.throws(() => readCifarPy(join(dir, 'floats')), { message: `readCifar10Python: ${join(dir, 'floats')}: b'data' has dtype >f4, expected uint8 (|u1)` });
  const trunc = readFileSync(join(dir, 'test_batch')).subarray(0, 5000);
  assert.throws(() => data.unpickle(trunc, 'cut'), /^Error: unpickle: cut: truncated pickle \(needs \d+ more bytes, \d+ left\) at byte \d+$/);
});

function readCifarPy(p: string) {
  return datasets.readCifar10Python([p]);
}

test('CIFAR10 validates its options', () => {
  assert.throws(() => new datasets.CIFAR10({ root: work, trian: true } as never), /^TypeError: CIFAR10: unknown option 'trian'/);
  assert.throws(() => new datasets.CIFAR10({ root: work, format: 'png' as never }), {
    message: "CIFAR10: expected 'binary' or 'python' for format but received 'png' of type string",
  });
  assert.throws(() => new datasets.CIFAR10({ root: work, transform: 3 as never }), /CIFAR10: expected a Transform or a function for transform but received 3/);
  assert.ok(statSync(work).isDirectory());
});

/**
 * A .tar.gz made by the tar package from a folder built by `make` (entries in `names` order),
 * then `hardLinks` ([path, target]) appended by hand: tar.c itself stalls on hard-linked files
 * (isaacs/node-tar#460).
 */
async function tarOf(name: string, make: (src: string) => void, names: string[], hardLinks: [string, string][] = []): Promise<string> {
  const src = join(work, `${name}-src`);
  mkdirSync(src, { recursive: true });
  make(src);
  const plain = join(work, `${name}.tar`);
  await tar.c({ file: plain, cwd: src }, names);
  let body = readFileSync(plain);
  let end = body.length;
  while (end > 0 && body[end - 1] === 0) end--;
  body = body.subarray(0, Math.ceil(end / 512) * 512); // drop the end-of-archive blocks (a header ends the last entry)
  const links = hardLinks.map(([path, linkpath]) => {
    const hb = Buffer.alloc(512);
    new tar.Header({ path, linkpath, type: 'Link', mode: 0o644, size: 0, mtime: new Date(0), uid: 0, gid: 0 }).encode(hb, 0);
    return hb;
  });
  const file = join(work, `${name}.tar.gz`);
  writeFileSync(file, gzipSync(Buffer.concat([body, ...links, Buffer.alloc(1024)])));
  return file;
}

/** Everything under dir (links not followed): 'path' for files, 'path/' for folders, 'path -> text' for links. */
function tree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel))
    .sort()
    .flatMap((n) => {
      const p = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(dir, p));
      if (st.isSymbolicLink()) return [`${p} -> ${readlinkSync(join(dir, p))}`];
      return st.isDirectory() ? [`${p}/`, ...tree(dir, p)] : [p];
    });
}

test('links that leave the folder only through other links (d/l -> .., up -> ../d/l/..) are refused, and the folder is left as it was', async () => {
  // d/l points at the archive's root (inside); up's text stays inside too when read alone, but
  // followed through d/l it is the root's parent.
  const file = await tarOf(
    'escape',
    (src) => {
      mkdirSync(join(src, 'd'));
      mkdirSync(join(src, 'cifar-10-batches-bin'));
      writeFileSync(join(src, 'cifar-10-batches-bin', 'batches.meta.txt'), 'airplane\n');
      symlinkSync('..', join(src, 'd', 'l'));
      symlinkSync('../d/l/..', join(src, 'cifar-10-batches-bin', 'up'));
    },
    ['d', 'cifar-10-batches-bin'],
  );
  const listed: string[] = [];
  await tar.t({ file, onReadEntry: (e) => void listed.push(`${e.type} ${e.path}${e.linkpath ? ` -> ${e.linkpath}` : ''}`) });
  assert.deepEqual(listed, [
    'Directory d/',
    'Directory cifar-10-batches-bin/',
    'SymbolicLink d/l -> ..',
    'File cifar-10-batches-bin/batches.meta.txt',
    'SymbolicLink cifar-10-batches-bin/up -> ../d/l/..',
  ]);
  const rejected = `extractArchive: ${file} was rejected: link 'cifar-10-batches-bin/up' -> '../d/l/..' points outside the extraction folder`;

  // extractArchive into a folder of the caller's: refused, the folder unchanged, nothing left next to it.
  const parent = join(work, 'escape-parent');
  const dest = join(parent, 'data');
  mkdirSync(join(dest, 'cifar-10-batches-bin'), { recursive: true });
  writeFileSync(join(dest, 'mine.txt'), 'mine');
  writeFileSync(join(dest, 'cifar-10-batches-bin', 'data_batch_1.bin'), 'old');
  const before = tree(dest);
  await assert.rejects(data.extractArchive(file, dest), { message: rejected });
  assert.deepEqual(tree(dest), before);
  assert.deepEqual(readdirSync(parent), ['data']);
  // A folder that did not exist is not created.
  await assert.rejects(data.extractArchive(file, join(parent, 'new')), { message: rejected });
  assert.deepEqual(readdirSync(parent), ['data']);

  // The download path: the data folder keeps its good copy, no link is installed.
  archives.escape = readFileSync(file);
  const root = join(work, 'root-escape');
  writeBinTree(root);
  const good = tree(root);
  await assert.rejects(data.downloadAndExtractArchive({ url: `${base}/escape.tar.gz`, root, progress: false }), (e: Error) =>
    /^downloadAndExtractArchive: .*escape\.tar\.gz was rejected: link 'cifar-10-batches-bin\/up' -> '\.\.\/d\/l\/\.\.' points outside the extraction folder$/.test(
      e.message,
    ),
  );
  assert.deepEqual(tree(root), good);
  assert.deepEqual(leftovers(root), []);
});

test('archives with links that stay inside still extract: into a new folder, or next to what a folder holds', async () => {
  const file = await tarOf(
    'inside',
    (src) => {
      writeBinTree(src);
      const d = join(src, 'cifar-10-batches-bin');
      symlinkSync('data_batch_1.bin', join(d, 'latest.bin'));
      symlinkSync('../cifar-10-batches-bin/./', join(d, 'self'));
      mkdirSync(join(src, 'd'));
      symlinkSync('..', join(src, 'd', 'l'));
    },
    ['cifar-10-batches-bin', 'd'],
    [['cifar-10-batches-bin/test_copy.bin', 'cifar-10-batches-bin/test_batch.bin']],
  );
  const expected = [
    'cifar-10-batches-bin/',
    'cifar-10-batches-bin/batches.meta.txt',
    'cifar-10-batches-bin/data_batch_1.bin',
    'cifar-10-batches-bin/data_batch_2.bin',
    'cifar-10-batches-bin/data_batch_3.bin',
    'cifar-10-batches-bin/data_batch_4.bin',
    'cifar-10-batches-bin/data_batch_5.bin',
    'cifar-10-batches-bin/latest.bin -> data_batch_1.bin',
    'cifar-10-batches-bin/self -> ../cifar-10-batches-bin/./',
    'cifar-10-batches-bin/test_batch.bin',
    'cifar-10-batches-bin/test_copy.bin',
    'd/',
    'd/l -> ..',
  ];
  const parent = join(work, 'inside-parent');
  const fresh = join(parent, 'fresh');
  await data.extractArchive(file, fresh);
  assert.deepEqual(tree(fresh), expected);
  assert.deepEqual(readFileSync(join(fresh, 'd', 'l', 'cifar-10-batches-bin', 'self', 'latest.bin')), Buffer.from(trainFiles[0]));
  assert.deepEqual(readFileSync(join(fresh, 'cifar-10-batches-bin', 'test_copy.bin')), Buffer.from(testFile));
  assert.equal(lstatSync(join(fresh, 'cifar-10-batches-bin', 'test_copy.bin')).nlink, 2);
  assert.equal(new datasets.CIFAR10({ root: fresh }).len(), 5 * PER);
  // Into a folder holding other things: they stay; an entry of the same name is replaced whole.
  const full = join(parent, 'full');
  mkdirSync(join(full, 'cifar-10-batches-bin'), { recursive: true });
  writeFileSync(join(full, 'cifar-10-batches-bin', 'stale.bin'), 'stale');
  writeFileSync(join(full, 'notes.txt'), 'mine');
  await data.extractArchive(file, full);
  assert.deepEqual(tree(full), [...expected, 'notes.txt']);
  assert.deepEqual(readdirSync(parent).sort(), ['fresh', 'full']);
  // The plain CIFAR archive, as before.
  const plain = join(parent, 'plain');
  await data.extractArchive(join(work, 'good.tar.gz'), plain);
  assert.deepEqual(snapshot(plain), snapshot(join(work, 'src')));
  await assert.rejects(data.extractArchive(join(work, 'good.tar.gz'), join(plain, 'cifar-10-batches-bin', 'batches.meta.txt')), {
    message: `extractArchive: ${join(work, 'good.tar.gz')} cannot be extracted into ${join(plain, 'cifar-10-batches-bin', 'batches.meta.txt')}: it is not a folder`,
  });
});

test('the safe unpickler reads large dicts and ints in time linear in their size', () => {
  // A dict of 100k int keys through one SETITEMS (a key lookup per entry scanned them all), then
  // a 200 kB LONG4 (a shift per byte).
  const n = 100_000;
  const items = Buffer.alloc(6 * n);
  for (let i = 0; i < n; i++) {
    items[6 * i] = 0x4a; // BININT
    items.writeInt32LE(i, 6 * i + 1);
    items[6 * i + 5] = 0x4e; // NONE
  }
  let t0 = performance.now();
  const d = data.unpickle(Buffer.concat([Buffer.from([0x80, 2, 0x7d, 0x28]), items, Buffer.from([0x75, 0x2e])]), 'bigdict') as data.PyDict;
  assert.ok(performance.now() - t0 < 5000, `a ${n}-key dict took ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(d.entries.length, n);
  assert.equal(d.has('99999'), true);
  assert.equal(d.get('99999'), null);
  const k = 200_000;
  const long = Buffer.alloc(k, 0x11);
  long[k - 1] = 0x01;
  const head = Buffer.from([0x80, 2, 0x8b, 0, 0, 0, 0]);
  head.writeUInt32LE(k, 3);
  t0 = performance.now();
  const big = data.unpickle(Buffer.concat([head, long, Buffer.from([0x2e])]), 'bigint') as bigint;
  assert.ok(performance.now() - t0 < 5000, `a ${k}-byte int took ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(big & 0xffn, 0x11n);
  assert.equal(big >> BigInt(8 * (k - 1)), 1n);
  assert.equal(data.unpickle(Buffer.from([0x80, 2, 0x8a, 2, 0x00, 0x80, 0x2e])), -32768);
  // Later values of a key replace earlier ones, keys compared by their text (b'k' and 'k' alike).
  const dup = data.unpickle(Buffer.from([0x80, 2, 0x7d, 0x28, 0x8c, 1, 0x6b, 0x4b, 1, 0x43, 1, 0x6b, 0x4b, 2, 0x75, 0x2e])) as data.PyDict;
  assert.deepEqual([dup.entries.length, dup.get('k'), dup.keys()], [1, 2, ['k']]);
});
