/**
 * nn.functional, dropout family (torch/nn/functional.py): channel-wise dropout1d/2d/3d and the
 * SELU-preserving alpha dropouts. Each draws from the default generator exactly as PyTorch
 * (the same ATen kernels), so a seed gives the same masks. F.dropout is in functional/index.ts.
 */
import { type Tensor, op, wrap } from '../../tensor.js';
import { describe } from '../../dtype.js';
import { checkOptions, expectBool } from '../../errors.js';
import { checkTensor, withContext } from '../common.js';

const O = {
  featureDropout: op('aten::feature_dropout'),
  featureDropout_: op('aten::feature_dropout_'),
  alphaDropout: op('aten::alpha_dropout'),
  alphaDropout_: op('aten::alpha_dropout_'),
  featureAlphaDropout: op('aten::feature_alpha_dropout'),
  featureAlphaDropout_: op('aten::feature_alpha_dropout_'),
  unsqueeze: op('aten::unsqueeze'),
  squeeze: op('aten::squeeze.dim'),
};

/** Options of the dropout functions (Python's keyword arguments). */
export interface DropoutFunctionalOptions {
  p?: number;
  training?: boolean;
  inplace?: boolean;
}

/** (input, p, {training, inplace}) or (input, {p, training, inplace}), as F.dropout. */
function dropoutArgs(
  fn: string,
  input: Tensor,
  p: number | DropoutFunctionalOptions | undefined,
  opts: Omit<DropoutFunctionalOptions, 'p'> | null | undefined,
  trainingDefault: boolean,
): { p: number; training: boolean; inplace: boolean } {
  checkTensor(input, fn);
  let prob: unknown;
  let o: DropoutFunctionalOptions;
  if (typeof p === 'object' && p !== null) {
    checkOptions(p, ['p', 'training', 'inplace'], fn);
    prob = p.p ?? 0.5;
    o = p;
  } else {
    prob = p ?? 0.5;
    checkOptions(opts, ['training', 'inplace'], fn);
    o = opts ?? {};
  }
  if (typeof prob !== 'number' || !(prob >= 0 && prob <= 1)) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${describe(prob)}`);
  return { p: prob, training: expectBool(o.training ?? trainingDefault, `${fn}: training`), inplace: expectBool(o.inplace ?? false, `${fn}: inplace`) };
}

const warned = new Set<string>();
function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  process.emitWarning(msg);
}

/** feature_dropout on `input` with a batch dimension added first when `unbatched`. */
function featureDropout(fn: string, input: Tensor, p: number, training: boolean, inplace: boolean, unbatched: boolean): Tensor {
  return withContext(fn, () => {
    if (!unbatched) {
      if (inplace) {
        O.featureDropout_(input._h, p, training);
        return input;
      }
      return wrap(O.featureDropout(input._h, p, training));
    }
    const b = wrap(O.unsqueeze(input._h, 0));
    try {
      if (inplace) {
        // The view shares input's storage: the mask lands in input, as Python's unsqueeze_/squeeze_.
        O.featureDropout_(b._h, p, training);
        return input;
      }
      const y = wrap(O.featureDropout(b._h, p, training));
      try {
        return wrap(O.squeeze(y._h, 0));
      } finally {
        y.dispose();
      }
    } finally {
      b.dispose();
    }
  });
}

/**
 * `F.dropout1d(input, p=0.5, training=True, inplace=False)`: zeroes whole channels of [N, C, L]
 * or [C, L] with probability p, scaling the rest by 1/(1-p).
 */
export function dropout1d(input: Tensor, p?: number | DropoutFunctionalOptions, opts?: Omit<DropoutFunctionalOptions, 'p'> | null): Tensor {
  const fn = 'dropout1d';
  const a = dropoutArgs(fn, input, p, opts, true);
  const d = input.ndim;
  if (d !== 2 && d !== 3) {
    throw new RangeError(
      `${fn}: Expected 2D or 3D input, but received a ${d}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`,
    );
  }
  return featureDropout(fn, input, a.p, a.training, a.inplace, d === 2);
}

/**
 * `F.dropout2d(input, p=0.5, training=True, inplace=False)`: zeroes whole channels of
 * [N, C, H, W] (a 3-D input is read as [N, C, L], as PyTorch 1.13 does, with its warning).
 */
export function dropout2d(input: Tensor, p?: number | DropoutFunctionalOptions, opts?: Omit<DropoutFunctionalOptions, 'p'> | null): Tensor {
  const fn = 'dropout2d';
  const a = dropoutArgs(fn, input, p, opts, true);
  const d = input.ndim;
  if (d !== 3 && d !== 4) {
    warnOnce(
      `dropout2d: Received a ${d}-D input to dropout2d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).`,
    );
  }
  if (d === 3) {
    warnOnce(
      'dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will change in a future release to interpret the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.',
    );
  }
  return featureDropout(fn, input, a.p, a.training, a.inplace, false);
}

/** `F.dropout3d(input, p=0.5, training=True, inplace=False)`: zeroes whole channels of [N, C, D, H, W] or [C, D, H, W]. */
export function dropout3d(input: Tensor, p?: number | DropoutFunctionalOptions, opts?: Omit<DropoutFunctionalOptions, 'p'> | null): Tensor {
  const fn = 'dropout3d';
  const a = dropoutArgs(fn, input, p, opts, true);
  const d = input.ndim;
  if (d !== 4 && d !== 5) {
    warnOnce(
      `dropout3d: Received a ${d}-D input to dropout3d, which is deprecated and will result in an error in a future release. To retain the behavior and silence this warning, please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).`,
    );
  }
  return featureDropout(fn, input, a.p, a.training, a.inplace, d !== 5);
}

/** `F.alpha_dropout(input, p=0.5, training=False, inplace=False)`: dropout that keeps SELU's mean and variance. */
export function alphaDropout(input: Tensor, p?: number | DropoutFunctionalOptions, opts?: Omit<DropoutFunctionalOptions, 'p'> | null): Tensor {
  const fn = 'alphaDropout';
  const a = dropoutArgs(fn, input, p, opts, false);
  return withContext(fn, () => {
    if (a.inplace) {
      O.alphaDropout_(input._h, a.p, a.training);
      return input;
    }
    return wrap(O.alphaDropout(input._h, a.p, a.training));
  });
}

/** `F.feature_alpha_dropout(input, p=0.5, training=False, inplace=False)`: alpha dropout of whole channels. */
export function featureAlphaDropout(input: Tensor, p?: number | DropoutFunctionalOptions, opts?: Omit<DropoutFunctionalOptions, 'p'> | null): Tensor {
  const fn = 'featureAlphaDropout';
  const a = dropoutArgs(fn, input, p, opts, false);
  return withContext(fn, () => {
    if (a.inplace) {
      O.featureAlphaDropout_(input._h, a.p, a.training);
      return input;
    }
    return wrap(O.featureAlphaDropout(input._h, a.p, a.training));
  });
}
