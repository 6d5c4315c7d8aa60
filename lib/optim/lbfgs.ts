/**
 * `torch.optim.LBFGS` (torch/optim/lbfgs.py), ported line for line. PyTorch mixes Python floats
 * and 0-d float32 tensors in its scalar bookkeeping (a step length `t` is a tensor on the first
 * iteration, a float afterwards; `ys`, `ro`, `H_diag`, `gtd` are tensors), and comparisons of a
 * float with a tensor round the float to float32: the helpers below keep each value's kind
 * (number or 0-d Tensor) and do each operation the way Python's operators do, so the same
 * branches are taken and the same numbers come out.
 */
import { Tensor, cat, zeros } from '../tensor.js';
import { enableGrad, noGrad } from '../autograd.js';
import { keep, tidy } from '../scope.js';
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';
import { Optimizer, checkNumber, validator, type ParamState, type Params, type StateValue } from './optimizer.js';

/** A Python scalar in LBFGS: a float, or a 0-d tensor. */
type PyNum = number | Tensor;

const isT = (x: PyNum): x is Tensor => x instanceof Tensor;
/** `a + b` (tensor + float is commutative in IEEE arithmetic). */
const add = (a: PyNum, b: PyNum): PyNum => (isT(a) ? a.add(b) : isT(b) ? b.add(a) : a + b);
/** `a - b`; `float - tensor` is `rsub`. */
const sub = (a: PyNum, b: PyNum): PyNum => (isT(a) ? a.sub(b) : isT(b) ? b.rsub(a) : a - b);
/** `a * b`. */
const mul = (a: PyNum, b: PyNum): PyNum => (isT(a) ? a.mul(b) : isT(b) ? b.mul(a) : a * b);
/** `a / b`; `float / tensor` is `tensor.reciprocal() * float` (Tensor.__rdiv__). */
const div = (a: PyNum, b: PyNum): PyNum => (isT(a) ? a.div(b) : isT(b) ? b.reciprocal().mul(a) : a / b);
const abs = (a: PyNum): PyNum => (isT(a) ? a.abs() : Math.abs(a));
const neg = (a: PyNum): PyNum => (isT(a) ? a.neg() : -a);
const bool = (t: Tensor): boolean => Boolean(t.item());
/** `a > b`, `a < b`, … with Python's reflection for float-vs-tensor. */
const gt = (a: PyNum, b: PyNum): boolean => (isT(a) ? bool(a.gt(b)) : isT(b) ? bool(b.lt(a)) : a > b);
const lt = (a: PyNum, b: PyNum): boolean => (isT(a) ? bool(a.lt(b)) : isT(b) ? bool(b.gt(a)) : a < b);
const ge = (a: PyNum, b: PyNum): boolean => (isT(a) ? bool(a.ge(b)) : isT(b) ? bool(b.le(a)) : a >= b);
const le = (a: PyNum, b: PyNum): boolean => (isT(a) ? bool(a.le(b)) : isT(b) ? bool(b.ge(a)) : a <= b);
/** Python's builtin `max(a, b)` / `min(a, b)`: the first unless the second compares greater / less. */
const max2 = (a: PyNum, b: PyNum): PyNum => (gt(b, a) ? b : a);
const min2 = (a: PyNum, b: PyNum): PyNum => (lt(b, a) ? b : a);
/** `float(x)`. */
const toF = (x: PyNum): number => (isT(x) ? x.item() : x);

/** `_cubic_interpolate`: minimizer of the cubic through two points with derivatives, within bounds. */
function cubicInterpolate(x1: PyNum, f1: PyNum, g1: PyNum, x2: PyNum, f2: PyNum, g2: PyNum, bounds?: [PyNum, PyNum]): PyNum {
  const [xminBound, xmaxBound] = bounds ?? (le(x1, x2) ? [x1, x2] : [x2, x1]);
  const d1 = sub(add(g1, g2), div(mul(3, sub(f1, f2)), sub(x1, x2)));
  const d2Square = sub(isT(d1) ? d1.pow(2) : d1 * d1, mul(g1, g2));
  if (ge(d2Square, 0)) {
    const d2 = isT(d2Square) ? d2Square.sqrt() : Math.sqrt(d2Square);
    const minPos = le(x1, x2)
      ? sub(x2, mul(sub(x2, x1), div(sub(add(g2, d2), d1), add(sub(g2, g1), mul(2, d2)))))
      : sub(x1, mul(sub(x1, x2), div(sub(add(g1, d2), d1), add(sub(g1, g2), mul(2, d2)))));
    return min2(max2(minPos, xminBound), xmaxBound);
  }
  return div(add(xminBound, xmaxBound), 2);
}

