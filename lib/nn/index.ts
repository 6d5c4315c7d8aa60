/**
 * torchnode.nn: modules, layers, losses, functional forms, initialisers and utilities with
 * PyTorch's names and numbers. `import { nn } from 'torchnode'`; `nn.functional` is also `nn.F`.
 */
export {
  Module,
  RemovableHandle,
  type IncompatibleKeys,
  type StateDict,
  type ForwardPreHook,
  type ForwardHook,
  type BackwardHook,
  type NamedMembersOptions,
} from './module.js';
export { Parameter, parameter, isParameter } from './parameter.js';
export * from './modules/index.js';
export type { FactoryOptions } from './common.js';
export type { Reduction } from './common.js';
export * as functional from './functional/index.js';
export * as F from './functional/index.js';
export * as init from './init.js';
export * as utils from './utils/index.js';
