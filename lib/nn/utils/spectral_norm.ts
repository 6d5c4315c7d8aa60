/** nn.utils.spectral_norm / remove_spectral_norm (torch/nn/utils/spectral_norm.py, 1.13). */
import { type Tensor, empty } from '../../tensor.js';
import { tidy } from '../../scope.js';
import { noGrad } from '../../autograd.js';
import { expectInt, expectNumber } from '../../errors.js';
import type { Module, ForwardPreHook } from '../module.js';
import { Parameter } from '../parameter.js';
import { checkModuleName, setComputed } from './weight_norm.js';

const owners = new WeakMap<ForwardPreHook, SpectralNorm>();

/** F.normalize(x, dim=0, eps=eps, out=out): x / max(‖x‖₂, eps), written into `out`. */
function normalizeInto(x: Tensor, eps: number, out: Tensor): void {
  tidy(() => {
    out.copy_(x.div(x.norm(2, 0, { keepdim: true }).clampMin_(eps).expandAs(x)));
  });
}

/**
 * PyTorch's `SpectralNorm` hook: weight = weight_orig / σ, σ estimated by power iteration on the
 * buffers `<name>_u` and `<name>_v` (updated in place in training mode, as PyTorch).
 */
export class SpectralNorm {
  readonly name: string;
  readonly dim: number;
  readonly nPowerIterations: number;
  readonly eps: number;
  constructor(name = 'weight', nPowerIterations = 1, dim = 0, eps = 1e-12) {
    this.name = name;
    this.dim = dim;
    if (nPowerIterations <= 0) {
      throw new RangeError(`spectralNorm: Expected nPowerIterations to be positive, but got nPowerIterations=${nPowerIterations}`);
    }
    this.nPowerIterations = nPowerIterations;
    this.eps = eps;
  }
  /** `reshape_weight_to_matrix`: dim first, the rest flattened. */
  reshapeWeightToMatrix(weight: Tensor): Tensor {
    let mat = weight;
    if (this.dim !== 0) {
      const rest: number[] = [];
      for (let d = 0; d < mat.ndim; d++) if (d !== this.dim) rest.push(d);
      mat = mat.permute([this.dim, ...rest]);
    }
    return mat.reshape([mat.shape[0], -1]);
  }
  /** `compute_weight(module, do_power_iteration)`. */
  computeWeight(module: Module, doPowerIteration: boolean): Tensor {
    const rec = module as unknown as Record<string, Tensor>;
    const weight = rec[`${this.name}_orig`];
    return tidy(() => {
      let u = rec[`${this.name}_u`];
      let v = rec[`${this.name}_v`];
      const mat = this.reshapeWeightToMatrix(weight);
      if (doPowerIteration) {
        noGrad(() => {
          for (let i = 0; i < this.nPowerIterations; i++) {
            normalizeInto(mat.t().mv(u), this.eps, v);
            normalizeInto(mat.mv(v), this.eps, u);
          }
          u = u.clone();
          v = v.clone();
        });
      }
      const sigma = u.dot(mat.mv(v));
      return weight.div(sigma);
    });
  }
  /** `remove(module)`: the parameter `name` again, holding weight_orig / σ (no power iteration). */
  remove(module: Module): void {
    const weight = noGrad(() => this.computeWeight(module, false));
    const rec = module as unknown as Record<string, unknown>;
    const old = rec[this.name] as Tensor;
    for (const suffix of ['', '_u', '_v', '_orig']) delete rec[this.name + suffix];
    old.dispose();
    module.registerParameter(this.name, new Parameter(weight));
    weight.dispose();
  }
  /** The forward pre-hook: the weight, with a power iteration step in training mode. */
  call(module: Module): void {
    setComputed(module, this.name, this.computeWeight(module, module.training));
  }
  /** `SpectralNorm.apply(module, name, n_power_iterations, dim, eps)`. */
  static apply(module: Module, name: string, nPowerIterations: number, dim: number, eps: number): SpectralNorm {
    const fn = 'spectralNorm';
    for (const hook of module._forwardPreHooks.values()) {
      if (owners.get(hook)?.name === name) throw new Error(`${fn}: Cannot register two spectral_norm hooks on the same parameter ${name}`);
    }
    const s = new SpectralNorm(name, nPowerIterations, dim, eps);
    const weight = module._parameters.get(name);
    if (weight === undefined) throw new Error(`${fn}: ${module.constructor.name} has no parameter '${name}'`);
    if (weight === null) throw new Error(`${fn}: \`SpectralNorm\` cannot be applied as parameter \`${name}\` is None`);
    const [u, v] = tidy(() =>
      noGrad(() => {
        const mat = s.reshapeWeightToMatrix(weight);
        const [h, w] = mat.shape;
        const uu = empty([h], { dtype: weight.dtype, device: weight.device }).normal_(0, 1);
        const vv = empty([w], { dtype: weight.dtype, device: weight.device }).normal_(0, 1);
        normalizeInto(uu, eps, uu);
        normalizeInto(vv, eps, vv);
        return [uu, vv];
      }),
    );
    const rec = module as unknown as Record<string, unknown>;
    delete rec[name];
    module.registerParameter(`${name}_orig`, weight);
    setComputed(module, name, weight.detach());
    module.registerBuffer(`${name}_u`, u);
    module.registerBuffer(`${name}_v`, v);
    const hook: ForwardPreHook = (m) => s.call(m);
    owners.set(hook, s);
    module.registerForwardPreHook(hook);
    return s;
  }
}

/** Whether the module is a ConvTranspose1d/2d/3d (PyTorch's isinstance check), by its class chain. */
function isConvTranspose(m: Module): boolean {
  for (let p = Object.getPrototypeOf(m); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (/^ConvTranspose[123]d$/.test(p.constructor?.name ?? '')) return true;
  }
  return false;
}

/**
 * `spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None)`: rescales
 * `module.<name>` by its spectral norm σ before each forward. The parameter becomes
 * `<name>_orig`; the buffers `<name>_u` and `<name>_v` hold the power iteration's vectors
 * (initialised from two normal draws, as PyTorch). dim null: 1 for ConvTranspose, else 0.
 */
export function spectralNorm<M extends Module>(module: M, name = 'weight', nPowerIterations = 1, eps = 1e-12, dim: number | null = null): M {
  const fn = 'spectralNorm';
  checkModuleName(module, name, fn);
  expectInt(nPowerIterations, `${fn}: nPowerIterations`);
  expectNumber(eps, `${fn}: eps`);
  const d = dim === null ? (isConvTranspose(module) ? 1 : 0) : expectInt(dim, `${fn}: dim`);
  SpectralNorm.apply(module, name, nPowerIterations, d, eps);
  return module;
}

/** `remove_spectral_norm(module, name='weight')`: back to one parameter `name` holding weight_orig / σ. */
export function removeSpectralNorm<M extends Module>(module: M, name = 'weight'): M {
  const fn = 'removeSpectralNorm';
  checkModuleName(module, name, fn);
  for (const [k, hook] of module._forwardPreHooks) {
    const s = owners.get(hook);
    if (s && s.name === name) {
      s.remove(module);
      module._forwardPreHooks.delete(k);
      return module;
    }
  }
  throw new Error(`${fn}: spectral_norm of '${name}' not found in ${module.toString()}`);
}
