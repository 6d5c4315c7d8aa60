/** Function forms of Tensor methods: `torch.add(a, b)` is `a.add(b)`. */
import { Tensor, h } from './tensor.js';

function self(t: unknown): Tensor {
  h(t, 'input');
  return t as Tensor;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function call(t: unknown, name: keyof Tensor, args: unknown[]): any {
  return (self(t)[name] as (...a: unknown[]) => unknown).apply(t, args);
}

export const add = (input: Tensor, ...args: Parameters<Tensor['add']>): ReturnType<Tensor['add']> => call(input, 'add', args);
export const sub = (input: Tensor, ...args: Parameters<Tensor['sub']>): ReturnType<Tensor['sub']> => call(input, 'sub', args);
export const mul = (input: Tensor, ...args: Parameters<Tensor['mul']>): ReturnType<Tensor['mul']> => call(input, 'mul', args);
export const div = (input: Tensor, ...args: Parameters<Tensor['div']>): ReturnType<Tensor['div']> => call(input, 'div', args);
export const pow = (input: Tensor, ...args: Parameters<Tensor['pow']>): ReturnType<Tensor['pow']> => call(input, 'pow', args);
export const remainder = (input: Tensor, ...args: Parameters<Tensor['remainder']>): ReturnType<Tensor['remainder']> => call(input, 'remainder', args);
export const fmod = (input: Tensor, ...args: Parameters<Tensor['fmod']>): ReturnType<Tensor['fmod']> => call(input, 'fmod', args);
export const maximum = (input: Tensor, ...args: Parameters<Tensor['maximum']>): ReturnType<Tensor['maximum']> => call(input, 'maximum', args);
export const minimum = (input: Tensor, ...args: Parameters<Tensor['minimum']>): ReturnType<Tensor['minimum']> => call(input, 'minimum', args);
export const atan2 = (input: Tensor, ...args: Parameters<Tensor['atan2']>): ReturnType<Tensor['atan2']> => call(input, 'atan2', args);
export const lerp = (input: Tensor, ...args: Parameters<Tensor['lerp']>): ReturnType<Tensor['lerp']> => call(input, 'lerp', args);
export const addcmul = (input: Tensor, ...args: Parameters<Tensor['addcmul']>): ReturnType<Tensor['addcmul']> => call(input, 'addcmul', args);
export const addcdiv = (input: Tensor, ...args: Parameters<Tensor['addcdiv']>): ReturnType<Tensor['addcdiv']> => call(input, 'addcdiv', args);
export const neg = (input: Tensor, ...args: Parameters<Tensor['neg']>): ReturnType<Tensor['neg']> => call(input, 'neg', args);
export const abs = (input: Tensor, ...args: Parameters<Tensor['abs']>): ReturnType<Tensor['abs']> => call(input, 'abs', args);
export const exp = (input: Tensor, ...args: Parameters<Tensor['exp']>): ReturnType<Tensor['exp']> => call(input, 'exp', args);
export const exp2 = (input: Tensor, ...args: Parameters<Tensor['exp2']>): ReturnType<Tensor['exp2']> => call(input, 'exp2', args);
export const expm1 = (input: Tensor, ...args: Parameters<Tensor['expm1']>): ReturnType<Tensor['expm1']> => call(input, 'expm1', args);
export const log = (input: Tensor, ...args: Parameters<Tensor['log']>): ReturnType<Tensor['log']> => call(input, 'log', args);
export const log2 = (input: Tensor, ...args: Parameters<Tensor['log2']>): ReturnType<Tensor['log2']> => call(input, 'log2', args);
export const log10 = (input: Tensor, ...args: Parameters<Tensor['log10']>): ReturnType<Tensor['log10']> => call(input, 'log10', args);
export const log1p = (input: Tensor, ...args: Parameters<Tensor['log1p']>): ReturnType<Tensor['log1p']> => call(input, 'log1p', args);
export const sqrt = (input: Tensor, ...args: Parameters<Tensor['sqrt']>): ReturnType<Tensor['sqrt']> => call(input, 'sqrt', args);
export const rsqrt = (input: Tensor, ...args: Parameters<Tensor['rsqrt']>): ReturnType<Tensor['rsqrt']> => call(input, 'rsqrt', args);
export const sin = (input: Tensor, ...args: Parameters<Tensor['sin']>): ReturnType<Tensor['sin']> => call(input, 'sin', args);
export const cos = (input: Tensor, ...args: Parameters<Tensor['cos']>): ReturnType<Tensor['cos']> => call(input, 'cos', args);
export const tan = (input: Tensor, ...args: Parameters<Tensor['tan']>): ReturnType<Tensor['tan']> => call(input, 'tan', args);
export const asin = (input: Tensor, ...args: Parameters<Tensor['asin']>): ReturnType<Tensor['asin']> => call(input, 'asin', args);
export const acos = (input: Tensor, ...args: Parameters<Tensor['acos']>): ReturnType<Tensor['acos']> => call(input, 'acos', args);
export const atan = (input: Tensor, ...args: Parameters<Tensor['atan']>): ReturnType<Tensor['atan']> => call(input, 'atan', args);
export const sinh = (input: Tensor, ...args: Parameters<Tensor['sinh']>): ReturnType<Tensor['sinh']> => call(input, 'sinh', args);
export const cosh = (input: Tensor, ...args: Parameters<Tensor['cosh']>): ReturnType<Tensor['cosh']> => call(input, 'cosh', args);
export const tanh = (input: Tensor, ...args: Parameters<Tensor['tanh']>): ReturnType<Tensor['tanh']> => call(input, 'tanh', args);
export const sigmoid = (input: Tensor, ...args: Parameters<Tensor['sigmoid']>): ReturnType<Tensor['sigmoid']> => call(input, 'sigmoid', args);
export const relu = (input: Tensor, ...args: Parameters<Tensor['relu']>): ReturnType<Tensor['relu']> => call(input, 'relu', args);
export const floor = (input: Tensor, ...args: Parameters<Tensor['floor']>): ReturnType<Tensor['floor']> => call(input, 'floor', args);
export const ceil = (input: Tensor, ...args: Parameters<Tensor['ceil']>): ReturnType<Tensor['ceil']> => call(input, 'ceil', args);
export const round = (input: Tensor, ...args: Parameters<Tensor['round']>): ReturnType<Tensor['round']> => call(input, 'round', args);
export const trunc = (input: Tensor, ...args: Parameters<Tensor['trunc']>): ReturnType<Tensor['trunc']> => call(input, 'trunc', args);
export const frac = (input: Tensor, ...args: Parameters<Tensor['frac']>): ReturnType<Tensor['frac']> => call(input, 'frac', args);
export const sign = (input: Tensor, ...args: Parameters<Tensor['sign']>): ReturnType<Tensor['sign']> => call(input, 'sign', args);
export const reciprocal = (input: Tensor, ...args: Parameters<Tensor['reciprocal']>): ReturnType<Tensor['reciprocal']> => call(input, 'reciprocal', args);
export const erf = (input: Tensor, ...args: Parameters<Tensor['erf']>): ReturnType<Tensor['erf']> => call(input, 'erf', args);
export const erfinv = (input: Tensor, ...args: Parameters<Tensor['erfinv']>): ReturnType<Tensor['erfinv']> => call(input, 'erfinv', args);
export const square = (input: Tensor, ...args: Parameters<Tensor['square']>): ReturnType<Tensor['square']> => call(input, 'square', args);
export const isnan = (input: Tensor, ...args: Parameters<Tensor['isnan']>): ReturnType<Tensor['isnan']> => call(input, 'isnan', args);
export const isinf = (input: Tensor, ...args: Parameters<Tensor['isinf']>): ReturnType<Tensor['isinf']> => call(input, 'isinf', args);
export const isfinite = (input: Tensor, ...args: Parameters<Tensor['isfinite']>): ReturnType<Tensor['isfinite']> => call(input, 'isfinite', args);
export const signbit = (input: Tensor, ...args: Parameters<Tensor['signbit']>): ReturnType<Tensor['signbit']> => call(input, 'signbit', args);
export const matmul = (input: Tensor, ...args: Parameters<Tensor['matmul']>): ReturnType<Tensor['matmul']> => call(input, 'matmul', args);
export const mm = (input: Tensor, ...args: Parameters<Tensor['mm']>): ReturnType<Tensor['mm']> => call(input, 'mm', args);
export const bmm = (input: Tensor, ...args: Parameters<Tensor['bmm']>): ReturnType<Tensor['bmm']> => call(input, 'bmm', args);
export const mv = (input: Tensor, ...args: Parameters<Tensor['mv']>): ReturnType<Tensor['mv']> => call(input, 'mv', args);
export const dot = (input: Tensor, ...args: Parameters<Tensor['dot']>): ReturnType<Tensor['dot']> => call(input, 'dot', args);
export const outer = (input: Tensor, ...args: Parameters<Tensor['outer']>): ReturnType<Tensor['outer']> => call(input, 'outer', args);
export const t = (input: Tensor, ...args: Parameters<Tensor['t']>): ReturnType<Tensor['t']> => call(input, 't', args);
export const tril = (input: Tensor, ...args: Parameters<Tensor['tril']>): ReturnType<Tensor['tril']> => call(input, 'tril', args);
export const triu = (input: Tensor, ...args: Parameters<Tensor['triu']>): ReturnType<Tensor['triu']> => call(input, 'triu', args);
export const diag = (input: Tensor, ...args: Parameters<Tensor['diag']>): ReturnType<Tensor['diag']> => call(input, 'diag', args);
export const trace = (input: Tensor, ...args: Parameters<Tensor['trace']>): ReturnType<Tensor['trace']> => call(input, 'trace', args);
export const eq = (input: Tensor, ...args: Parameters<Tensor['eq']>): ReturnType<Tensor['eq']> => call(input, 'eq', args);
export const ne = (input: Tensor, ...args: Parameters<Tensor['ne']>): ReturnType<Tensor['ne']> => call(input, 'ne', args);
export const lt = (input: Tensor, ...args: Parameters<Tensor['lt']>): ReturnType<Tensor['lt']> => call(input, 'lt', args);
export const le = (input: Tensor, ...args: Parameters<Tensor['le']>): ReturnType<Tensor['le']> => call(input, 'le', args);
export const gt = (input: Tensor, ...args: Parameters<Tensor['gt']>): ReturnType<Tensor['gt']> => call(input, 'gt', args);
export const ge = (input: Tensor, ...args: Parameters<Tensor['ge']>): ReturnType<Tensor['ge']> => call(input, 'ge', args);
export const equal = (input: Tensor, ...args: Parameters<Tensor['equal']>): ReturnType<Tensor['equal']> => call(input, 'equal', args);
export const allclose = (input: Tensor, ...args: Parameters<Tensor['allclose']>): ReturnType<Tensor['allclose']> => call(input, 'allclose', args);
export const isclose = (input: Tensor, ...args: Parameters<Tensor['isclose']>): ReturnType<Tensor['isclose']> => call(input, 'isclose', args);
export const logicalAnd = (input: Tensor, ...args: Parameters<Tensor['logicalAnd']>): ReturnType<Tensor['logicalAnd']> => call(input, 'logicalAnd', args);
export const logicalOr = (input: Tensor, ...args: Parameters<Tensor['logicalOr']>): ReturnType<Tensor['logicalOr']> => call(input, 'logicalOr', args);
export const logicalXor = (input: Tensor, ...args: Parameters<Tensor['logicalXor']>): ReturnType<Tensor['logicalXor']> => call(input, 'logicalXor', args);
export const logicalNot = (input: Tensor, ...args: Parameters<Tensor['logicalNot']>): ReturnType<Tensor['logicalNot']> => call(input, 'logicalNot', args);
export const maskedFill = (input: Tensor, ...args: Parameters<Tensor['maskedFill']>): ReturnType<Tensor['maskedFill']> => call(input, 'maskedFill', args);
export const maskedSelect = (input: Tensor, ...args: Parameters<Tensor['maskedSelect']>): ReturnType<Tensor['maskedSelect']> => call(input, 'maskedSelect', args);
export const sum = (input: Tensor, ...args: Parameters<Tensor['sum']>): ReturnType<Tensor['sum']> => call(input, 'sum', args);
export const mean = (input: Tensor, ...args: Parameters<Tensor['mean']>): ReturnType<Tensor['mean']> => call(input, 'mean', args);
export const prod = (input: Tensor, ...args: Parameters<Tensor['prod']>): ReturnType<Tensor['prod']> => call(input, 'prod', args);
export const amax = (input: Tensor, ...args: Parameters<Tensor['amax']>): ReturnType<Tensor['amax']> => call(input, 'amax', args);
export const amin = (input: Tensor, ...args: Parameters<Tensor['amin']>): ReturnType<Tensor['amin']> => call(input, 'amin', args);
export const argmax = (input: Tensor, ...args: Parameters<Tensor['argmax']>): ReturnType<Tensor['argmax']> => call(input, 'argmax', args);
export const argmin = (input: Tensor, ...args: Parameters<Tensor['argmin']>): ReturnType<Tensor['argmin']> => call(input, 'argmin', args);
export const std = (input: Tensor, ...args: Parameters<Tensor['std']>): ReturnType<Tensor['std']> => call(input, 'std', args);
const var_ = (input: Tensor, ...args: Parameters<Tensor['var']>): ReturnType<Tensor['var']> => call(input, 'var', args);
export { var_ as var };
export const norm = (input: Tensor, ...args: Parameters<Tensor['norm']>): ReturnType<Tensor['norm']> => call(input, 'norm', args);
export const all = (input: Tensor, ...args: Parameters<Tensor['all']>): ReturnType<Tensor['all']> => call(input, 'all', args);
export const any = (input: Tensor, ...args: Parameters<Tensor['any']>): ReturnType<Tensor['any']> => call(input, 'any', args);
export const cumsum = (input: Tensor, ...args: Parameters<Tensor['cumsum']>): ReturnType<Tensor['cumsum']> => call(input, 'cumsum', args);
export const cumprod = (input: Tensor, ...args: Parameters<Tensor['cumprod']>): ReturnType<Tensor['cumprod']> => call(input, 'cumprod', args);
export const logsumexp = (input: Tensor, ...args: Parameters<Tensor['logsumexp']>): ReturnType<Tensor['logsumexp']> => call(input, 'logsumexp', args);
export const softmax = (input: Tensor, ...args: Parameters<Tensor['softmax']>): ReturnType<Tensor['softmax']> => call(input, 'softmax', args);
export const logSoftmax = (input: Tensor, ...args: Parameters<Tensor['logSoftmax']>): ReturnType<Tensor['logSoftmax']> => call(input, 'logSoftmax', args);
export const sort = (input: Tensor, ...args: Parameters<Tensor['sort']>): ReturnType<Tensor['sort']> => call(input, 'sort', args);
export const argsort = (input: Tensor, ...args: Parameters<Tensor['argsort']>): ReturnType<Tensor['argsort']> => call(input, 'argsort', args);
export const topk = (input: Tensor, ...args: Parameters<Tensor['topk']>): ReturnType<Tensor['topk']> => call(input, 'topk', args);
export const reshape = (input: Tensor, ...args: Parameters<Tensor['reshape']>): ReturnType<Tensor['reshape']> => call(input, 'reshape', args);
export const flatten = (input: Tensor, ...args: Parameters<Tensor['flatten']>): ReturnType<Tensor['flatten']> => call(input, 'flatten', args);
export const transpose = (input: Tensor, ...args: Parameters<Tensor['transpose']>): ReturnType<Tensor['transpose']> => call(input, 'transpose', args);
export const squeeze = (input: Tensor, ...args: Parameters<Tensor['squeeze']>): ReturnType<Tensor['squeeze']> => call(input, 'squeeze', args);
export const unsqueeze = (input: Tensor, ...args: Parameters<Tensor['unsqueeze']>): ReturnType<Tensor['unsqueeze']> => call(input, 'unsqueeze', args);
export const narrow = (input: Tensor, ...args: Parameters<Tensor['narrow']>): ReturnType<Tensor['narrow']> => call(input, 'narrow', args);
export const select = (input: Tensor, ...args: Parameters<Tensor['select']>): ReturnType<Tensor['select']> => call(input, 'select', args);
export const flip = (input: Tensor, ...args: Parameters<Tensor['flip']>): ReturnType<Tensor['flip']> => call(input, 'flip', args);
export const roll = (input: Tensor, ...args: Parameters<Tensor['roll']>): ReturnType<Tensor['roll']> => call(input, 'roll', args);
export const unbind = (input: Tensor, ...args: Parameters<Tensor['unbind']>): ReturnType<Tensor['unbind']> => call(input, 'unbind', args);
export const split = (input: Tensor, ...args: Parameters<Tensor['split']>): ReturnType<Tensor['split']> => call(input, 'split', args);
export const chunk = (input: Tensor, ...args: Parameters<Tensor['chunk']>): ReturnType<Tensor['chunk']> => call(input, 'chunk', args);
export const gather = (input: Tensor, ...args: Parameters<Tensor['gather']>): ReturnType<Tensor['gather']> => call(input, 'gather', args);
export const scatter = (input: Tensor, ...args: Parameters<Tensor['scatter']>): ReturnType<Tensor['scatter']> => call(input, 'scatter', args);
export const scatterAdd = (input: Tensor, ...args: Parameters<Tensor['scatterAdd']>): ReturnType<Tensor['scatterAdd']> => call(input, 'scatterAdd', args);
export const indexSelect = (input: Tensor, ...args: Parameters<Tensor['indexSelect']>): ReturnType<Tensor['indexSelect']> => call(input, 'indexSelect', args);
export const nonzero = (input: Tensor, ...args: Parameters<Tensor['nonzero']>): ReturnType<Tensor['nonzero']> => call(input, 'nonzero', args);
export const clone = (input: Tensor, ...args: Parameters<Tensor['clone']>): ReturnType<Tensor['clone']> => call(input, 'clone', args);
export const detach = (input: Tensor, ...args: Parameters<Tensor['detach']>): ReturnType<Tensor['detach']> => call(input, 'detach', args);

export function max(input: Tensor): Tensor;
export function max(input: Tensor, dim: number, opts?: { keepdim?: boolean }): ReturnType<Tensor['sort']>;
export function max(input: Tensor, other: Tensor): Tensor;
export function max(input: Tensor, dim?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | ReturnType<Tensor['sort']> {
  return (self(input).max as (d?: number | Tensor, o?: { keepdim?: boolean }) => Tensor)(dim, opts);
}
export function min(input: Tensor): Tensor;
export function min(input: Tensor, dim: number, opts?: { keepdim?: boolean }): ReturnType<Tensor['sort']>;
export function min(input: Tensor, other: Tensor): Tensor;
export function min(input: Tensor, dim?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | ReturnType<Tensor['sort']> {
  return (self(input).min as (d?: number | Tensor, o?: { keepdim?: boolean }) => Tensor)(dim, opts);
}
export function clamp(input: Tensor, min?: number | null, max?: number | null): Tensor {
  return self(input).clamp(min, max);
}
export const clip = clamp;
export function permute(input: Tensor, dims: number[]): Tensor {
  return self(input).permute(dims);
}
export function view(input: Tensor, shape: number[]): Tensor {
  return self(input).view(shape);
}
