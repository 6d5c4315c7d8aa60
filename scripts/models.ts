/**
 * The five architectures of EE449 HW1 parts 3–5 (Appendix 3 `part3.py`, Appendix 4 `part4.py`,
 * Appendix 5 `part5.py`), ported line for line. Layers are created in the original's order so
 * that, after `manualSeed(S)`, every parameter starts with PyTorch's exact values.
 *
 * Appendix 3 builds them with ReLU only; Appendix 4 adds `activation='relu'|'sigmoid'`
 * (`self.activation_type`), which is the constructor argument here (default 'relu', so
 * `new CNN3()` is Appendix 3's and Appendix 5's model); the forward bodies are Appendix 4's,
 * which for ReLU are Appendix 3's lines. Appendix 3's MLPs also hold a parameter-less
 * `self.relu = nn.ReLU()`; it is kept (it only shows in the repr).
 *
 * Nothing here manages memory or layouts: intermediates are freed by the garbage collector (or
 * by the caller's tidy()), and `buildModel` runs the ReLU CNNs' convolution stacks in oneDNN's
 * blocked layout with `torch.backends.mkldnn.useLayout` — the same numbers, bit for bit, without
 * the layout conversions a dense convolution makes on every call (test/67).
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

/**
 * Whether buildModel runs the ReLU CNNs' convolution stacks in oneDNN's blocked layout on the
 * CPU (default: when this LibTorch can, see torch.backends.mkldnn.layoutTrainingWorks).
 * `setOneDnnLayout(false)` runs every model dense, as Python's appendix code does, also models
 * built earlier; the results are the same bit for bit either way (test/67).
 */
export function setOneDnnLayout(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`setOneDnnLayout: expected a boolean but received ${String(on)} of type ${typeof on}`);
  torch.backends.mkldnn.setLayoutEnabled(on);
}

/** Whether this LibTorch trains conv2d → relu → max_pool2d in oneDNN's layout (1.13 does, 2.x does not). */
export const oneDnnStackWorks = (): boolean => torch.backends.mkldnn.layoutTrainingWorks();

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
  override forward(x: Tensor): Tensor {
    x = x.view(x.size(0), -1);
    if (this.activationType === 'sigmoid') x = torch.sigmoid(this.fc1.call(x));
    else x = nn.functional.relu(this.fc1.call(x));
    x = this.fc2.call(x);
    return x;
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
  override forward(x: Tensor): Tensor {
    x = x.view(x.size(0), -1);
    if (this.activationType === 'sigmoid') {
      x = torch.sigmoid(this.fc1.call(x));
      x = torch.sigmoid(this.fc2.call(x));
    } else {
      x = nn.functional.relu(this.fc1.call(x));
      x = nn.functional.relu(this.fc2.call(x));
    }
    x = this.fc3.call(x);
    return x;
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
  override forward(x: Tensor): Tensor {
    if (this.activationType === 'sigmoid') {
      x = torch.sigmoid(this.conv1.call(x));
      x = torch.sigmoid(this.conv2.call(x));
    } else {
      x = nn.functional.relu(this.conv1.call(x));
      x = nn.functional.relu(this.conv2.call(x));
    }
    x = this.pool1.call(x);
    if (this.activationType === 'sigmoid') x = torch.sigmoid(this.conv3.call(x));
    else x = nn.functional.relu(this.conv3.call(x));
    x = this.pool2.call(x);
    x = x.view(x.size(0), -1);
    x = this.fc.call(x);
    return x;
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
  override forward(x: Tensor): Tensor {
    if (this.activationType === 'sigmoid') {
      x = torch.sigmoid(this.conv1.call(x));
      x = torch.sigmoid(this.conv2.call(x));
      x = torch.sigmoid(this.conv3.call(x));
    } else {
      x = nn.functional.relu(this.conv1.call(x));
      x = nn.functional.relu(this.conv2.call(x));
      x = nn.functional.relu(this.conv3.call(x));
    }
    x = this.pool1.call(x);
    if (this.activationType === 'sigmoid') x = torch.sigmoid(this.conv4.call(x));
    else x = nn.functional.relu(this.conv4.call(x));
    x = this.pool2.call(x);
    x = x.view(x.size(0), -1);
    x = this.fc.call(x);
    return x;
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
  override forward(x: Tensor): Tensor {
    if (this.activationType === 'sigmoid') {
      x = torch.sigmoid(this.conv1.call(x));
      x = torch.sigmoid(this.conv2.call(x));
      x = torch.sigmoid(this.conv3.call(x));
      x = torch.sigmoid(this.conv4.call(x));
    } else {
      x = nn.functional.relu(this.conv1.call(x));
      x = nn.functional.relu(this.conv2.call(x));
      x = nn.functional.relu(this.conv3.call(x));
      x = nn.functional.relu(this.conv4.call(x));
    }
    x = this.pool1.call(x);
    if (this.activationType === 'sigmoid') {
      x = torch.sigmoid(this.conv5.call(x));
      x = torch.sigmoid(this.conv6.call(x));
    } else {
      x = nn.functional.relu(this.conv5.call(x));
      x = nn.functional.relu(this.conv6.call(x));
    }
    x = this.pool2.call(x);
    x = x.view(x.size(0), -1);
    x = this.fc.call(x);
    return x;
  }
}

/** Appendix 3's class name for CNN5. */
export const CNN5_Debug = CNN5;

/** Any of the five models. */
export type HwModel = MLP1 | MLP2 | CNN3 | CNN4 | CNN5;

/** Builds a model by its name in the original's dictionaries ('mlp_1' … 'cnn_5'). */
export function buildModel(name: ModelName, activation: Activation = 'relu'): HwModel {
  const model = newModel(name, activation);
  // The speed-up that keeps the numbers: ReLU conv stacks in oneDNN's layout (not sigmoid, whose
  // oneDNN kernel differs from ATen's by up to 1 ulp).
  if (activation === 'relu' && model instanceof nn.Module && name.startsWith('cnn')) torch.backends.mkldnn.useLayout(model);
  return model;
}

function newModel(name: ModelName, activation: Activation): HwModel {
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
