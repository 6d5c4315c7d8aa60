/**
 * `torch.optim.lr_scheduler`: learning-rate schedules as scalar bookkeeping over an optimizer's
 * live `paramGroups`, ported from PyTorch 1.13 with the same recursive/closed forms (so the same
 * floating-point sequence). Names are camelCase; state dicts use PyTorch's snake_case keys.
 */
import { describe } from '../dtype.js';
import { checkOptions } from '../errors.js';
import { Optimizer, pyPow, type ParamGroup } from './optimizer.js';

type Group = ParamGroup<Record<string, unknown>>;

function groupsOf(optimizer: Optimizer<object>, fn: string): Group[] {
  if (!(optimizer instanceof Optimizer)) {
    throw new TypeError(`${fn}: Expected an Optimizer for optimizer but received ${describe(optimizer)}`);
  }
  return optimizer.paramGroups as unknown as Group[];
}

function lrOf(g: Group): number {
  return g.lr as number;
}

// Python attribute names that are not snake_case of the TS field name.
const PY_NAMES: Record<string, string> = { TMax: 'T_max', T0: 'T_0', Ti: 'T_i', TMult: 'T_mult', TCur: 'T_cur' };
const TS_NAMES: Record<string, string> = Object.fromEntries(Object.entries(PY_NAMES).map(([k, v]) => [v, k]));

/** TS field name -> Python attribute name (`_stepCount` -> `_step_count`, `TMax` -> `T_max`). */
function snake(k: string): string {
  return PY_NAMES[k] ?? k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
/** Python attribute name -> TS field name. */
function camel(k: string): string {
  return TS_NAMES[k] ?? k.replace(/(?!^)_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Python's `%` (result has the divisor's sign). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function expectInt(fn: string, what: string, v: unknown, min: number): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  throw new TypeError(
    `${fn}: Expected ${min > 0 ? 'positive' : min === 0 ? 'non-negative' : ''} integer for ${what} but received ${describe(v)}`.replace('  ', ' '),
  );
}

function expectNum(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && !Number.isNaN(v)) return v;
  throw new TypeError(`${fn}: Expected number for ${what} but received ${describe(v)}`);
}

/** Base class (`torch.optim.lr_scheduler._LRScheduler`): epoch counting and writing lrs to the groups. */
export abstract class LRScheduler {
  /** The optimizer whose groups' lr this schedules. */
  readonly optimizer: Optimizer<object>;
  /** The groups' lr at epoch 0 (`initial_lr`). */
  baseLrs: number[];
  /** Steps taken; -1 before the constructor's initial step. */
  lastEpoch: number;
  protected _stepCount = 0;
  protected _lastLr: number[] = [];
  protected readonly _name: string;

  protected constructor(name: string, optimizer: Optimizer<object>, lastEpoch = -1) {
    if (typeof name !== 'string') throw new TypeError('LRScheduler: the base class is constructed by its subclasses (StepLR, ...), not directly');
    this._name = name;
    const groups = groupsOf(optimizer, name);
    this.optimizer = optimizer;
    expectInt(name, 'lastEpoch', lastEpoch, -1);
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new Error(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Subclasses call this at the end of their constructor, as PyTorch's `_initial_step()` (SequentialLR calls it too). @internal */
  _initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /** The learning rates for the current `lastEpoch` (PyTorch's chainable form). */
  protected abstract getLr(): number[];

  /** Closed form for `step(epoch)`, where PyTorch has one. */
  protected closedFormLr?(): number[];

  /** The lr of each group as last computed by this scheduler. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** Advances one epoch (or jumps to `epoch`, deprecated in PyTorch) and writes the groups' lr. */
  step(epoch?: number): void {
    this._stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = expectInt(this._name, 'epoch', epoch, 0);
      values = this.closedFormLr ? this.closedFormLr() : this.getLr();
    }
    const groups = groupsOf(this.optimizer, this._name);
    groups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = groups.map(lrOf);
  }

  /** PyTorch-shaped: the scheduler's fields except the optimizer (snake_case keys). */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer' || k === '_name' || typeof v === 'function') continue;
      out[snake(k)] = Array.isArray(v) ? [...v] : v;
    }
    return out;
  }

  /** Restores fields saved by stateDict(). */
  loadStateDict(state: Record<string, unknown>): void {
    if (state === null || typeof state !== 'object') {
      throw new TypeError(`${this._name}.loadStateDict: Expected an object but received ${describe(state)}`);
    }
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      const key = camel(k);
      if (key in self && typeof self[key] !== 'function' && key !== 'optimizer' && !key.startsWith('_schedulers')) self[key] = Array.isArray(v) ? [...v] : v;
    }
  }
}

