/**
 * `torch.utils.data` (datasets, samplers, DataLoader), `torchvision.transforms` (as `transforms`),
 * `torchvision.datasets` (as `datasets`), `torchvision.utils` (as `utils`: makeGrid, saveImage),
 * `.npy` files (as `npy`) and download helpers.
 */
export { Dataset, TensorDataset, Subset, ConcatDataset, randomSplit, hasBatchGather } from './dataset.js';
export type { Sample, BatchGather } from './dataset.js';
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler, drawSeed } from './sampler.js';
export type { RandomSamplerOptions, SizedSource } from './sampler.js';
export { DataLoader, defaultCollate } from './dataloader.js';
export type { DataLoaderOptions } from './dataloader.js';
export { getWorkerInfo, WorkerTransferError } from './worker_transfer.js';
export type { WorkerInfo, WorkerSpec } from './worker_transfer.js';
export * as transforms from './transforms.js';
export * as datasets from './datasets.js';
export * as utils from './vision_utils.js';
export * as npy from './npy.js';
export { unpickle, PyDict, PyBytes, NdArray, NpDtype, type UnpickleOptions } from './pickle.js';
export { downloadUrl, downloadAndExtractArchive, extractArchive, md5File } from './download.js';
export type { DownloadOptions, DownloadExtractOptions } from './download.js';
