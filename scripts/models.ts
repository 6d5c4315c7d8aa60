/**
 * The five architectures of EE449 HW1 parts 3–5 (Appendix 3 `part3.py`, Appendix 4 `part4.py`,
 * Appendix 5 `part5.py`), ported line for line. Layers are created in the original's order so
 * that, after `manualSeed(S)`, every parameter starts with PyTorch's exact values.
 *
 * Appendix 3 builds them with ReLU only; Appendix 4 adds `activation='relu'|'sigmoid'`
 * (`self.activation_type`), which is the constructor argument here (default 'relu', so
 * `new CNN3()` is Appendix 3's and Appendix 5's model). Appendix 3's MLPs also hold a
 * parameter-less `self.relu = nn.ReLU()`; it is kept (it only shows in the repr).
 *
 * `forward` frees each intermediate activation as soon as the next one exists (`f.x = …`, see
 * Flow), as Python's reference counting does; the result belongs to the caller (the training
 * loops run the forward inside `tidy()`). Autograd keeps what backward needs on its own.
 *
 * On the CPU the ReLU CNNs run their convolution stack in oneDNN's blocked layout (`layoutIn`),
 * one line more than the original at each end of the stack: the same numbers, bit for bit,
 * without the layout conversions a dense convolution makes on every call.
 */
import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';

/** The activations Appendix 4 compares. */
export type Activation = 'relu' | 'sigmoid';

/** Names of the architectures, as the original's dictionaries key them. */
export const MODEL_NAMES = ['mlp_1', 'mlp_2', 'cnn_3', 'cnn_4', 'cnn_5'] as const;
/** One of MODEL_NAMES. */
export type ModelName = (typeof MODEL_NAMES)[number];

function checkActivation(a: unknown, cls: string): Activation {
  if (a === 'relu' || a === 'sigmoid') return a;
  throw new TypeError(`${cls}: expected 'relu' or 'sigmoid' for activation but received ${JSON.stringify(a)} of type ${typeof a}`);
}

function checkInput(x: unknown, cls: string, shape: number[]): Tensor {
  if (!(x instanceof torch.Tensor) || x.isDisposed) {
    throw new TypeError(`${cls}: expected a Tensor for input but received ${x instanceof torch.Tensor ? 'a disposed Tensor' : String(x)}`);
  }
  const s = x.shape;
  if (s.length !== 4 || s[1] !== shape[0] || s[2] !== shape[1] || s[3] !== shape[2]) {
    throw new RangeError(`${cls}: expected input of shape [N, ${shape.join(', ')}] but received [${s.join(', ')}]`);
  }
  return x;
}

/**
 * The activation chosen by `activation_type` (torch.sigmoid or F.relu, as Appendix 4), applied
 * to a layer's fresh output, which it frees (nothing else refers to it).
 */
function act(kind: Activation, x: Tensor): Tensor {
  const y = kind === 'sigmoid' ? torch.sigmoid(x) : nn.F.relu(x);
  x.dispose();
  return y;
}

/**
 * The running activation of a forward pass: assigning `x` frees the previous one (never the
 * caller's input). Python frees each intermediate once the next exists; kept until the end of
 * a tidy() scope instead, a forward's whole activation chain stays allocated (a larger peak and
 * colder caches). See bench/README.md for measurements.
 */
class Flow {
  private cur: Tensor;
  constructor(private readonly input: Tensor) {
    this.cur = input;
  }
  get x(): Tensor {
    return this.cur;
  }
  set x(next: Tensor) {
    if (this.cur !== this.input && this.cur !== next) this.cur.dispose();
    this.cur = next;
  }
}

/**
 * Whether this LibTorch trains the CNN stack in oneDNN's layout: conv2d, relu and max_pool2d
 * forward and backward on a tiny batch. LibTorch 1.13 does; 2.x's max_pool2d rejects oneDNN
 * tensors under autograd ("registered to both CompositeImplicitAutograd and a backend mapped to
 * AutogradOther"), and Python's to_mkldnn() fails there the same way. Then the models run dense,
 * exactly as the appendix's Python does.
 */
