/**
 * torchnode.nn: modules, layers, losses, functional forms, initialisers and utilities with
 * PyTorch's names and numbers. `import { nn } from 'torchnode'`; `nn.functional` is also `nn.F`.
 */
export { Module, type IncompatibleKeys, type StateDict } from './module.js';
export { Parameter, parameter, isParameter } from './parameter.js';
export {
  Linear,
  Conv2d,
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  BatchNorm,
  BatchNorm1d,
  BatchNorm2d,
  Dropout,
  Flatten,
  Identity,
  ReLU,
  LeakyReLU,
  Sigmoid,
  Tanh,
  Softmax,
  LogSoftmax,
  Embedding,
  type FactoryOptions,
  type LinearOptions,
  type Conv2dOptions,
  type MaxPool2dOptions,
  type AvgPool2dOptions,
  type BatchNormOptions,
  type EmbeddingOptions,
  type IntOrPair,
} from './layers.js';
export { Sequential, ModuleList, ModuleDict } from './container.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss } from './loss.js';
export type { Reduction } from './common.js';
export * as functional from './functional.js';
export * as F from './functional.js';
export * as init from './init.js';
export * as utils from './utils.js';
