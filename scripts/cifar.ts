/**
 * `load_cifar10` of Appendices 3–5, and where the images come from (`--data`).
 *
 *     transform = Compose([ToTensor(), Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))])
 *     full_trainset = CIFAR10(root, train=True, download=True, transform=transform)
 *     testset = CIFAR10(root, train=False, download=True, transform=transform)
 *     val_count = int(0.1 * len(full_trainset));  train_count = len - val_count
 *     train_subset, val_subset = random_split(full_trainset, [train_count, val_count],
 *                                             generator=torch.Generator().manual_seed(42))
 *     DataLoader(train_subset, batch_size=50, shuffle=True,  drop_last=False)
 *     DataLoader(val_subset,   batch_size=50, shuffle=False, drop_last=False)
 *     DataLoader(testset,      batch_size=50, shuffle=False, drop_last=False)
 *
 * `loadCifar10` is that code, line for line, on lib/data (`torch.datasets.CIFAR10`,
 * `torch.data.randomSplit`, `torch.data.DataLoader`, `torch.data.transforms`), which consumes
 * the default generator exactly as PyTorch 1.13 does (test 62 checks the records bit for bit).
 *
 * `--data auto`: CIFAR-10 under ./data if present (cifar-10-batches-bin or cifar-10-batches-py),
 * else a download attempt, else Fashion-MNIST from Debian's dataset-fashion-mnist package,
 * padded to 32×32 and repeated to 3 channels, announced loudly on stderr. `--data DIR` reads
 * CIFAR-10 from DIR (the folder holding cifar-10-batches-bin/-py, or that folder itself).
 * Results record `DataInfo`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import * as torch from '../lib/index.js';
import { type Tensor, tidy, Generator } from '../lib/index.js';
import { DataLoader, randomSplit, transforms, type Dataset, type Sample } from '../lib/data/index.js';
import { CIFAR10, FashionMNIST, DEBIAN_FASHION_MNIST, downloadCifar10, findCifar10, type VisionDataset } from '../lib/data/datasets.js';
import type { BatchLoader } from './train.js';

/** Appendix 3's Normalize arguments. */
export const CIFAR_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR_STD = [0.247, 0.243, 0.261] as const;
/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DIR = DEBIAN_FASHION_MNIST;

/** Which images a run used (stored in every results file). */
export interface DataInfo {
  kind: 'cifar10' | 'fashion-mnist';
  path: string;
  nTrain: number;
  nVal: number;
  nTest: number;
  note?: string;
}

/** The three loaders of load_cifar10 and what they read. */
export interface Cifar10Loaders {
  trainLoader: BatchLoader;
  valLoader: BatchLoader;
  testLoader: BatchLoader;
  data: DataInfo;
}

/**
 * The root to give CIFAR10 for `dir`: `dir` itself when it holds cifar-10-batches-bin/-py, its
 * parent when `dir` is such a folder; null when neither holds a complete copy.
 */
export function findCifar10Root(dir: string): string | null {
  for (const root of [dir, dirname(dir)]) {
    if (root !== dir && !/^cifar-10-batches-(bin|py)$/.test(basename(dir))) continue;
    if (findCifar10(root, 'binary') || findCifar10(root, 'python')) return root;
  }
  return null;
}

/**
 * Writes a small generated data set in cifar-10-batches-bin format under `root` (as
 * tools/golden/part3_parity.py does): a Generator seeded with `seed` draws class prototypes
 * randint(0, 12, [10, 3072]), then per split labels randint(0, 10, [n]) and noise
 * randint(0, 244, [n, 3072]); image = prototype[label] + noise. Returns each file's sha256.
 */
export function writeSyntheticCifar10(root: string, opts: { seed?: number; nTrain?: number; nTest?: number } = {}): Record<string, string> {
  const seed = opts.seed ?? 2024,
    nTrain = opts.nTrain ?? 1000,
    nTest = opts.nTest ?? 200;
  if (!(Number.isInteger(nTrain) && nTrain > 0 && nTrain % 5 === 0))
    throw new TypeError(`writeSyntheticCifar10: expected a positive multiple of 5 for nTrain but received ${String(nTrain)}`);
  if (!(Number.isInteger(nTest) && nTest > 0)) throw new TypeError(`writeSyntheticCifar10: expected positive integer for nTest but received ${String(nTest)}`);
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  const digests: Record<string, string> = {};
  tidy(() => {
    const g = new Generator().manualSeed(seed);
    const proto = torch.randint(0, 12, [10, 3072], { generator: g });
    const make = (n: number): Uint8Array => {
      const labels = torch.randint(0, 10, [n], { generator: g });
      const noise = torch.randint(0, 244, [n, 3072], { generator: g });
      const images = proto.indexSelect(0, labels).add(noise);
      return torch
        .cat([labels.view(n, 1), images], 1)
        .to('uint8')
        .dataSync() as Uint8Array;
    };
    const train = make(nTrain),
      test = make(nTest);
    const per = nTrain / 5;
    const files: [string, Uint8Array][] = [1, 2, 3, 4, 5].map((i) => [`data_batch_${i}.bin`, train.subarray((i - 1) * per * 3073, i * per * 3073)]);
    files.push(['test_batch.bin', test]);
    for (const [name, bytes] of files) {
      writeFileSync(join(dir, name), bytes);
      digests[name] = createHash('sha256').update(bytes).digest('hex');
    }
  });
  writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
  return digests;
}