export function oneDnnStackWorks(): boolean {
  if (!torch.backends.mkldnn.isAvailable()) return false;
  try {
    return torch.tidy(() => {
      const w = torch.ones([2, 3, 3, 3], { requiresGrad: true });
      const x = torch.ones([2, 3, 6, 6]).toMkldnn();
      const y = nn.F.maxPool2d(nn.F.relu(nn.F.conv2d(x, w)), 2, { stride: 2 }).toDense();
      y.sum().backward();
      return w.grad !== null && y.shape.join() === '2,2,2,2';
    });
  } catch {
    return false;
  }
}

// Probed at import: a first use may come inside noGrad/inferenceMode, where backward cannot run.
const oneDnnSupported = oneDnnStackWorks();
let oneDnnLayout = oneDnnSupported;

/**
 * Whether the ReLU CNNs run their convolution stack in oneDNN's blocked layout on the CPU
 * (default: when this LibTorch can, see oneDnnStackWorks). `setOneDnnLayout(false)` runs them on dense tensors, as
 * Python's appendix code does; the results are the same bit for bit either way (test/67).
 */
export function setOneDnnLayout(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`setOneDnnLayout: expected a boolean but received ${String(on)} of type ${typeof on}`);
  oneDnnLayout = on && oneDnnSupported;
}

/**
 * The CNNs' input in oneDNN's blocked layout when that gives the same numbers faster: a dense CPU
 * convolution converts its input and output between layouts on every call; a stack kept in
 * oneDNN's layout converts once at each end. The same oneDNN kernels compute, so forward outputs
 * and gradients are bit-identical (autograd runs through the layout: ToMkldnnBackward and
 * oneDNN's conv/ReLU/pool backward). Only with ReLU (oneDNN's logistic differs from ATen's
 * sigmoid by up to 1 ulp) and for batches of two or more (a single image may take another
 * kernel and differ in the last bit). Train steps ~15–20% faster, evaluation ~1.5× (bench/).
 */
function layoutIn(kind: Activation, x: Tensor): Tensor {
  if (!oneDnnLayout || kind !== 'relu' || x.device !== 'cpu' || x.dtype !== 'float32' || x.isMkldnn || (x.size(0) as number) < 2) return x;
  return x.toMkldnn();
}

/** MLP1: flatten → fc1 (3072→32) → act → fc2 (32→10). */
export class MLP1 extends nn.Module {
  fc1 = new nn.Linear(3 * 32 * 32, 32);
  relu = new nn.ReLU();
  fc2 = new nn.Linear(32, 10);
  /** Appendix 4's `self.activation_type`. */
  readonly activationType: Activation;
  constructor(activation: Activation = 'relu') {
    super();
    this.activationType = checkActivation(activation, 'MLP1');
  }
  /** The first layer (Appendix 3's weights figure, Appendix 4's gradient norm). */
  get firstLayer(): nn.Linear {
    return this.fc1;
  }
  override forward(input: Tensor): Tensor {
    const f = new Flow(checkInput(input, 'MLP1', [3, 32, 32]));
    f.x = f.x.view(f.x.size(0) as number, -1);
    f.x = act(this.activationType, this.fc1.call(f.x));
    f.x = this.fc2.call(f.x);
    return f.x;
  }
}

/** MLP2: flatten → fc1 (3072→32) → act → fc2 (32→64, no bias) → act → fc3 (64→10). */
export class MLP2 extends nn.Module {
  fc1 = new nn.Linear(3 * 32 * 32, 32);
  relu = new nn.ReLU();
  fc2 = new nn.Linear(32, 64, { bias: false });
  fc3 = new nn.Linear(64, 10);
  readonly activationType: Activation;
  constructor(activation: Activation = 'relu') {
    super();
    this.activationType = checkActivation(activation, 'MLP2');
  }
  get firstLayer(): nn.Linear {
    return this.fc1;
  }
  override forward(input: Tensor): Tensor {
    const f = new Flow(checkInput(input, 'MLP2', [3, 32, 32]));
    f.x = f.x.view(f.x.size(0) as number, -1);
    f.x = act(this.activationType, this.fc1.call(f.x));
    f.x = act(this.activationType, this.fc2.call(f.x));
    f.x = this.fc3.call(f.x);
    return f.x;
  }
}

