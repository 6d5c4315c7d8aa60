/** Function forms of Tensor methods: `torch.add(a, b)` is `a.add(b)`. */
import { Tensor, h, op, wrap, type UniqueOptions, type UniqueConsecutiveOptions } from './tensor.js';
import { runAs } from './errors.js';
import { describe } from './dtype.js';
import * as F from './nn/functional/vision.js';

function self(t: unknown, name: string): Tensor {
  if (!(t instanceof Tensor)) runAs(name, () => h(t, 'input'));
  return t as Tensor;
}

// biome-ignore lint/suspicious/noExplicitAny: forwards to a Tensor method whose return type the caller declares
function call(t: unknown, name: keyof Tensor & string, args: unknown[]): any {
  return runAs(name, () => (self(t, name)[name] as (...a: unknown[]) => unknown).apply(t, args));
}

/** `torch.add(input, …)`: {@link Tensor.add | input.add(…)} as a function. */
export const add = (input: Tensor, ...args: Parameters<Tensor['add']>): ReturnType<Tensor['add']> => call(input, 'add', args);
/** `torch.sub(input, …)`: {@link Tensor.sub | input.sub(…)} as a function. */
export const sub = (input: Tensor, ...args: Parameters<Tensor['sub']>): ReturnType<Tensor['sub']> => call(input, 'sub', args);
/** `torch.mul(input, …)`: {@link Tensor.mul | input.mul(…)} as a function. */
export const mul = (input: Tensor, ...args: Parameters<Tensor['mul']>): ReturnType<Tensor['mul']> => call(input, 'mul', args);
/** `torch.div(input, …)`: {@link Tensor.div | input.div(…)} as a function. */
export const div = (input: Tensor, ...args: Parameters<Tensor['div']>): ReturnType<Tensor['div']> => call(input, 'div', args);
/** `torch.pow(input, …)`: {@link Tensor.pow | input.pow(…)} as a function. */
export const pow = (input: Tensor, ...args: Parameters<Tensor['pow']>): ReturnType<Tensor['pow']> => call(input, 'pow', args);
/** `torch.remainder(input, …)`: {@link Tensor.remainder | input.remainder(…)} as a function. */
export const remainder = (input: Tensor, ...args: Parameters<Tensor['remainder']>): ReturnType<Tensor['remainder']> => call(input, 'remainder', args);
/** `torch.fmod(input, …)`: {@link Tensor.fmod | input.fmod(…)} as a function. */
export const fmod = (input: Tensor, ...args: Parameters<Tensor['fmod']>): ReturnType<Tensor['fmod']> => call(input, 'fmod', args);
/** `torch.maximum(input, …)`: {@link Tensor.maximum | input.maximum(…)} as a function. */
export const maximum = (input: Tensor, ...args: Parameters<Tensor['maximum']>): ReturnType<Tensor['maximum']> => call(input, 'maximum', args);
/** `torch.minimum(input, …)`: {@link Tensor.minimum | input.minimum(…)} as a function. */
export const minimum = (input: Tensor, ...args: Parameters<Tensor['minimum']>): ReturnType<Tensor['minimum']> => call(input, 'minimum', args);
/** `torch.atan2(input, …)`: {@link Tensor.atan2 | input.atan2(…)} as a function. */
export const atan2 = (input: Tensor, ...args: Parameters<Tensor['atan2']>): ReturnType<Tensor['atan2']> => call(input, 'atan2', args);
/** `torch.lerp(input, …)`: {@link Tensor.lerp | input.lerp(…)} as a function. */
export const lerp = (input: Tensor, ...args: Parameters<Tensor['lerp']>): ReturnType<Tensor['lerp']> => call(input, 'lerp', args);
/** `torch.addcmul(input, …)`: {@link Tensor.addcmul | input.addcmul(…)} as a function. */
export const addcmul = (input: Tensor, ...args: Parameters<Tensor['addcmul']>): ReturnType<Tensor['addcmul']> => call(input, 'addcmul', args);
/** `torch.addcdiv(input, …)`: {@link Tensor.addcdiv | input.addcdiv(…)} as a function. */
export const addcdiv = (input: Tensor, ...args: Parameters<Tensor['addcdiv']>): ReturnType<Tensor['addcdiv']> => call(input, 'addcdiv', args);
/** `torch.neg(input, …)`: {@link Tensor.neg | input.neg(…)} as a function. */
export const neg = (input: Tensor, ...args: Parameters<Tensor['neg']>): ReturnType<Tensor['neg']> => call(input, 'neg', args);
/** `torch.abs(input, …)`: {@link Tensor.abs | input.abs(…)} as a function. */
export const abs = (input: Tensor, ...args: Parameters<Tensor['abs']>): ReturnType<Tensor['abs']> => call(input, 'abs', args);
/** `torch.exp(input, …)`: {@link Tensor.exp | input.exp(…)} as a function. */
export const exp = (input: Tensor, ...args: Parameters<Tensor['exp']>): ReturnType<Tensor['exp']> => call(input, 'exp', args);
/** `torch.exp2(input, …)`: {@link Tensor.exp2 | input.exp2(…)} as a function. */
export const exp2 = (input: Tensor, ...args: Parameters<Tensor['exp2']>): ReturnType<Tensor['exp2']> => call(input, 'exp2', args);
/** `torch.expm1(input, …)`: {@link Tensor.expm1 | input.expm1(…)} as a function. */
export const expm1 = (input: Tensor, ...args: Parameters<Tensor['expm1']>): ReturnType<Tensor['expm1']> => call(input, 'expm1', args);
/** `torch.log(input, …)`: {@link Tensor.log | input.log(…)} as a function. */
export const log = (input: Tensor, ...args: Parameters<Tensor['log']>): ReturnType<Tensor['log']> => call(input, 'log', args);
/** `torch.log2(input, …)`: {@link Tensor.log2 | input.log2(…)} as a function. */
export const log2 = (input: Tensor, ...args: Parameters<Tensor['log2']>): ReturnType<Tensor['log2']> => call(input, 'log2', args);
/** `torch.log10(input, …)`: {@link Tensor.log10 | input.log10(…)} as a function. */
export const log10 = (input: Tensor, ...args: Parameters<Tensor['log10']>): ReturnType<Tensor['log10']> => call(input, 'log10', args);
/** `torch.log1p(input, …)`: {@link Tensor.log1p | input.log1p(…)} as a function. */
export const log1p = (input: Tensor, ...args: Parameters<Tensor['log1p']>): ReturnType<Tensor['log1p']> => call(input, 'log1p', args);
/** `torch.sqrt(input, …)`: {@link Tensor.sqrt | input.sqrt(…)} as a function. */
export const sqrt = (input: Tensor, ...args: Parameters<Tensor['sqrt']>): ReturnType<Tensor['sqrt']> => call(input, 'sqrt', args);
/** `torch.rsqrt(input, …)`: {@link Tensor.rsqrt | input.rsqrt(…)} as a function. */
export const rsqrt = (input: Tensor, ...args: Parameters<Tensor['rsqrt']>): ReturnType<Tensor['rsqrt']> => call(input, 'rsqrt', args);
/** `torch.sin(input, …)`: {@link Tensor.sin | input.sin(…)} as a function. */
export const sin = (input: Tensor, ...args: Parameters<Tensor['sin']>): ReturnType<Tensor['sin']> => call(input, 'sin', args);
/** `torch.cos(input, …)`: {@link Tensor.cos | input.cos(…)} as a function. */
export const cos = (input: Tensor, ...args: Parameters<Tensor['cos']>): ReturnType<Tensor['cos']> => call(input, 'cos', args);
/** `torch.tan(input, …)`: {@link Tensor.tan | input.tan(…)} as a function. */
export const tan = (input: Tensor, ...args: Parameters<Tensor['tan']>): ReturnType<Tensor['tan']> => call(input, 'tan', args);
/** `torch.asin(input, …)`: {@link Tensor.asin | input.asin(…)} as a function. */
export const asin = (input: Tensor, ...args: Parameters<Tensor['asin']>): ReturnType<Tensor['asin']> => call(input, 'asin', args);
/** `torch.acos(input, …)`: {@link Tensor.acos | input.acos(…)} as a function. */
export const acos = (input: Tensor, ...args: Parameters<Tensor['acos']>): ReturnType<Tensor['acos']> => call(input, 'acos', args);
/** `torch.atan(input, …)`: {@link Tensor.atan | input.atan(…)} as a function. */
export const atan = (input: Tensor, ...args: Parameters<Tensor['atan']>): ReturnType<Tensor['atan']> => call(input, 'atan', args);
/** `torch.sinh(input, …)`: {@link Tensor.sinh | input.sinh(…)} as a function. */
export const sinh = (input: Tensor, ...args: Parameters<Tensor['sinh']>): ReturnType<Tensor['sinh']> => call(input, 'sinh', args);
/** `torch.cosh(input, …)`: {@link Tensor.cosh | input.cosh(…)} as a function. */
export const cosh = (input: Tensor, ...args: Parameters<Tensor['cosh']>): ReturnType<Tensor['cosh']> => call(input, 'cosh', args);
/** `torch.tanh(input, …)`: {@link Tensor.tanh | input.tanh(…)} as a function. */
export const tanh = (input: Tensor, ...args: Parameters<Tensor['tanh']>): ReturnType<Tensor['tanh']> => call(input, 'tanh', args);
/** `torch.sigmoid(input, …)`: {@link Tensor.sigmoid | input.sigmoid(…)} as a function. */
export const sigmoid = (input: Tensor, ...args: Parameters<Tensor['sigmoid']>): ReturnType<Tensor['sigmoid']> => call(input, 'sigmoid', args);
/** `torch.relu(input, …)`: {@link Tensor.relu | input.relu(…)} as a function. */
export const relu = (input: Tensor, ...args: Parameters<Tensor['relu']>): ReturnType<Tensor['relu']> => call(input, 'relu', args);
/** `torch.floor(input, …)`: {@link Tensor.floor | input.floor(…)} as a function. */
export const floor = (input: Tensor, ...args: Parameters<Tensor['floor']>): ReturnType<Tensor['floor']> => call(input, 'floor', args);
/** `torch.ceil(input, …)`: {@link Tensor.ceil | input.ceil(…)} as a function. */
export const ceil = (input: Tensor, ...args: Parameters<Tensor['ceil']>): ReturnType<Tensor['ceil']> => call(input, 'ceil', args);
/** `torch.round(input, …)`: {@link Tensor.round | input.round(…)} as a function. */
export const round = (input: Tensor, ...args: Parameters<Tensor['round']>): ReturnType<Tensor['round']> => call(input, 'round', args);
/** `torch.trunc(input, …)`: {@link Tensor.trunc | input.trunc(…)} as a function. */
export const trunc = (input: Tensor, ...args: Parameters<Tensor['trunc']>): ReturnType<Tensor['trunc']> => call(input, 'trunc', args);
/** `torch.frac(input, …)`: {@link Tensor.frac | input.frac(…)} as a function. */
export const frac = (input: Tensor, ...args: Parameters<Tensor['frac']>): ReturnType<Tensor['frac']> => call(input, 'frac', args);
/** `torch.sign(input, …)`: {@link Tensor.sign | input.sign(…)} as a function. */
export const sign = (input: Tensor, ...args: Parameters<Tensor['sign']>): ReturnType<Tensor['sign']> => call(input, 'sign', args);
/** `torch.reciprocal(input, …)`: {@link Tensor.reciprocal | input.reciprocal(…)} as a function. */
export const reciprocal = (input: Tensor, ...args: Parameters<Tensor['reciprocal']>): ReturnType<Tensor['reciprocal']> => call(input, 'reciprocal', args);
/** `torch.erf(input, …)`: {@link Tensor.erf | input.erf(…)} as a function. */
export const erf = (input: Tensor, ...args: Parameters<Tensor['erf']>): ReturnType<Tensor['erf']> => call(input, 'erf', args);
/** `torch.erfinv(input, …)`: {@link Tensor.erfinv | input.erfinv(…)} as a function. */
export const erfinv = (input: Tensor, ...args: Parameters<Tensor['erfinv']>): ReturnType<Tensor['erfinv']> => call(input, 'erfinv', args);
/** `torch.square(input, …)`: {@link Tensor.square | input.square(…)} as a function. */
export const square = (input: Tensor, ...args: Parameters<Tensor['square']>): ReturnType<Tensor['square']> => call(input, 'square', args);
/** `torch.isnan(input, …)`: {@link Tensor.isnan | input.isnan(…)} as a function. */
export const isnan = (input: Tensor, ...args: Parameters<Tensor['isnan']>): ReturnType<Tensor['isnan']> => call(input, 'isnan', args);
/** `torch.isinf(input, …)`: {@link Tensor.isinf | input.isinf(…)} as a function. */
export const isinf = (input: Tensor, ...args: Parameters<Tensor['isinf']>): ReturnType<Tensor['isinf']> => call(input, 'isinf', args);
/** `torch.isfinite(input, …)`: {@link Tensor.isfinite | input.isfinite(…)} as a function. */
export const isfinite = (input: Tensor, ...args: Parameters<Tensor['isfinite']>): ReturnType<Tensor['isfinite']> => call(input, 'isfinite', args);
/** `torch.signbit(input, …)`: {@link Tensor.signbit | input.signbit(…)} as a function. */
export const signbit = (input: Tensor, ...args: Parameters<Tensor['signbit']>): ReturnType<Tensor['signbit']> => call(input, 'signbit', args);
/** `torch.matmul(input, …)`: {@link Tensor.matmul | input.matmul(…)} as a function. */
export const matmul = (input: Tensor, ...args: Parameters<Tensor['matmul']>): ReturnType<Tensor['matmul']> => call(input, 'matmul', args);
/** `torch.mm(input, …)`: {@link Tensor.mm | input.mm(…)} as a function. */
export const mm = (input: Tensor, ...args: Parameters<Tensor['mm']>): ReturnType<Tensor['mm']> => call(input, 'mm', args);
/** `torch.bmm(input, …)`: {@link Tensor.bmm | input.bmm(…)} as a function. */
export const bmm = (input: Tensor, ...args: Parameters<Tensor['bmm']>): ReturnType<Tensor['bmm']> => call(input, 'bmm', args);
/** `torch.mv(input, …)`: {@link Tensor.mv | input.mv(…)} as a function. */
export const mv = (input: Tensor, ...args: Parameters<Tensor['mv']>): ReturnType<Tensor['mv']> => call(input, 'mv', args);
/** `torch.dot(input, …)`: {@link Tensor.dot | input.dot(…)} as a function. */
export const dot = (input: Tensor, ...args: Parameters<Tensor['dot']>): ReturnType<Tensor['dot']> => call(input, 'dot', args);
/** `torch.outer(input, …)`: {@link Tensor.outer | input.outer(…)} as a function. */
export const outer = (input: Tensor, ...args: Parameters<Tensor['outer']>): ReturnType<Tensor['outer']> => call(input, 'outer', args);
/** `torch.t(input, …)`: {@link Tensor.t | input.t(…)} as a function. */
export const t = (input: Tensor, ...args: Parameters<Tensor['t']>): ReturnType<Tensor['t']> => call(input, 't', args);
/** `torch.tril(input, …)`: {@link Tensor.tril | input.tril(…)} as a function. */
export const tril = (input: Tensor, ...args: Parameters<Tensor['tril']>): ReturnType<Tensor['tril']> => call(input, 'tril', args);
/** `torch.triu(input, …)`: {@link Tensor.triu | input.triu(…)} as a function. */
export const triu = (input: Tensor, ...args: Parameters<Tensor['triu']>): ReturnType<Tensor['triu']> => call(input, 'triu', args);
/** `torch.diag(input, …)`: {@link Tensor.diag | input.diag(…)} as a function. */
export const diag = (input: Tensor, ...args: Parameters<Tensor['diag']>): ReturnType<Tensor['diag']> => call(input, 'diag', args);
/** `torch.trace(input, …)`: {@link Tensor.trace | input.trace(…)} as a function. */
export const trace = (input: Tensor, ...args: Parameters<Tensor['trace']>): ReturnType<Tensor['trace']> => call(input, 'trace', args);
/** `torch.eq(input, …)`: {@link Tensor.eq | input.eq(…)} as a function. */
export const eq = (input: Tensor, ...args: Parameters<Tensor['eq']>): ReturnType<Tensor['eq']> => call(input, 'eq', args);
/** `torch.ne(input, …)`: {@link Tensor.ne | input.ne(…)} as a function. */
export const ne = (input: Tensor, ...args: Parameters<Tensor['ne']>): ReturnType<Tensor['ne']> => call(input, 'ne', args);
/** `torch.lt(input, …)`: {@link Tensor.lt | input.lt(…)} as a function. */
export const lt = (input: Tensor, ...args: Parameters<Tensor['lt']>): ReturnType<Tensor['lt']> => call(input, 'lt', args);
/** `torch.le(input, …)`: {@link Tensor.le | input.le(…)} as a function. */
export const le = (input: Tensor, ...args: Parameters<Tensor['le']>): ReturnType<Tensor['le']> => call(input, 'le', args);
/** `torch.gt(input, …)`: {@link Tensor.gt | input.gt(…)} as a function. */
export const gt = (input: Tensor, ...args: Parameters<Tensor['gt']>): ReturnType<Tensor['gt']> => call(input, 'gt', args);
/** `torch.ge(input, …)`: {@link Tensor.ge | input.ge(…)} as a function. */
export const ge = (input: Tensor, ...args: Parameters<Tensor['ge']>): ReturnType<Tensor['ge']> => call(input, 'ge', args);
/** `torch.equal(input, …)`: {@link Tensor.equal | input.equal(…)} as a function. */
export const equal = (input: Tensor, ...args: Parameters<Tensor['equal']>): ReturnType<Tensor['equal']> => call(input, 'equal', args);
/** `torch.allclose(input, …)`: {@link Tensor.allclose | input.allclose(…)} as a function. */
export const allclose = (input: Tensor, ...args: Parameters<Tensor['allclose']>): ReturnType<Tensor['allclose']> => call(input, 'allclose', args);
/** `torch.isclose(input, …)`: {@link Tensor.isclose | input.isclose(…)} as a function. */
export const isclose = (input: Tensor, ...args: Parameters<Tensor['isclose']>): ReturnType<Tensor['isclose']> => call(input, 'isclose', args);
/** `torch.logicalAnd(input, …)`: {@link Tensor.logicalAnd | input.logicalAnd(…)} as a function. */
export const logicalAnd = (input: Tensor, ...args: Parameters<Tensor['logicalAnd']>): ReturnType<Tensor['logicalAnd']> => call(input, 'logicalAnd', args);
/** `torch.logicalOr(input, …)`: {@link Tensor.logicalOr | input.logicalOr(…)} as a function. */
export const logicalOr = (input: Tensor, ...args: Parameters<Tensor['logicalOr']>): ReturnType<Tensor['logicalOr']> => call(input, 'logicalOr', args);
/** `torch.logicalXor(input, …)`: {@link Tensor.logicalXor | input.logicalXor(…)} as a function. */
export const logicalXor = (input: Tensor, ...args: Parameters<Tensor['logicalXor']>): ReturnType<Tensor['logicalXor']> => call(input, 'logicalXor', args);
/** `torch.logicalNot(input, …)`: {@link Tensor.logicalNot | input.logicalNot(…)} as a function. */
export const logicalNot = (input: Tensor, ...args: Parameters<Tensor['logicalNot']>): ReturnType<Tensor['logicalNot']> => call(input, 'logicalNot', args);
/** `torch.maskedFill(input, …)`: {@link Tensor.maskedFill | input.maskedFill(…)} as a function. */
export const maskedFill = (input: Tensor, ...args: Parameters<Tensor['maskedFill']>): ReturnType<Tensor['maskedFill']> => call(input, 'maskedFill', args);
/** `torch.maskedSelect(input, …)`: {@link Tensor.maskedSelect | input.maskedSelect(…)} as a function. */
export const maskedSelect = (input: Tensor, ...args: Parameters<Tensor['maskedSelect']>): ReturnType<Tensor['maskedSelect']> =>
  call(input, 'maskedSelect', args);
