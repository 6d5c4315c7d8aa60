/** `torchvision.datasets`: the image datasets. */
export { CIFAR10, CIFAR10_CLASSES, CIFAR10_RESOURCES, downloadCifar10, readCifar10Binary, readCifar10Python, findCifar10 } from './cifar10.js';
export type { Cifar10Options, Cifar10Format, DownloadCifar10Options } from './cifar10.js';
export { MNIST, FashionMNIST, readIdx, DEBIAN_FASHION_MNIST } from './mnist.js';
export type { MnistOptions } from './mnist.js';
export { VisionDataset } from './vision.js';
export type { VisionOptions } from './vision.js';
export { CIFAR100, CIFAR100_RESOURCES, readCifar100Python } from './cifar100.js';
export type { Cifar100Options } from './cifar100.js';
export { ImageFolder, IMG_EXTENSIONS, findClasses, makeDataset, defaultLoader } from './image_folder.js';
export type { ImageFolderOptions } from './image_folder.js';
export { decodePngRgb } from './png.js';