/** `StepLR`: multiplies each group's lr by `gamma` every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: Optimizer<object>, stepSize: number, opts: { gamma?: number; lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['gamma', 'lastEpoch'], 'StepLR');
    super('StepLR', optimizer, opts?.lastEpoch ?? -1);
    this.stepSize = expectInt('StepLR', 'stepSize', stepSize, 1);
    this.gamma = expectNum('StepLR', 'gamma', opts?.gamma ?? 0.1);
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pyPow(this.gamma, Math.floor(this.lastEpoch / this.stepSize)));
  }
}

/** `MultiStepLR`: multiplies by `gamma` at each milestone (repeated milestones multiply again). */
export class MultiStepLR extends LRScheduler {
  milestones: Map<number, number>;
  gamma: number;
  constructor(optimizer: Optimizer<object>, milestones: number[], opts: { gamma?: number; lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['gamma', 'lastEpoch'], 'MultiStepLR');
    super('MultiStepLR', optimizer, opts?.lastEpoch ?? -1);
    if (!Array.isArray(milestones)) throw new TypeError(`MultiStepLR: Expected an array of integers for milestones but received ${describe(milestones)}`);
    // A Counter, as PyTorch: a milestone listed twice multiplies by gamma twice.
    this.milestones = new Map();
    milestones.forEach((m, i) => {
      expectInt('MultiStepLR', `milestones[${i}]`, m, 0);
      this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    });
    this.gamma = expectNum('MultiStepLR', 'gamma', opts?.gamma ?? 0.1);
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    const n = this.milestones.get(this.lastEpoch);
    if (n === undefined) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * pyPow(this.gamma, n));
  }
  protected override closedFormLr(): number[] {
    // bisect_right over the sorted milestone list (with repeats).
    let count = 0;
    for (const [m, n] of this.milestones) if (m <= this.lastEpoch) count += n;
    return this.baseLrs.map((b) => b * pyPow(this.gamma, count));
  }
  override stateDict(): Record<string, unknown> {
    const s = super.stateDict();
    s.milestones = Object.fromEntries(this.milestones);
    return s;
  }
  override loadStateDict(state: Record<string, unknown>): void {
    const { milestones, ...rest } = state;
    super.loadStateDict(rest);
    if (milestones && typeof milestones === 'object') {
      const entries = milestones instanceof Map ? [...milestones.entries()] : Object.entries(milestones);
      this.milestones = new Map(entries.map(([k, v]) => [Number(k), Number(v)]));
    }
  }
}

/** `ExponentialLR`: multiplies by `gamma` every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: Optimizer<object>, gamma: number, opts: { lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['lastEpoch'], 'ExponentialLR');
    super('ExponentialLR', optimizer, opts?.lastEpoch ?? -1);
    this.gamma = expectNum('ExponentialLR', 'gamma', gamma);
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    if (this.lastEpoch === 0) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pyPow(this.gamma, this.lastEpoch));
  }
}

/** `CosineAnnealingLR` (SGDR without restarts), with PyTorch's recursive form. */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;
  constructor(optimizer: Optimizer<object>, TMax: number, opts: { etaMin?: number; lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['etaMin', 'lastEpoch'], 'CosineAnnealingLR');
    super('CosineAnnealingLR', optimizer, opts?.lastEpoch ?? -1);
    this.TMax = expectInt('CosineAnnealingLR', 'TMax', TMax, 1);
    this.etaMin = expectNum('CosineAnnealingLR', 'etaMin', opts?.etaMin ?? 0);
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    const { lastEpoch: e, TMax: T, etaMin } = this;
    if (e === 0) return groups.map(lrOf);
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => lrOf(g) + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map((g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lrOf(g) - etaMin) + etaMin);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.TMax))) / 2);
  }
}