type ObjFunc = (x: Tensor[], t: PyNum, d: Tensor) => [number, Tensor];

/** `_strong_wolfe`: a line search satisfying the strong Wolfe conditions. */
function strongWolfe(
  objFunc: ObjFunc,
  x: Tensor[],
  t0: PyNum,
  d: Tensor,
  f: number,
  g0: Tensor,
  gtd: PyNum,
  c1 = 1e-4,
  c2 = 0.9,
  toleranceChange = 1e-9,
  maxLs = 25,
): [number, Tensor, PyNum, number] {
  let t = t0;
  const dNorm = d.abs().max();
  const g = g0.clone();
  // Evaluate objective and gradient using the initial step.
  let [fNew, gNew] = objFunc(x, t, d);
  let lsFuncEvals = 1;
  let gtdNew: PyNum = gNew.dot(d);

  // Bracket an interval containing a point satisfying the Wolfe criteria.
  let tPrev: PyNum = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: PyNum[] = [];
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: PyNum[] = [];
  while (lsIter < maxLs) {
    if (gt(fNew, add(f, mul(mul(c1, t), gtd))) || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.clone()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (le(abs(gtdNew), mul(-c2, gtd))) {
      bracket = [t];
      bracketF = [fNew];
      bracketG = [gNew];
      done = true;
      break;
    }
    if (ge(gtdNew, 0)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew.clone()];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    // Interpolate.
    const minStep = add(t, mul(0.01, sub(t, tPrev)));
    const maxStep = mul(t, 10);
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    // Next step.
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.clone();
    gtdPrev = gtdNew;
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals += 1;
    gtdNew = gNew.dot(d);
    lsIter += 1;
  }
  // Reached the maximum number of iterations?
  if (lsIter === maxLs) {
    bracket = [0, t];
    bracketF = [f, fNew];
    bracketG = [g, gNew];
  }

  // Zoom phase: refine the bracket until a point satisfies the criteria.
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  const bmax = () => max2(bracket[0], bracket[1]);
  const bmin = () => min2(bracket[0], bracket[1]);
  while (!done && lsIter < maxLs) {
    // Line-search bracket is so small.
    if (lt(mul(abs(sub(bracket[1], bracket[0])), dNorm), toleranceChange)) break;
    // Compute a new trial value.
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    // Test that we make sufficient progress: if t is too close to a boundary twice in a row (or
    // at it), move it 0.1 * len(bracket) away from the nearest boundary.
    const eps = mul(0.1, sub(bmax(), bmin()));
    if (lt(min2(sub(bmax(), t), sub(t, bmin())), eps)) {
      if (insufProgress || ge(t, bmax()) || le(t, bmin())) {
        if (lt(abs(sub(t, bmax())), abs(sub(t, bmin())))) t = sub(bmax(), eps);
        else t = add(bmin(), eps);
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    // Evaluate the new point.
    [fNew, gNew] = objFunc(x, t, d);
    lsFuncEvals += 1;
    gtdNew = gNew.dot(d);
    lsIter += 1;
    if (gt(fNew, add(f, mul(mul(c1, t), gtd))) || fNew >= bracketF[lowPos]) {
      // Armijo condition not satisfied or not lower than the lowest point.
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew.clone();
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (le(abs(gtdNew), mul(-c2, gtd))) {
        // Wolfe conditions satisfied.
        done = true;
      } else if (ge(mul(gtdNew, sub(bracket[highPos], bracket[lowPos])), 0)) {
        // The old high becomes the new low.
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      // The new point becomes the new low.
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew.clone();
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return [bracketF[lowPos], bracketG[lowPos], bracket[lowPos], lsFuncEvals];
}

/** Options of {@link LBFGS}. */
export interface LBFGSOptions {
  /** Learning rate (default 1). */
  lr?: number;
  /** Maximal number of iterations per optimization step (default 20). */
  maxIter?: number;
  /** Maximal number of function evaluations per step (default maxIter * 5 / 4, floored). */
  maxEval?: number | null;
  /** Termination tolerance on first-order optimality (default 1e-7). */
  toleranceGrad?: number;
  /** Termination tolerance on function value / parameter changes (default 1e-9). */
  toleranceChange?: number;
  /** Update history size (default 100). */
  historySize?: number;
  /** null (fixed step) or 'strong_wolfe' (default null). */
  lineSearchFn?: 'strong_wolfe' | null;
}

function checkPosInt(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new RangeError(`${fn}: Expected positive integer for ${what} but received ${describe(v)}`);
}
function checkLineSearch(fn: string, what: string, v: unknown): 'strong_wolfe' | null {
  if (v === null || v === 'strong_wolfe') return v;
  throw new TypeError(`${fn}: Expected null or 'strong_wolfe' for ${what} but received ${describe(v)}`);
}

const CHECK = validator('LBFGS', {
  lr: checkNumber,
  maxIter: checkPosInt,
  maxEval: checkPosInt,
  toleranceGrad: checkNumber,
  toleranceChange: checkNumber,
  historySize: checkPosInt,
  lineSearchFn: checkLineSearch,
});

/** A LBFGS param group's options (maxEval resolved to a number). */
export type LBFGSDefaults = {
  lr: number;
  maxIter: number;
  maxEval: number;
  toleranceGrad: number;
  toleranceChange: number;
  historySize: number;
  lineSearchFn: 'strong_wolfe' | null;
};

/**
 * `torch.optim.LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
 * tolerance_change=1e-9, history_size=100, line_search_fn=None)`. `step(closure)` needs the
 * closure (it re-evaluates the model several times); one param group only.
 */
export class LBFGS extends Optimizer<LBFGSDefaults> {
  private readonly _params: Tensor[];
  private _numelCache: number | null = null;

  constructor(params: Params<LBFGSOptions>, options: LBFGSOptions | null = {}) {
    checkOptions(options, ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearchFn'], 'LBFGS');
    const o = options ?? {};
    const maxIter = checkPosInt('LBFGS', 'maxIter', o.maxIter ?? 20);
    const defaults: LBFGSDefaults = {
      lr: o.lr ?? 1,
      maxIter,
      maxEval: o.maxEval ?? Math.floor((maxIter * 5) / 4),
      toleranceGrad: o.toleranceGrad ?? 1e-7,
      toleranceChange: o.toleranceChange ?? 1e-9,
      historySize: o.historySize ?? 100,
      lineSearchFn: o.lineSearchFn ?? null,
    };
    for (const [k, v] of Object.entries(defaults)) CHECK(k, v);
    super(params as Params<LBFGSDefaults>, defaults);
    if (this.paramGroups.length !== 1) throw new Error("LBFGS: LBFGS doesn't support per-parameter options (parameter groups)");
    this._params = this.paramGroups[0].params;
  }
  protected override _validateOption(key: string, value: unknown): unknown {
    return CHECK(key, value);
  }

  /** LBFGS has no per-parameter options: a second group is refused. */
  override addParamGroup(): void {
    throw new Error("LBFGS: LBFGS doesn't support per-parameter options (parameter groups)");
  }

  private _numel(): number {
    if (this._numelCache === null) this._numelCache = this._params.reduce((n, p) => n + p.numel(), 0);
    return this._numelCache;
  }

  private _gatherFlatGrad(): Tensor {
    const views = this._params.map((p) => {
      const g = p.grad;
      if (g === null) return zeros([p.numel()], { dtype: p.dtype, device: p.device });
      if (g.isSparse) return g.toDense().view(-1);
      return g.view(-1);
    });
    return cat(views, 0);
  }

  private _addGrad(stepSize: PyNum, update: Tensor): void {
    let offset = 0;
    const alpha = toF(stepSize);
    for (const p of this._params) {
      const numel = p.numel();
      p.add_(update.narrow(0, offset, numel).viewAs(p), { alpha });
      offset += numel;
    }
    if (offset !== this._numel()) throw new Error('LBFGS: the parameters changed size');
  }

  private _cloneParam(): Tensor[] {
    return this._params.map((p) => p.clone().contiguous());
  }

  private _setParam(data: Tensor[]): void {
    this._params.forEach((p, i) => p.copy_(data[i]));
  }

  private _directionalEvaluate(closure: () => Tensor | number, x: Tensor[], t: PyNum, d: Tensor): [number, Tensor] {
    this._addGrad(t, d);
    const loss = toF(closure());
    const flatGrad = this._gatherFlatGrad();
    this._setParam(x);
    return [loss, flatGrad];
  }

  /** Performs one optimization step (up to `maxIter` iterations); returns the closure's first loss. */
  step(closure?: () => Tensor | number): Tensor | number {
    if (typeof closure !== 'function') throw new TypeError(`LBFGS.step: Expected a function for closure but received ${describe(closure)}`);
    const fn = closure;
    // The closure always runs with grad enabled.
    const evaluate = () => enableGrad(fn);
    const group = this.paramGroups[0];
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    // LBFGS has only global state, registered as the first param's (it helps casting in loadStateDict).
    const state = this._stateOf(this._params[0]);
    if (state.funcEvals === undefined) state.funcEvals = 0;
    if (state.nIter === undefined) state.nIter = 0;
    const before: Tensor[] = [];
    collect(state, before);
    const result = tidy(() =>
      noGrad(() => {
        // Evaluate the initial f(x) and df/dx.
        const origLoss = evaluate();
        let loss = toF(origLoss);
        let currentEvals = 1;
        state.funcEvals = (state.funcEvals as number) + 1;
        let flatGrad = this._gatherFlatGrad();
        let optCond = le(flatGrad.abs().max(), toleranceGrad);
        // Optimal condition.
        if (optCond) return { origLoss };

        // Tensors cached in state.
        let d = (state.d ?? null) as Tensor | null;
        let t = (state.t ?? null) as PyNum | null;
        let oldDirs = (state.oldDirs ?? null) as Tensor[] | null;
        let oldStps = (state.oldStps ?? null) as Tensor[] | null;
        let ro = (state.ro ?? null) as PyNum[] | null;
        let HDiag = (state.HDiag ?? null) as PyNum | null;
        let prevFlatGrad = (state.prevFlatGrad ?? null) as Tensor | null;
        let prevLoss = (state.prevLoss ?? null) as number | null;

        let nIter = 0;
        // Optimize for a max of maxIter iterations.
        while (nIter < maxIter) {
          nIter += 1;
          state.nIter = (state.nIter as number) + 1;

          // Compute the gradient descent direction.
          if (state.nIter === 1) {
            d = flatGrad.neg();
            oldDirs = [];
            oldStps = [];
            ro = [];
            HDiag = 1;
          } else {
            const dirs = oldDirs as Tensor[];
            const stps = oldStps as Tensor[];
            const ros = ro as PyNum[];
            // L-BFGS update (update memory).
            const y = flatGrad.sub(prevFlatGrad as Tensor);
            const s = (d as Tensor).mul(t as PyNum);
            const ys = y.dot(s); // y*s
            if (gt(ys, 1e-10)) {
              // Updating memory: shift the history by one when full (limited memory).
              if (dirs.length === historySize) {
                dirs.shift();
                stps.shift();
                ros.shift();
              }
              // Store the new direction/step.
              dirs.push(y);
              stps.push(s);
              ros.push(div(1, ys));
              // Update the scale of the initial Hessian approximation.
              HDiag = ys.div(y.dot(y)); // (y*y)
            }
            // The approximate (L-BFGS) inverse Hessian times the gradient.
            const numOld = dirs.length;
            if (state.al === undefined) state.al = new Array(historySize).fill(null);
            const al = state.al as (PyNum | null)[];
            // The L-BFGS two-loop recursion, collapsed onto one buffer.
            const q = flatGrad.neg();
            for (let i = numOld - 1; i >= 0; i--) {
              al[i] = mul(stps[i].dot(q), ros[i]);
              q.add_(dirs[i], { alpha: toF(neg(al[i] as PyNum)) });
            }
            // Multiply by the initial Hessian; r/d is the final direction.
            const r = q.mul(HDiag as PyNum);
            d = r;
            for (let i = 0; i < numOld; i++) {
              const beI = mul(dirs[i].dot(r), ros[i]);
              r.add_(stps[i], { alpha: toF(sub(al[i] as PyNum, beI)) });
            }
          }
          if (prevFlatGrad === null) prevFlatGrad = flatGrad.clone().contiguous();
          else prevFlatGrad.copy_(flatGrad);
          prevLoss = loss;

          // Compute the step length: reset the initial guess.
          if (state.nIter === 1) t = mul(min2(1, div(1, flatGrad.abs().sum())), lr);
          else t = lr;

          // Directional derivative; below tolerance ends the step.
          const gtd = flatGrad.dot(d as Tensor); // g * d
          if (gt(gtd, -toleranceChange)) break;

          // Optional line search.
          let lsFuncEvals = 0;
          if (lineSearchFn !== null) {
            if (lineSearchFn !== 'strong_wolfe') throw new Error("LBFGS: only 'strong_wolfe' is supported");
            const xInit = this._cloneParam();
            const objFunc: ObjFunc = (x, tt, dd) => this._directionalEvaluate(evaluate, x, tt, dd);
            [loss, flatGrad, t, lsFuncEvals] = strongWolfe(objFunc, xInit, t as PyNum, d as Tensor, loss, flatGrad, gtd);
            this._addGrad(t, d as Tensor);
            optCond = le(flatGrad.abs().max(), toleranceGrad);
          } else {
            // No line search: move with a fixed step.
            this._addGrad(t as PyNum, d as Tensor);
            if (nIter !== maxIter) {
              // Re-evaluate the function only if not in the last iteration: in a stochastic
              // setting there is no use re-evaluating it here.
              loss = toF(evaluate());
              flatGrad = this._gatherFlatGrad();
              optCond = le(flatGrad.abs().max(), toleranceGrad);
              lsFuncEvals = 1;
            }
          }
          // Update the function-evaluation count.
          currentEvals += lsFuncEvals;
          state.funcEvals = (state.funcEvals as number) + lsFuncEvals;

          // Check conditions.
          if (nIter === maxIter) break;
          if (currentEvals >= maxEval) break;
          // Optimal condition.
          if (optCond) break;
          // Lack of progress.
          if (
            le(
              (d as Tensor)
                .mul(t as PyNum)
                .abs()
                .max(),
              toleranceChange,
            )
          )
            break;
          if (Math.abs(loss - (prevLoss as number)) < toleranceChange) break;
        }

        state.d = d;
        state.t = t;
        state.oldDirs = oldDirs;
        state.oldStps = oldStps;
        state.ro = ro;
        state.HDiag = HDiag;
        state.prevFlatGrad = prevFlatGrad;
        state.prevLoss = prevLoss;
        const now: Tensor[] = [];
        collect(state, now);
        for (const x of now) keep(x);
        return { origLoss };
      }),
    );
    // Free the state tensors this step replaced (shared ones, like the history, stay).
    const now = new Set<Tensor>();
    const after: Tensor[] = [];
    collect(state, after);
    for (const x of after) now.add(x);
    for (const x of before) if (!now.has(x)) x.dispose();
    return result.origLoss;
  }
}

function collect(s: ParamState, out: Tensor[]): void {
  const walk = (v: StateValue | undefined) => {
    if (v instanceof Tensor) out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
  };
  for (const v of Object.values(s)) walk(v);
}