/** CNN3: (3,32,32)→conv3×3×16→(16,30,30)→conv5×5×8→(8,26,26)→pool→(8,13,13)→conv7×7×16→(16,7,7)→pool→(16,3,3)→fc(144→10). */
export class CNN3 extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, { kernelSize: 3, stride: 1, padding: 0 });
  conv2 = new nn.Conv2d(16, 8, { kernelSize: 5, stride: 1, padding: 0 });
  pool1 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  conv3 = new nn.Conv2d(8, 16, { kernelSize: 7, stride: 1, padding: 0 });
  pool2 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  fc = new nn.Linear(16 * 3 * 3, 10);
  readonly activationType: Activation;
  constructor(activation: Activation = 'relu') {
    super();
    this.activationType = checkActivation(activation, 'CNN3');
  }
  get firstLayer(): nn.Conv2d {
    return this.conv1;
  }
  override forward(input: Tensor): Tensor {
    const a = this.activationType;
    const f = new Flow(checkInput(input, 'CNN3', [3, 32, 32]));
    f.x = layoutIn(a, f.x);
    f.x = act(a, this.conv1.call(f.x));
    f.x = act(a, this.conv2.call(f.x));
    f.x = this.pool1.call(f.x);
    f.x = act(a, this.conv3.call(f.x));
    f.x = this.pool2.call(f.x);
    if (f.x.isMkldnn) f.x = f.x.toDense(); // views need the strided layout (see layoutIn)
    f.x = f.x.view(f.x.size(0) as number, -1);
    f.x = this.fc.call(f.x);
    return f.x;
  }
}

/** CNN4: (3,32,32)→conv3→(16,30,30)→conv3→(8,28,28)→conv5→(16,24,24)→pool→(16,12,12)→conv5→(16,8,8)→pool→(16,4,4)→fc(256→10). */
export class CNN4 extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, { kernelSize: 3, stride: 1, padding: 0 });
  conv2 = new nn.Conv2d(16, 8, { kernelSize: 3, stride: 1, padding: 0 });
  conv3 = new nn.Conv2d(8, 16, { kernelSize: 5, stride: 1, padding: 0 });
  pool1 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  conv4 = new nn.Conv2d(16, 16, { kernelSize: 5, stride: 1, padding: 0 });
  pool2 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  fc = new nn.Linear(16 * 4 * 4, 10);
  readonly activationType: Activation;
  constructor(activation: Activation = 'relu') {
    super();
    this.activationType = checkActivation(activation, 'CNN4');
  }
  get firstLayer(): nn.Conv2d {
    return this.conv1;
  }
  override forward(input: Tensor): Tensor {
    const a = this.activationType;
    const f = new Flow(checkInput(input, 'CNN4', [3, 32, 32]));
    f.x = layoutIn(a, f.x);
    f.x = act(a, this.conv1.call(f.x));
    f.x = act(a, this.conv2.call(f.x));
    f.x = act(a, this.conv3.call(f.x));
    f.x = this.pool1.call(f.x);
    f.x = act(a, this.conv4.call(f.x));
    f.x = this.pool2.call(f.x);
    if (f.x.isMkldnn) f.x = f.x.toDense(); // views need the strided layout (see layoutIn)
    f.x = f.x.view(f.x.size(0) as number, -1);
    f.x = this.fc.call(f.x);
    return f.x;
  }
}

/**
 * CNN5 (Appendix 3's `CNN5_Debug`): six 3×3 convolutions 8,16,8,16 | pool | 16,8 | pool, then
 * fc(128→10): (3,32,32)→(8,30,30)→(16,28,28)→(8,26,26)→(16,24,24)→pool→(16,12,12)→(16,10,10)→(8,8,8)→pool→(8,4,4).
 */