/** `LambdaLR`: lr = initial lr × `lrLambda(epoch)` (one function, or one per group). */
export class LambdaLR extends LRScheduler {
  lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer<object>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], opts: { lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['lastEpoch'], 'LambdaLR');
    const n = groupsOf(optimizer, 'LambdaLR').length;
    let fns: ((epoch: number) => number)[];
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== n) throw new Error(`LambdaLR: Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      fns = [...lrLambda];
    } else fns = new Array(n).fill(lrLambda);
    fns.forEach((f, i) => {
      if (typeof f !== 'function') throw new TypeError(`LambdaLR: Expected a function for lrLambda[${i}] but received ${describe(f)}`);
    });
    super('LambdaLR', optimizer, opts?.lastEpoch ?? -1);
    this.lrLambdas = fns;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i](this.lastEpoch));
  }
  override stateDict(): Record<string, unknown> {
    const s = super.stateDict();
    // Functions are not state (PyTorch saves None for plain functions).
    s.lr_lambdas = this.lrLambdas.map(() => null);
    return s;
  }
  override loadStateDict(state: Record<string, unknown>): void {
    const { lr_lambdas: _ignored, ...rest } = state;
    super.loadStateDict(rest);
  }
}

/** Options of {@link OneCycleLR}, as PyTorch's keyword arguments. */
export interface OneCycleLROptions {
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/** `OneCycleLR`: the 1cycle policy (lr up then down; momentum inversely), stepped per batch. */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1 = false;
  private readonly _phases: Phase[];

  constructor(optimizer: Optimizer<object>, maxLr: number | number[], opts: OneCycleLROptions | null = {}) {
    const fn = 'OneCycleLR';
    checkOptions(
      opts,
      [
        'totalSteps',
        'epochs',
        'stepsPerEpoch',
        'pctStart',
        'annealStrategy',
        'cycleMomentum',
        'baseMomentum',
        'maxMomentum',
        'divFactor',
        'finalDivFactor',
        'threePhase',
        'lastEpoch',
      ],
      fn,
    );
    const groups = groupsOf(optimizer, fn);
    let total: number;
    if (opts?.totalSteps === undefined && opts?.epochs === undefined && opts?.stepsPerEpoch === undefined) {
      throw new Error(`${fn}: You must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    } else if (opts?.totalSteps !== undefined) {
      total = expectInt(fn, 'totalSteps', opts?.totalSteps, 1);
    } else {
      total = expectInt(fn, 'epochs', opts?.epochs, 1) * expectInt(fn, 'stepsPerEpoch', opts?.stepsPerEpoch, 1);
    }
    const pct = opts?.pctStart ?? 0.3;
    if (typeof pct !== 'number' || pct < 0 || pct > 1) throw new RangeError(`${fn}: Expected number in [0, 1] for pctStart but received ${describe(pct)}`);
    const anneal = opts?.annealStrategy ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear') {
      throw new TypeError(`${fn}: Expected one of 'cos', 'linear' for annealStrategy but received ${describe(anneal)}`);
    }
    const phases: Phase[] = opts?.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    const perGroup = (name: string, v: unknown): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== groups.length) throw new Error(`${fn}: expected ${groups.length} values for ${name}, got ${v.length}`);
        return v.map((x, i) => expectNum(fn, `${name}[${i}]`, x));
      }
      return groups.map(() => expectNum(fn, name, v));
    };
    const maxLrs = perGroup('maxLr', maxLr);
    const divFactor = expectNum(fn, 'divFactor', opts?.divFactor ?? 25);
    const finalDivFactor = expectNum(fn, 'finalDivFactor', opts?.finalDivFactor ?? 1e4);
    const lastEpoch = opts?.lastEpoch ?? -1;
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }
    const cycle = opts?.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycle) {
      const defaults = optimizer.defaults as Record<string, unknown>;
      if (!('momentum' in defaults) && !('betas' in defaults)) {
        throw new Error(`${fn}: optimizer must support momentum with \`cycleMomentum\` option enabled`);
      }
      useBeta1 = 'betas' in defaults;
      const maxM = perGroup('maxMomentum', opts?.maxMomentum ?? 0.95);
      const baseM = perGroup('baseMomentum', opts?.baseMomentum ?? 0.85);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    super(fn, optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this._phases = phases;
    this._initialStep();
  }

  private _anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new Error(`OneCycleLR: Tried to step ${step + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    return groupsOf(this.optimizer, this._name).map((g) => {
      let start = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this._phases.length; i++) {
        const ph = this._phases[i];
        if (step <= ph.endStep || i === this._phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          lr = this._anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) momentum = this._anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
          break;
        }
        start = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
}

/** `ReduceLROnPlateau`: multiplies lr by `factor` when a metric stops improving for `patience` epochs. */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<object>;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  lastEpoch = 0;
  protected _lastLr: number[];

  constructor(optimizer: Optimizer<object>, opts: ReduceLROnPlateauOptions | null = {}) {
    const fn = 'ReduceLROnPlateau';
    checkOptions(opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'], fn);
    const groups = groupsOf(optimizer, fn);
    this.optimizer = optimizer;
    this.factor = expectNum(fn, 'factor', opts?.factor ?? 0.1);
    if (this.factor >= 1.0) throw new RangeError(`${fn}: Factor should be < 1.0 but received ${this.factor}`);
    const minLr = opts?.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups.length) throw new Error(`${fn}: expected ${groups.length} min_lrs, got ${minLr.length}`);
      this.minLrs = minLr.map((x, i) => expectNum(fn, `minLr[${i}]`, x));
    } else this.minLrs = groups.map(() => expectNum(fn, 'minLr', minLr));
    this.patience = expectInt(fn, 'patience', opts?.patience ?? 10, 0);
    this.cooldown = expectInt(fn, 'cooldown', opts?.cooldown ?? 0, 0);
    const mode = opts?.mode ?? 'min';
    if (mode !== 'min' && mode !== 'max') throw new TypeError(`${fn}: Expected one of 'min', 'max' for mode but received ${describe(mode)}`);
    const tm = opts?.thresholdMode ?? 'rel';
    if (tm !== 'rel' && tm !== 'abs') throw new TypeError(`${fn}: Expected one of 'rel', 'abs' for thresholdMode but received ${describe(tm)}`);
    this.mode = mode;
    this.thresholdMode = tm;
    this.threshold = expectNum(fn, 'threshold', opts?.threshold ?? 1e-4);
    this.eps = expectNum(fn, 'eps', opts?.eps ?? 1e-8);
    this.modeWorse = mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this._lastLr = groups.map(lrOf);
  }

  /** True while counting down the cooldown after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private _isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records this epoch's metric (a number or a one-element Tensor) and reduces lr when it plateaus. */
  step(metrics: number | { item(): number }): void {
    const current =
      typeof metrics === 'number'
        ? metrics
        : metrics && typeof (metrics as { item?: unknown }).item === 'function'
          ? (metrics as { item(): number }).item()
          : NaN;
    if (typeof metrics !== 'number' && Number.isNaN(current)) {
      throw new TypeError(`ReduceLROnPlateau.step: Expected number or Tensor for metrics but received ${describe(metrics)}`);
    }
    this.lastEpoch += 1;
    if (this._isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    const groups = groupsOf(this.optimizer, 'ReduceLROnPlateau');
    if (this.numBadEpochs > this.patience) {
      groups.forEach((g, i) => {
        const old = lrOf(g);
        const next = Math.max(old * this.factor, this.minLrs[i]);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = groups.map(lrOf);
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** PyTorch-shaped state (snake_case keys, without the optimizer). */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this)) {
      if (k === 'optimizer') continue;
      out[snake(k)] = Array.isArray(v) ? [...v] : v;
    }
    return out;
  }

  /** Restores fields saved by stateDict(). */
  loadStateDict(state: Record<string, unknown>): void {
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(state)) {
      const key = camel(k);
      if (key in self && key !== 'optimizer') self[key] = Array.isArray(v) ? [...v] : v;
    }
  }
}

/** Validates a number in [0, 1] (ConstantLR's factor, LinearLR's factors). */
function expectFactor(fn: string, what: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0 && v <= 1) return v;
  throw new RangeError(`${fn}: Expected number in [0, 1] for ${what} but received ${describe(v)}`);
}

function lambdasFor(fn: string, optimizer: Optimizer<object>, lrLambda: unknown): ((epoch: number) => number)[] {
  const n = groupsOf(optimizer, fn).length;
  let fns: unknown[];
  if (Array.isArray(lrLambda)) {
    if (lrLambda.length !== n) throw new Error(`${fn}: Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
    fns = [...lrLambda];
  } else fns = new Array(n).fill(lrLambda);
  fns.forEach((f, i) => {
    if (typeof f !== 'function') throw new TypeError(`${fn}: Expected a function for lrLambda[${i}] but received ${describe(f)}`);
  });
  return fns as ((epoch: number) => number)[];
}