/** `torch.sum(input, …)`: {@link Tensor.sum | input.sum(…)} as a function. */
export const sum = (input: Tensor, ...args: Parameters<Tensor['sum']>): ReturnType<Tensor['sum']> => call(input, 'sum', args);
/** `torch.mean(input, …)`: {@link Tensor.mean | input.mean(…)} as a function. */
export const mean = (input: Tensor, ...args: Parameters<Tensor['mean']>): ReturnType<Tensor['mean']> => call(input, 'mean', args);
/** `torch.prod(input, …)`: {@link Tensor.prod | input.prod(…)} as a function. */
export const prod = (input: Tensor, ...args: Parameters<Tensor['prod']>): ReturnType<Tensor['prod']> => call(input, 'prod', args);
/** `torch.amax(input, …)`: {@link Tensor.amax | input.amax(…)} as a function. */
export const amax = (input: Tensor, ...args: Parameters<Tensor['amax']>): ReturnType<Tensor['amax']> => call(input, 'amax', args);
/** `torch.amin(input, …)`: {@link Tensor.amin | input.amin(…)} as a function. */
export const amin = (input: Tensor, ...args: Parameters<Tensor['amin']>): ReturnType<Tensor['amin']> => call(input, 'amin', args);
/** `torch.argmax(input, …)`: {@link Tensor.argmax | input.argmax(…)} as a function. */
export const argmax = (input: Tensor, ...args: Parameters<Tensor['argmax']>): ReturnType<Tensor['argmax']> => call(input, 'argmax', args);
/** `torch.argmin(input, …)`: {@link Tensor.argmin | input.argmin(…)} as a function. */
export const argmin = (input: Tensor, ...args: Parameters<Tensor['argmin']>): ReturnType<Tensor['argmin']> => call(input, 'argmin', args);
/** `torch.std(input, …)`: {@link Tensor.std | input.std(…)} as a function. */
export const std = (input: Tensor, ...args: Parameters<Tensor['std']>): ReturnType<Tensor['std']> => call(input, 'std', args);
const var_ = (input: Tensor, ...args: Parameters<Tensor['var']>): ReturnType<Tensor['var']> => call(input, 'var', args);
export { var_ as var };
/** `torch.norm(input, …)`: {@link Tensor.norm | input.norm(…)} as a function. */
export const norm = (input: Tensor, ...args: Parameters<Tensor['norm']>): ReturnType<Tensor['norm']> => call(input, 'norm', args);
/** `torch.all(input, …)`: {@link Tensor.all | input.all(…)} as a function. */
export const all = (input: Tensor, ...args: Parameters<Tensor['all']>): ReturnType<Tensor['all']> => call(input, 'all', args);
/** `torch.any(input, …)`: {@link Tensor.any | input.any(…)} as a function. */
export const any = (input: Tensor, ...args: Parameters<Tensor['any']>): ReturnType<Tensor['any']> => call(input, 'any', args);
/** `torch.cumsum(input, …)`: {@link Tensor.cumsum | input.cumsum(…)} as a function. */
export const cumsum = (input: Tensor, ...args: Parameters<Tensor['cumsum']>): ReturnType<Tensor['cumsum']> => call(input, 'cumsum', args);
/** `torch.cumprod(input, …)`: {@link Tensor.cumprod | input.cumprod(…)} as a function. */
export const cumprod = (input: Tensor, ...args: Parameters<Tensor['cumprod']>): ReturnType<Tensor['cumprod']> => call(input, 'cumprod', args);
/** `torch.logsumexp(input, …)`: {@link Tensor.logsumexp | input.logsumexp(…)} as a function. */
export const logsumexp = (input: Tensor, ...args: Parameters<Tensor['logsumexp']>): ReturnType<Tensor['logsumexp']> => call(input, 'logsumexp', args);
/** `torch.softmax(input, …)`: {@link Tensor.softmax | input.softmax(…)} as a function. */
export const softmax = (input: Tensor, ...args: Parameters<Tensor['softmax']>): ReturnType<Tensor['softmax']> => call(input, 'softmax', args);
/** `torch.logSoftmax(input, …)`: {@link Tensor.logSoftmax | input.logSoftmax(…)} as a function. */
export const logSoftmax = (input: Tensor, ...args: Parameters<Tensor['logSoftmax']>): ReturnType<Tensor['logSoftmax']> => call(input, 'logSoftmax', args);
/** `torch.sort(input, …)`: {@link Tensor.sort | input.sort(…)} as a function. */
export const sort = (input: Tensor, ...args: Parameters<Tensor['sort']>): ReturnType<Tensor['sort']> => call(input, 'sort', args);
/** `torch.argsort(input, …)`: {@link Tensor.argsort | input.argsort(…)} as a function. */
export const argsort = (input: Tensor, ...args: Parameters<Tensor['argsort']>): ReturnType<Tensor['argsort']> => call(input, 'argsort', args);
/** `torch.topk(input, …)`: {@link Tensor.topk | input.topk(…)} as a function. */
export const topk = (input: Tensor, ...args: Parameters<Tensor['topk']>): ReturnType<Tensor['topk']> => call(input, 'topk', args);
/** `torch.reshape(input, …)`: {@link Tensor.reshape | input.reshape(…)} as a function. */
export const reshape = (input: Tensor, ...args: Parameters<Tensor['reshape']>): ReturnType<Tensor['reshape']> => call(input, 'reshape', args);
/** `torch.flatten(input, …)`: {@link Tensor.flatten | input.flatten(…)} as a function. */
export const flatten = (input: Tensor, ...args: Parameters<Tensor['flatten']>): ReturnType<Tensor['flatten']> => call(input, 'flatten', args);
/** `torch.transpose(input, …)`: {@link Tensor.transpose | input.transpose(…)} as a function. */
export const transpose = (input: Tensor, ...args: Parameters<Tensor['transpose']>): ReturnType<Tensor['transpose']> => call(input, 'transpose', args);
/** `torch.squeeze(input, …)`: {@link Tensor.squeeze | input.squeeze(…)} as a function. */
export const squeeze = (input: Tensor, ...args: Parameters<Tensor['squeeze']>): ReturnType<Tensor['squeeze']> => call(input, 'squeeze', args);
/** `torch.unsqueeze(input, …)`: {@link Tensor.unsqueeze | input.unsqueeze(…)} as a function. */
export const unsqueeze = (input: Tensor, ...args: Parameters<Tensor['unsqueeze']>): ReturnType<Tensor['unsqueeze']> => call(input, 'unsqueeze', args);
/** `torch.narrow(input, …)`: {@link Tensor.narrow | input.narrow(…)} as a function. */
export const narrow = (input: Tensor, ...args: Parameters<Tensor['narrow']>): ReturnType<Tensor['narrow']> => call(input, 'narrow', args);
/** `torch.select(input, …)`: {@link Tensor.select | input.select(…)} as a function. */
export const select = (input: Tensor, ...args: Parameters<Tensor['select']>): ReturnType<Tensor['select']> => call(input, 'select', args);
/** `torch.flip(input, …)`: {@link Tensor.flip | input.flip(…)} as a function. */
export const flip = (input: Tensor, ...args: Parameters<Tensor['flip']>): ReturnType<Tensor['flip']> => call(input, 'flip', args);
/** `torch.roll(input, …)`: {@link Tensor.roll | input.roll(…)} as a function. */
export const roll = (input: Tensor, ...args: Parameters<Tensor['roll']>): ReturnType<Tensor['roll']> => call(input, 'roll', args);
/** `torch.unbind(input, …)`: {@link Tensor.unbind | input.unbind(…)} as a function. */
export const unbind = (input: Tensor, ...args: Parameters<Tensor['unbind']>): ReturnType<Tensor['unbind']> => call(input, 'unbind', args);
/** `torch.split(input, …)`: {@link Tensor.split | input.split(…)} as a function. */
export const split = (input: Tensor, ...args: Parameters<Tensor['split']>): ReturnType<Tensor['split']> => call(input, 'split', args);
/** `torch.chunk(input, …)`: {@link Tensor.chunk | input.chunk(…)} as a function. */
export const chunk = (input: Tensor, ...args: Parameters<Tensor['chunk']>): ReturnType<Tensor['chunk']> => call(input, 'chunk', args);
/** `torch.gather(input, …)`: {@link Tensor.gather | input.gather(…)} as a function. */
export const gather = (input: Tensor, ...args: Parameters<Tensor['gather']>): ReturnType<Tensor['gather']> => call(input, 'gather', args);
/** `torch.scatter(input, …)`: {@link Tensor.scatter | input.scatter(…)} as a function. */
export const scatter = (input: Tensor, ...args: Parameters<Tensor['scatter']>): ReturnType<Tensor['scatter']> => call(input, 'scatter', args);
/** `torch.scatterAdd(input, …)`: {@link Tensor.scatterAdd | input.scatterAdd(…)} as a function. */
export const scatterAdd = (input: Tensor, ...args: Parameters<Tensor['scatterAdd']>): ReturnType<Tensor['scatterAdd']> => call(input, 'scatterAdd', args);
/** `torch.indexSelect(input, …)`: {@link Tensor.indexSelect | input.indexSelect(…)} as a function. */
export const indexSelect = (input: Tensor, ...args: Parameters<Tensor['indexSelect']>): ReturnType<Tensor['indexSelect']> => call(input, 'indexSelect', args);
/** `torch.nonzero(input, …)`: {@link Tensor.nonzero | input.nonzero(…)} as a function. */
export const nonzero = (input: Tensor, ...args: Parameters<Tensor['nonzero']>): ReturnType<Tensor['nonzero']> => call(input, 'nonzero', args);
/** `torch.clone(input, …)`: {@link Tensor.clone | input.clone(…)} as a function. */
export const clone = (input: Tensor, ...args: Parameters<Tensor['clone']>): ReturnType<Tensor['clone']> => call(input, 'clone', args);
/** `torch.detach(input, …)`: {@link Tensor.detach | input.detach(…)} as a function. */
export const detach = (input: Tensor, ...args: Parameters<Tensor['detach']>): ReturnType<Tensor['detach']> => call(input, 'detach', args);

