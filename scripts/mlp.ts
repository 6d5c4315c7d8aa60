/**
 * EE449 HW1 part 1.2, `mlp.py`: a two-layer perceptron with a hand-written backward pass,
 * ported line for line from the original NumPy code onto LibTorch tensors.
 *
 * Every product, activation and update is a tensor op; nothing is differentiated by autograd
 * (all work runs under noGrad). float64 by default, because NumPy computes in float64.
 * Memory: the weights and the cached forward activations are keep()-ed tensors owned by the
 * model; each forward() frees the previous activations, so a training loop stays flat.
 */
import { type Tensor, type DType, randn, zeros, tidy, keep, dispose, noGrad, isTensor, nn } from '../lib/index.js';

/** The activation functions of the original. */
export type Activation = 'sigmoid' | 'tanh' | 'relu';
/** Names accepted by the MLP, in the original's order. */
export const ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh', 'relu'];

function checkPosInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  throw new TypeError(`MLP: expected positive integer for ${what} but received ${String(v)} of type ${typeof v}`);
}

/** `class MLP` of mlp.py: fields keep the original's names in camelCase. */
export class MLP {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  readonly activation: Activation;
  /** [inputSize, hiddenSize], `np.random.randn` → `torch.randn` (default generator). */
  weightsInputHidden: Tensor;
  /** [1, hiddenSize], zeros. */
  biasHidden: Tensor;
  /** [hiddenSize, outputSize], `torch.randn`. */
  weightsHiddenOutput: Tensor;
  /** [1, outputSize], zeros. */
  biasOutput: Tensor;
  /** Cached by forward(): pre-activation of the hidden layer (null before the first forward). */
  hiddenInput: Tensor | null = null;
  hiddenOutput: Tensor | null = null;
  finalInput: Tensor | null = null;
  output: Tensor | null = null;

  constructor(inputSize: number, hiddenSize: number, outputSize: number, activation: Activation = 'sigmoid', opts: { dtype?: DType } = {}) {
    this.inputSize = checkPosInt(inputSize, 'inputSize');
    this.hiddenSize = checkPosInt(hiddenSize, 'hiddenSize');
    this.outputSize = checkPosInt(outputSize, 'outputSize');
    if (!ACTIVATIONS.includes(activation)) {
      throw new TypeError(`MLP: expected one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')} for activation but received ${String(activation)}`);
    }
    this.activation = activation;
    const dtype = opts.dtype ?? 'float64';
    // Initialize weights and biases (same draw order as the original: W1 then W2).
    this.weightsInputHidden = keep(randn([this.inputSize, this.hiddenSize], { dtype }));
    this.biasHidden = keep(zeros([1, this.hiddenSize], { dtype }));
    this.weightsHiddenOutput = keep(randn([this.hiddenSize, this.outputSize], { dtype }));
    this.biasOutput = keep(zeros([1, this.outputSize], { dtype }));
  }

  /** 1 / (1 + exp(-x)), written as the original writes it (not torch.sigmoid) to follow its arithmetic. */
  sigmoid(x: Tensor): Tensor {
    return tidy(() => x.neg().exp().add(1).reciprocal());
  }
  sigmoidDerivative(x: Tensor): Tensor {
    return tidy(() => this.sigmoid(x).mul(this.sigmoid(x).rsub(1)));
  }
  tanh(x: Tensor): Tensor {
    return x.tanh();
  }
  tanhDerivative(x: Tensor): Tensor {
    return tidy(() => x.tanh().pow(2).rsub(1));
  }
  /** np.maximum(0, x). */
  relu(x: Tensor): Tensor {
    return x.relu();
  }
  /** np.where(x > 0, 1, 0), in x's dtype. */
  reluDerivative(x: Tensor): Tensor {
    return tidy(() => x.gt(0).to(x.dtype));
  }
  activate(x: Tensor): Tensor {
    switch (this.activation) {
      case 'sigmoid':
        return this.sigmoid(x);
      case 'tanh':
        return this.tanh(x);
      case 'relu':
        return this.relu(x);
    }
  }
  activateDerivative(x: Tensor): Tensor {
    switch (this.activation) {
      case 'sigmoid':
        return this.sigmoidDerivative(x);
      case 'tanh':
        return this.tanhDerivative(x);
      case 'relu':
        return this.reluDerivative(x);
    }
  }

  private checkInputs(inputs: unknown, fn: string): Tensor {
    if (!isTensor(inputs)) throw new TypeError(`MLP.${fn}: expected Tensor for inputs but received ${String(inputs)}`);
    if (inputs.ndim !== 2 || inputs.shape[1] !== this.inputSize) {
      throw new RangeError(`MLP.${fn}: expected inputs of shape [N, ${this.inputSize}] but received [${inputs.shape.join(', ')}]`);
    }
    if (inputs.dtype !== this.weightsInputHidden.dtype) {
      throw new TypeError(`MLP.${fn}: expected inputs of dtype ${this.weightsInputHidden.dtype} (the weights' dtype) but received ${inputs.dtype}`);
    }
    return inputs;
  }