/** `MultiplicativeLR(optimizer, lr_lambda, last_epoch=-1)`: lr ← lr × `lrLambda(epoch)` each epoch after the first. */
export class MultiplicativeLR extends LRScheduler {
  lrLambdas: ((epoch: number) => number)[];
  constructor(optimizer: Optimizer<object>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], opts: { lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['lastEpoch'], 'MultiplicativeLR');
    const fns = lambdasFor('MultiplicativeLR', optimizer, lrLambda);
    super('MultiplicativeLR', optimizer, opts?.lastEpoch ?? -1);
    this.lrLambdas = fns;
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    if (this.lastEpoch > 0) return groups.map((g, i) => lrOf(g) * this.lrLambdas[i](this.lastEpoch));
    return groups.map(lrOf);
  }
  override stateDict(): Record<string, unknown> {
    const s = super.stateDict();
    // Functions are not state (PyTorch saves None for plain functions).
    s.lr_lambdas = this.lrLambdas.map(() => null);
    return s;
  }
  override loadStateDict(state: Record<string, unknown>): void {
    const { lr_lambdas: _ignored, ...rest } = state;
    super.loadStateDict(rest);
  }
}

/** `ConstantLR(optimizer, factor=1/3, total_iters=5, last_epoch=-1)`: lr × `factor` until epoch `totalIters`. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: Optimizer<object>, opts: { factor?: number; totalIters?: number; lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['factor', 'totalIters', 'lastEpoch'], 'ConstantLR');
    const factor = expectFactor('ConstantLR', 'factor', opts?.factor ?? 1.0 / 3);
    const totalIters = expectInt('ConstantLR', 'totalIters', opts?.totalIters ?? 5, 0);
    super('ConstantLR', optimizer, opts?.lastEpoch ?? -1);
    this.factor = factor;
    this.totalIters = totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    if (this.lastEpoch === 0) return groups.map((g) => lrOf(g) * this.factor);
    if (this.lastEpoch > this.totalIters || this.lastEpoch !== this.totalIters) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * (1.0 / this.factor));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/** `LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5, last_epoch=-1)`: a linear ramp of the lr's factor. */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: Optimizer<object>, opts: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch'], 'LinearLR');
    const startFactor = expectFactor('LinearLR', 'startFactor', opts?.startFactor ?? 1.0 / 3);
    const endFactor = expectFactor('LinearLR', 'endFactor', opts?.endFactor ?? 1.0);
    const totalIters = expectInt('LinearLR', 'totalIters', opts?.totalIters ?? 5, 0);
    super('LinearLR', optimizer, opts?.lastEpoch ?? -1);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    const { startFactor: s, endFactor: e, totalIters: T, lastEpoch: n } = this;
    if (n === 0) return groups.map((g) => lrOf(g) * s);
    if (n > T) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * (1 + (e - s) / (T * s + (n - 1) * (e - s))));
  }
  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: T, lastEpoch: n } = this;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(T, n)) / T));
  }
}