/** `torch.max(input)`: the largest element; `torch.max(input, dim)` → `[values, indices]`; `torch.max(input, other)`: elementwise maximum. */
export function max(input: Tensor): Tensor;
export function max(input: Tensor, dim: number, opts?: { keepdim?: boolean }): ReturnType<Tensor['sort']>;
export function max(input: Tensor, other: Tensor): Tensor;
export function max(input: Tensor, dim?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | ReturnType<Tensor['sort']> {
  return (self(input, 'max').max as (d?: number | Tensor, o?: { keepdim?: boolean }) => Tensor)(dim, opts);
}
/** `torch.min(input)`: the smallest element; `torch.min(input, dim)` → `[values, indices]`; `torch.min(input, other)`: elementwise minimum. */
export function min(input: Tensor): Tensor;
export function min(input: Tensor, dim: number, opts?: { keepdim?: boolean }): ReturnType<Tensor['sort']>;
export function min(input: Tensor, other: Tensor): Tensor;
export function min(input: Tensor, dim?: number | Tensor, opts?: { keepdim?: boolean }): Tensor | ReturnType<Tensor['sort']> {
  return (self(input, 'min').min as (d?: number | Tensor, o?: { keepdim?: boolean }) => Tensor)(dim, opts);
}
/** `torch.clamp(input, min, max)`: limits every element to [min, max] (either bound may be null). */
export function clamp(input: Tensor, min?: number | null, max?: number | null): Tensor {
  return self(input, 'clamp').clamp(min, max);
}
/** `torch.clip`: alias of {@link clamp}. */
export function clip(input: Tensor, min?: number | null, max?: number | null): Tensor {
  return runAs('clip', () => self(input, 'clip').clamp(min, max));
}
/** `torch.permute(input, dims)`: the dimensions reordered (a view). */
export function permute(input: Tensor, dims: number[]): Tensor {
  return self(input, 'permute').permute(dims);
}
/** `torch.view(input, shape)` (Python's `input.view(shape)`): the same data with a new shape. */
export function view(input: Tensor, shape: number[]): Tensor {
  return self(input, 'view').view(shape);
}

const einsumOp = op('aten::einsum');
/**
 * `torch.einsum(equation, *operands)`: Einstein summation, e.g. `einsum('ij,jk->ik', a, b)`.
 * The operands may also come as one array, as Python allows (`einsum('ii', [a])`).
 */
export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  return runAs('einsum', () => {
    if (typeof equation !== 'string') throw new TypeError(`einsum: Expected an equation string for equation but received ${describe(equation)}`);
    const list = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands;
    return wrap(
      einsumOp(
        equation,
        list.map((t, i) => h(t, `operands[${i}]`)),
      ),
    );
  });
}