export class CNN5 extends nn.Module {
  conv1 = new nn.Conv2d(3, 8, { kernelSize: 3, stride: 1, padding: 0 });
  conv2 = new nn.Conv2d(8, 16, { kernelSize: 3, stride: 1, padding: 0 });
  conv3 = new nn.Conv2d(16, 8, { kernelSize: 3, stride: 1, padding: 0 });
  conv4 = new nn.Conv2d(8, 16, { kernelSize: 3, stride: 1, padding: 0 });
  pool1 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  conv5 = new nn.Conv2d(16, 16, { kernelSize: 3, stride: 1, padding: 0 });
  conv6 = new nn.Conv2d(16, 8, { kernelSize: 3, stride: 1, padding: 0 });
  pool2 = new nn.MaxPool2d({ kernelSize: 2, stride: 2 });
  fc = new nn.Linear(8 * 4 * 4, 10);
  readonly activationType: Activation;
  constructor(activation: Activation = 'relu') {
    super();
    this.activationType = checkActivation(activation, 'CNN5');
  }
  get firstLayer(): nn.Conv2d {
    return this.conv1;
  }
  override forward(input: Tensor): Tensor {
    const a = this.activationType;
    const f = new Flow(checkInput(input, 'CNN5', [3, 32, 32]));
    f.x = layoutIn(a, f.x);
    f.x = act(a, this.conv1.call(f.x));
    f.x = act(a, this.conv2.call(f.x));
    f.x = act(a, this.conv3.call(f.x));
    f.x = act(a, this.conv4.call(f.x));
    f.x = this.pool1.call(f.x);
    f.x = act(a, this.conv5.call(f.x));
    f.x = act(a, this.conv6.call(f.x));
    f.x = this.pool2.call(f.x);
    if (f.x.isMkldnn) f.x = f.x.toDense(); // views need the strided layout (see layoutIn)
    f.x = f.x.view(f.x.size(0) as number, -1);
    f.x = this.fc.call(f.x);
    return f.x;
  }
}

/** Appendix 3's class name for CNN5. */
export const CNN5_Debug = CNN5;

/** Any of the five models. */
export type HwModel = MLP1 | MLP2 | CNN3 | CNN4 | CNN5;

/** Builds a model by its name in the original's dictionaries ('mlp_1' … 'cnn_5'). */
export function buildModel(name: ModelName, activation: Activation = 'relu'): HwModel {
  switch (name) {
    case 'mlp_1':
      return new MLP1(activation);
    case 'mlp_2':
      return new MLP2(activation);
    case 'cnn_3':
      return new CNN3(activation);
    case 'cnn_4':
      return new CNN4(activation);
    case 'cnn_5':
      return new CNN5(activation);
    default:
      throw new TypeError(`buildModel: expected one of ${MODEL_NAMES.join(', ')} for name but received ${JSON.stringify(name)}`);
  }
}

/** Parses a `--models` list ("mlp_1,cnn_3"; "cnn3" and "cnn-3" are accepted too). */
export function parseModelList(list: string, allowed: readonly ModelName[] = MODEL_NAMES): ModelName[] {
  if (typeof list !== 'string' || list.trim() === '')
    throw new TypeError(`--models: expected a comma-separated list of ${allowed.join(', ')} but received ${JSON.stringify(list)}`);
  const out: ModelName[] = [];
  for (const raw of list.split(',')) {
    const m = /^(mlp|cnn)[_-]?(\d)$/i.exec(raw.trim());
    const name = (m ? `${m[1].toLowerCase()}_${m[2]}` : raw.trim()) as ModelName;
    if (!allowed.includes(name)) throw new TypeError(`--models: expected names among ${allowed.join(', ')} but received '${raw.trim()}'`);
    if (!out.includes(name)) out.push(name);
  }
  // The original trains in its dictionary order.
  return allowed.filter((n) => out.includes(n));
}