/** `PolynomialLR(optimizer, total_iters=5, power=1.0, last_epoch=-1)`: lr decays polynomially to 0 at `totalIters`. */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  constructor(optimizer: Optimizer<object>, opts: { totalIters?: number; power?: number; lastEpoch?: number } | null = {}) {
    checkOptions(opts, ['totalIters', 'power', 'lastEpoch'], 'PolynomialLR');
    const totalIters = expectInt('PolynomialLR', 'totalIters', opts?.totalIters ?? 5, 1);
    const power = expectNum('PolynomialLR', 'power', opts?.power ?? 1.0);
    super('PolynomialLR', optimizer, opts?.lastEpoch ?? -1);
    this.totalIters = totalIters;
    this.power = power;
    this._initialStep();
  }
  protected getLr(): number[] {
    const groups = groupsOf(this.optimizer, this._name);
    const { totalIters: T, lastEpoch: n } = this;
    if (n === 0 || n > T) return groups.map(lrOf);
    const decay = pyPow((1.0 - n / T) / (1.0 - (n - 1) / T), this.power);
    return groups.map((g) => lrOf(g) * decay);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pyPow(1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters, this.power));
  }
}

function checkSchedulers(fn: string, schedulers: unknown): LRScheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0) {
    throw new TypeError(`${fn}: Expected a non-empty array of schedulers for schedulers but received ${describe(schedulers)}`);
  }
  schedulers.forEach((s, i) => {
    if (!(s instanceof LRScheduler)) throw new TypeError(`${fn}: Expected an LRScheduler for schedulers[${i}] but received ${describe(s)}`);
  });
  return [...schedulers] as LRScheduler[];
}