/** `torch.unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None)` (see Tensor.unique). */
export function unique(input: Tensor, opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(input: Tensor, opts?: UniqueOptions | null): Tensor | Tensor[];
export function unique(input: Tensor, opts?: UniqueOptions | null): Tensor | Tensor[] {
  return self(input, 'unique').unique(opts);
}
/** `torch.unique_consecutive(input, return_inverse=False, return_counts=False, dim=None)` (see Tensor.uniqueConsecutive). */
export function uniqueConsecutive(input: Tensor, opts?: UniqueConsecutiveOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
export function uniqueConsecutive(input: Tensor, opts?: UniqueConsecutiveOptions | null): Tensor | Tensor[];
export function uniqueConsecutive(input: Tensor, opts?: UniqueConsecutiveOptions | null): Tensor | Tensor[] {
  return self(input, 'uniqueConsecutive').uniqueConsecutive(opts);
}

/**
 * `torch.native_channel_shuffle(input, groups)`: the arguments are checked first, as
 * `nn.functional.nativeChannelShuffle` does (LibTorch's kernel divides by groups unchecked).
 */
export function nativeChannelShuffle(input: Tensor, groups: number): Tensor {
  return runAs('nativeChannelShuffle', () => F.nativeChannelShuffle(self(input, 'nativeChannelShuffle'), groups));
}