function shout(log: (s: string) => void, lines: string[]): void {
  const bar = '!'.repeat(78);
  log([bar, ...lines.map((l) => `!! ${l}`), bar].join('\n'));
}

/** Options of loadCifar10. */
export interface LoadOptions {
  /** 'auto' (default), or a folder holding CIFAR-10 (binary or python version). */
  data?: string;
  /** Folder searched and downloaded into by 'auto' (default ./data). */
  root?: string;
  batchSize?: number;
  /** Where the fallback is announced (default stderr). */
  log?: (s: string) => void;
  /** Download timeout for 'auto' (default 20 s); 0 skips the download attempt. */
  downloadTimeoutMs?: number;
}

/**
 * Fashion-MNIST in CIFAR-10's shape: ToTensor gives [1, 28, 28] in [0, 1]; zero padding (a
 * black border, 0 before and after ToTensor) to 32×32 and the channel repeated 3 times, then
 * CIFAR-10's Normalize, so the five architectures run unchanged.
 */
const toCifarShape = new transforms.Lambda((x: Tensor) => tidy(() => torch.nn.F.pad(x, [2, 2, 2, 2]).repeat([1, 3, 1, 1])), { batched: true });

/** Appendices 3–5's `load_cifar10(batch_size=50)`, with `--data` resolution (see the file comment). */
export async function loadCifar10(opts: LoadOptions = {}): Promise<Cifar10Loaders> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const batchSize = opts.batchSize ?? 50;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new TypeError(`loadCifar10: expected positive integer for batchSize but received ${String(batchSize)}`);
  const data = opts.data ?? 'auto';
  if (typeof data !== 'string' || data === '') throw new TypeError(`loadCifar10: expected 'auto' or a folder for data but received ${JSON.stringify(data)}`);
  const timeoutMs = opts.downloadTimeoutMs ?? 20000;

  let root: string | null;
  if (data !== 'auto') {
    root = findCifar10Root(resolve(data));
    if (root === null)
      throw new Error(
        `--data ${data}: no complete CIFAR-10 (cifar-10-batches-bin with data_batch_1.bin … test_batch.bin, or cifar-10-batches-py) in ${resolve(data)}`,
      );
  } else {
    root = resolve(opts.root ?? 'data');
    if (findCifar10Root(root) === null && timeoutMs > 0) {
      try {
        log(`CIFAR-10 is not in ${root}: downloading it …`);
        await downloadCifar10({ root, timeoutMs });
      } catch (e) {
        log(`Download failed: ${(e as Error).message}`);
      }
    }
    if (findCifar10Root(root) === null) root = null;
  }

  let fullTrainset: VisionDataset, testset: VisionDataset, info: Omit<DataInfo, 'nTrain' | 'nVal' | 'nTest'>;
  if (root !== null) {
    const transform = new transforms.Compose([new transforms.ToTensor(), new transforms.Normalize([...CIFAR_MEAN], [...CIFAR_STD])]);
    fullTrainset = await CIFAR10.create({ root, train: true, download: true, transform });
    testset = await CIFAR10.create({ root, train: false, download: true, transform });
    info = { kind: 'cifar10', path: (fullTrainset as CIFAR10).folder };
  } else {
    const auto = resolve(opts.root ?? 'data');
    let fm: { train: FashionMNIST; test: FashionMNIST };
    const transform = new transforms.Compose([new transforms.ToTensor(), toCifarShape, new transforms.Normalize([...CIFAR_MEAN], [...CIFAR_STD])]);
    try {
      fm = {
        train: new FashionMNIST({ root: FASHION_MNIST_DIR, train: true, transform }),
        test: new FashionMNIST({ root: FASHION_MNIST_DIR, train: false, transform }),
      };
    } catch (e) {
      throw new Error(
        `--data auto: no CIFAR-10 in ${auto}, the download failed, and Fashion-MNIST could not be read (${(e as Error).message}; apt-get install dataset-fashion-mnist)`,
      );
    }
    shout(log, [
      `CIFAR-10 NOT FOUND in ${auto} and the download failed.`,
      `FALLING BACK TO FASHION-MNIST (${FASHION_MNIST_DIR}): 28x28 greyscale zero-padded to 32x32,`,
      'repeated to 3 channels, normalised with the CIFAR-10 transform. Accuracies are NOT comparable',
      "with the homework's CIFAR-10 numbers. Put CIFAR-10 (binary or python version) in ./data or pass --data DIR.",
    ]);
    fullTrainset = fm.train;
    testset = fm.test;
    info = { kind: 'fashion-mnist', path: fm.train.folder, note: 'fallback: CIFAR-10 unavailable; padded to 32x32, 3 channels, CIFAR normalisation' };
  }

  const valCount = Math.floor(0.1 * fullTrainset.len());
  const trainCount = fullTrainset.len() - valCount;
  const [trainSubset, valSubset] = randomSplit(fullTrainset, [trainCount, valCount], new Generator().manualSeed(42));
  const trainLoader = new DataLoader<[Tensor, Tensor]>(trainSubset as Dataset<Sample>, { batchSize, shuffle: true, dropLast: false });
  const valLoader = new DataLoader<[Tensor, Tensor]>(valSubset as Dataset<Sample>, { batchSize, shuffle: false, dropLast: false });
  const testLoader = new DataLoader<[Tensor, Tensor]>(testset, { batchSize, shuffle: false, dropLast: false });
  return { trainLoader, valLoader, testLoader, data: { ...info, nTrain: trainCount, nVal: valCount, nTest: testset.len() } };
}