  /**
   * Forward pass; caches hiddenInput, hiddenOutput, finalInput and output on the model as the
   * original does. Returns a new handle to the output (the caller owns it; the cached one stays).
   */
  forward(inputs: Tensor): Tensor {
    this.checkInputs(inputs, 'forward');
    const r = noGrad(() =>
      tidy(() => {
        const hiddenInput = inputs.matmul(this.weightsInputHidden).add(this.biasHidden);
        const hiddenOutput = this.activate(hiddenInput);
        const finalInput = hiddenOutput.matmul(this.weightsHiddenOutput).add(this.biasOutput);
        const output = this.activate(finalInput);
        return { hiddenInput, hiddenOutput, finalInput, output };
      }),
    );
    dispose([this.hiddenInput, this.hiddenOutput, this.finalInput, this.output]);
    this.hiddenInput = keep(r.hiddenInput);
    this.hiddenOutput = keep(r.hiddenOutput);
    this.finalInput = keep(r.finalInput);
    this.output = keep(r.output);
    return noGrad(() => r.output.detach());
  }

  /**
   * Backward pass of the original: deltas summed over the batch (not averaged), weights and
   * biases updated in place by `learningRate` times those sums. Uses the activations cached by
   * the last forward(inputs).
   */
  backward(inputs: Tensor, targets: Tensor, learningRate: number): void {
    this.checkInputs(inputs, 'backward');
    if (!isTensor(targets)) throw new TypeError(`MLP.backward: expected Tensor for targets but received ${String(targets)}`);
    if (typeof learningRate !== 'number' || !Number.isFinite(learningRate)) {
      throw new TypeError(`MLP.backward: expected finite number for learningRate but received ${String(learningRate)}`);
    }
    if (this.output === null || this.hiddenOutput === null || this.hiddenInput === null || this.finalInput === null) {
      throw new Error('MLP.backward: call forward(inputs) first (backward uses the activations it caches)');
    }
    if (targets.ndim !== 2 || targets.shape[0] !== inputs.shape[0] || targets.shape[1] !== this.outputSize) {
      throw new RangeError(`MLP.backward: expected targets of shape [${inputs.shape[0]}, ${this.outputSize}] but received [${targets.shape.join(', ')}]`);
    }
    if (this.output.shape[0] !== inputs.shape[0]) {
      throw new RangeError(`MLP.backward: the last forward() saw ${this.output.shape[0]} samples but inputs has ${inputs.shape[0]}`);
    }
    const output = this.output,
      hiddenOutput = this.hiddenOutput,
      hiddenInput = this.hiddenInput,
      finalInput = this.finalInput;
    noGrad(() =>
      tidy(() => {
        const outputError = output.sub(targets);
        const outputDelta = outputError.mul(this.activateDerivative(finalInput));
        const hiddenError = outputDelta.matmul(this.weightsHiddenOutput.T);
        const hiddenDelta = hiddenError.mul(this.activateDerivative(hiddenInput));
        // Update weights and biases
        this.weightsHiddenOutput.sub_(hiddenOutput.T.matmul(outputDelta).mul(learningRate));
        this.biasOutput.sub_(outputDelta.sum(0, { keepdim: true }).mul(learningRate));
        this.weightsInputHidden.sub_(inputs.T.matmul(hiddenDelta).mul(learningRate));
        this.biasHidden.sub_(hiddenDelta.sum(0, { keepdim: true }).mul(learningRate));
      }),
    );
  }

  /** Frees the weights and cached activations. */
  dispose(): void {
    dispose([
      this.weightsInputHidden,
      this.biasHidden,
      this.weightsHiddenOutput,
      this.biasOutput,
      this.hiddenInput,
      this.hiddenOutput,
      this.finalInput,
      this.output,
    ]);
    this.hiddenInput = this.hiddenOutput = this.finalInput = this.output = null;
  }
}

/**
 * The same network as an `nn.Sequential` (Linear, activation, Linear, activation) holding a copy
 * of `model`'s current weights, for training with autograd and `optim.SGD` instead of the
 * hand-written backward. nn.Linear stores W as [out, in] and computes x·Wᵀ + b, so the MLP's
 * [in, out] matrices are copied transposed and the [1, n] biases flattened.
 *
 * To reach the same weights as `MLP.backward(x, y, lr)` train it on
 * `loss = 0.5 * sum((output - y)²)` with `SGD(lr)`: the hand-written backward applies the
 * batch SUM of (output − target)·act'(z), which is exactly the gradient of half the summed
 * squared error (the MSE the script prints would scale the step by 2/N).
 */
export function mlpTwin(model: MLP): nn.Sequential {
  if (!(model instanceof MLP)) throw new TypeError(`mlpTwin: expected MLP for model but received ${String(model)}`);
  const dtype = model.weightsInputHidden.dtype;
  const act = (): nn.Module => (model.activation === 'sigmoid' ? new nn.Sigmoid() : model.activation === 'tanh' ? new nn.Tanh() : new nn.ReLU());
  const l1 = new nn.Linear(model.inputSize, model.hiddenSize, { dtype });
  const l2 = new nn.Linear(model.hiddenSize, model.outputSize, { dtype });
  noGrad(() =>
    tidy(() => {
      l1.weight.copy_(model.weightsInputHidden.T);
      l1.bias!.copy_(model.biasHidden.view([model.hiddenSize]));
      l2.weight.copy_(model.weightsHiddenOutput.T);
      l2.bias!.copy_(model.biasOutput.view([model.outputSize]));
    }),
  );
  return new nn.Sequential(l1, act(), l2, act());
}