/** `bisect.bisect_right` over a sorted array. */
function bisectRight(a: number[], x: number): number {
  let i = 0;
  while (i < a.length && a[i] <= x) i++;
  return i;
}

/**
 * `SequentialLR(optimizer, schedulers, milestones, last_epoch=-1)`: runs `schedulers[i]` from
 * `milestones[i-1]` on (each restarted at its epoch 0 when its turn comes).
 */
export class SequentialLR extends LRScheduler {
  private readonly _schedulers: LRScheduler[];
  private readonly _milestones: number[];
  constructor(optimizer: Optimizer<object>, schedulers: LRScheduler[], milestones: number[], opts: { lastEpoch?: number } | null = {}) {
    const fn = 'SequentialLR';
    checkOptions(opts, ['lastEpoch'], fn);
    groupsOf(optimizer, fn);
    const list = checkSchedulers(fn, schedulers);
    list.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new Error(
          `${fn}: Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (!Array.isArray(milestones)) throw new TypeError(`${fn}: Expected an array of integers for milestones but received ${describe(milestones)}`);
    milestones.forEach((m, i) => expectInt(fn, `milestones[${i}]`, m, 0));
    if (milestones.length !== list.length - 1) {
      throw new Error(
        `${fn}: Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${list.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    const lastEpoch = expectInt(fn, 'lastEpoch', opts?.lastEpoch ?? -1, -1);
    super(fn, optimizer, -1);
    this._schedulers = list;
    this._milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // Reset the lrs to their initial values and rewind every scheduler, then start the first one.
    for (const g of groupsOf(optimizer, fn)) g.lr = g.initialLr;
    for (const s of list) s.lastEpoch -= 1;
    list[0]._initialStep();
    this._lastLr = list[0].getLastLr();
  }
  protected getLr(): number[] {
    return [...this._lastLr];
  }
  /** Advances one epoch, stepping the scheduler whose turn it is (restarted at a milestone). */
  override step(): void {
    this.lastEpoch += 1;
    const idx = bisectRight(this._milestones, this.lastEpoch);
    const scheduler = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this._lastLr = scheduler.getLastLr();
  }
  override stateDict(): Record<string, unknown> {
    const s = super.stateDict();
    s._schedulers = this._schedulers.map((x) => x.stateDict());
    return s;
  }
  override loadStateDict(state: Record<string, unknown>): void {
    const { _schedulers, ...rest } = state;
    super.loadStateDict(rest);
    if (Array.isArray(_schedulers)) _schedulers.forEach((s, i) => this._schedulers[i]?.loadStateDict(s as Record<string, unknown>));
  }
}

/** `ChainedScheduler(schedulers)`: steps every scheduler each epoch, so their factors compound. */
export class ChainedScheduler extends LRScheduler {
  private readonly _schedulers: LRScheduler[];
  constructor(schedulers: LRScheduler[]) {
    const fn = 'ChainedScheduler';
    const list = checkSchedulers(fn, schedulers);
    list.forEach((s, i) => {
      if (s.optimizer !== list[0].optimizer) {
        throw new Error(
          `${fn}: ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        );
      }
    });
    super(fn, list[0].optimizer, -1);
    this._schedulers = list;
    this._lastLr = groupsOf(list[list.length - 1].optimizer, fn).map(lrOf);
  }
  protected getLr(): number[] {
    return [...this._lastLr];
  }
  /** Steps each scheduler in order. */
  override step(): void {
    for (const s of this._schedulers) s.step();
    this._lastLr = groupsOf(this._schedulers[this._schedulers.length - 1].optimizer, this._name).map(lrOf);
  }
  override stateDict(): Record<string, unknown> {
    const s = super.stateDict();
    s._schedulers = this._schedulers.map((x) => x.stateDict());
    return s;
  }
  override loadStateDict(state: Record<string, unknown>): void {
    const { _schedulers, ...rest } = state;
    super.loadStateDict(rest);
    if (Array.isArray(_schedulers)) _schedulers.forEach((s, i) => this._schedulers[i]?.loadStateDict(s as Record<string, unknown>));
  }
}

/** Options of {@link CyclicLR}, as PyTorch's keyword arguments. */
export interface CyclicLROptions {
  /** Iterations in the increasing half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Iterations in the decreasing half (default: stepSizeUp). */
  stepSizeDown?: number | null;
  /** 'triangular' (default), 'triangular2' (amplitude halves each cycle) or 'exp_range' (scaled by gamma ** iteration). */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** exp_range's base (default 1.0). */
  gamma?: number;
  /** A custom scaling policy (overrides mode), with values in [0, 1]. */
  scaleFn?: ((x: number) => number) | null;
  /** What scaleFn is evaluated on: 'cycle' number (default) or 'iterations'. */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle the momentum inversely to the lr (default true; the optimizer needs a `momentum` option). */
  cycleMomentum?: boolean;
  /** Lower momentum bound, per group or one for all (default 0.8). */
  baseMomentum?: number | number[];
  /** Upper momentum bound, per group or one for all (default 0.9). */
  maxMomentum?: number | number[];
  lastEpoch?: number;
}

/**
 * `CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode='triangular',
 * gamma=1.0, scale_fn=None, scale_mode='cycle', cycle_momentum=True, base_momentum=0.8,
 * max_momentum=0.9, last_epoch=-1)`: the cyclical learning-rate policy, stepped per batch.
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: 'triangular' | 'triangular2' | 'exp_range';
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  private readonly _scaleFnCustom: ((x: number) => number) | null;

  constructor(optimizer: Optimizer<object>, baseLr: number | number[], maxLr: number | number[], opts: CyclicLROptions | null = {}) {
    const fn = 'CyclicLR';
    checkOptions(
      opts,
      ['stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'lastEpoch'],
      fn,
    );
    const groups = groupsOf(optimizer, fn);
    const format = (name: string, v: unknown): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== groups.length) throw new Error(`${fn}: expected ${groups.length} values for ${name}, got ${v.length}`);
        return v.map((x, i) => expectNum(fn, `${name}[${i}]`, x));
      }
      return groups.map(() => expectNum(fn, name, v));
    };
    const lastEpoch = expectInt(fn, 'lastEpoch', opts?.lastEpoch ?? -1, -1);
    const baseLrs = format('baseLr', baseLr);
    const maxLrs = format('maxLr', maxLr);
    const up = expectNum(fn, 'stepSizeUp', opts?.stepSizeUp ?? 2000);
    const down = opts?.stepSizeDown == null ? up : expectNum(fn, 'stepSizeDown', opts.stepSizeDown);
    const mode = opts?.mode ?? 'triangular';
    const scaleFn = opts?.scaleFn ?? null;
    if (scaleFn !== null && typeof scaleFn !== 'function') throw new TypeError(`${fn}: Expected a function for scaleFn but received ${describe(scaleFn)}`);
    if (!['triangular', 'triangular2', 'exp_range'].includes(mode) && scaleFn === null) {
      throw new TypeError(`${fn}: Expected one of 'triangular', 'triangular2', 'exp_range' for mode but received ${describe(mode)} (and scaleFn is null)`);
    }
    const scaleMode = opts?.scaleMode ?? 'cycle';
    if (scaleMode !== 'cycle' && scaleMode !== 'iterations') {
      throw new TypeError(`${fn}: Expected one of 'cycle', 'iterations' for scaleMode but received ${describe(scaleMode)}`);
    }
    const cycleMomentum = opts?.cycleMomentum ?? true;
    if (typeof cycleMomentum !== 'boolean') throw new TypeError(`${fn}: Expected boolean for cycleMomentum but received ${describe(cycleMomentum)}`);
    let baseMomentums: number[] = [];
    let maxMomentums: number[] = [];
    if (cycleMomentum) {
      if (!('momentum' in (optimizer.defaults as object))) throw new Error(`${fn}: optimizer must support momentum with \`cycleMomentum\` option enabled`);
      const bm = format('baseMomentum', opts?.baseMomentum ?? 0.8);
      maxMomentums = format('maxMomentum', opts?.maxMomentum ?? 0.9);
      if (lastEpoch === -1) groups.forEach((g, i) => (g.momentum = bm[i]));
      baseMomentums = groups.map((g) => g.momentum as number);
    }
    if (lastEpoch === -1) groups.forEach((g, i) => (g.lr = baseLrs[i]));
    super(fn, optimizer, lastEpoch);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = expectNum(fn, 'gamma', opts?.gamma ?? 1.0);
    this._scaleFnCustom = scaleFn;
    this.scaleMode = scaleFn === null ? (mode === 'exp_range' ? 'iterations' : 'cycle') : scaleMode;
    this.cycleMomentum = cycleMomentum;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this._initialStep();
    // As PyTorch: the base lrs are set after the initial step.
    this.baseLrs = baseLrs;
  }

  /** The scaling policy at `x` (a cycle number or an iteration). */
  scaleFn(x: number): number {
    if (this._scaleFnCustom !== null) return this._scaleFnCustom(x);
    if (this.mode === 'triangular') return 1.0;
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    return pyPow(this.gamma, x);
  }

  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const at = this.scaleMode === 'cycle' ? cycle : this.lastEpoch;
    const lrs = this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * scaleFactor * this.scaleFn(at));
    if (this.cycleMomentum) {
      const groups = groupsOf(this.optimizer, this._name);
      this.baseMomentums.forEach((bm, i) => {
        const baseHeight = (this.maxMomentums[i] - bm) * scaleFactor;
        groups[i].momentum = this.maxMomentums[i] - baseHeight * this.scaleFn(at);
      });
    }
    return lrs;
  }
}

/**
 * `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0, last_epoch=-1)`: SGDR, cosine
 * annealing restarted every `Ti` epochs (`Ti` grows by `TMult`). `step(epoch)` takes fractional
 * epochs (`epoch + i / iters`), as PyTorch's.
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  T0: number;
  Ti: number;
  TMult: number;
  etaMin: number;
  TCur: number;
  constructor(optimizer: Optimizer<object>, T0: number, opts: { TMult?: number; etaMin?: number; lastEpoch?: number } | null = {}) {
    const fn = 'CosineAnnealingWarmRestarts';
    checkOptions(opts, ['TMult', 'etaMin', 'lastEpoch'], fn);
    expectInt(fn, 'T0', T0, 1);
    const TMult = expectInt(fn, 'TMult', opts?.TMult ?? 1, 1);
    const etaMin = expectNum(fn, 'etaMin', opts?.etaMin ?? 0);
    const lastEpoch = opts?.lastEpoch ?? -1;
    super(fn, optimizer, lastEpoch);
    this.T0 = T0;
    this.Ti = T0;
    this.TMult = TMult;
    this.etaMin = etaMin;
    this.TCur = lastEpoch;
    this._initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.TCur) / this.Ti))) / 2);
  }
  /** Advances one epoch, or moves to `epoch` (may be fractional: `epoch + i / iters` within an epoch). */
  override step(epoch?: number): void {
    const fn = this._name;
    this._stepCount += 1;
    let e = epoch;
    if (e === undefined && this.lastEpoch < 0) e = 0;
    if (e === undefined) {
      e = this.lastEpoch + 1;
      this.TCur = this.TCur + 1;
      if (this.TCur >= this.Ti) {
        this.TCur = this.TCur - this.Ti;
        this.Ti = this.Ti * this.TMult;
      }
    } else {
      if (typeof e !== 'number' || Number.isNaN(e)) throw new TypeError(`${fn}.step: Expected number for epoch but received ${describe(e)}`);
      if (e < 0) throw new RangeError(`${fn}.step: Expected non-negative epoch, but got ${e}`);
      if (e >= this.T0) {
        if (this.TMult === 1) this.TCur = pyMod(e, this.T0);
        else {
          const n = Math.trunc(Math.log((e / this.T0) * (this.TMult - 1) + 1) / Math.log(this.TMult));
          this.TCur = e - (this.T0 * (this.TMult ** n - 1)) / (this.TMult - 1);
          this.Ti = this.T0 * this.TMult ** n;
        }
      } else {
        this.Ti = this.T0;
        this.TCur = e;
      }
    }
    this.lastEpoch = Math.floor(e);
    const groups = groupsOf(this.optimizer, fn);
    const values = this.getLr();
    groups.forEach((g, i) => (g.lr = values[i]));
    this._lastLr = groups.map(lrOf);
  }
}
