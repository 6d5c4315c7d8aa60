"""Golden fixtures for the homework 1 ports (test/60.part1.test.ts, test/61.part2.test.ts).

Run with Debian's PyTorch:  /usr/bin/python3 tools/golden/homework12.py
Writes test/fixtures/homework12.json.

The MLP below is the original NumPy code of EE449 HW1 (Appendix 1) with np replaced by torch
float64 ops, in the same order as scripts/mlp.ts, and the dataset is the same stand-in as
scripts/part1_2.ts part1CreateDataset (make_blobs-like, drawn with torch's default generator).
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'homework12.json')

CENTERS = [[1, 1], [1, -1], [-1, -1], [-1, 1]]
XOR = [0, 1, 0, 1]


def blobs(n, std):
    counts = [n // 4 + (1 if k < n % 4 else 0) for k in range(4)]
    cls = [k for k, c in enumerate(counts) for _ in range(c)]
    labels = torch.tensor(cls, dtype=torch.int64)
    centers = torch.tensor(CENTERS, dtype=torch.float64)
    xor = torch.tensor(XOR, dtype=torch.float64)
    x = centers.index_select(0, labels) + torch.randn(n, 2, dtype=torch.float64) * std
    y = xor.index_select(0, labels).view(n, 1)
    perm = torch.randperm(n)
    return x.index_select(0, perm), y.index_select(0, perm)


def part1_create_dataset(train_samples=1000, val_samples=100, std=0.4):
    x_train, y_train = blobs(train_samples, std)
    x_val, y_val = blobs(val_samples, std)
    return x_train, y_train, x_val, y_val


class MLP:
    def __init__(self, input_size, hidden_size, output_size, activation='sigmoid'):
        self.activation = activation
        self.weights_input_hidden = torch.randn(input_size, hidden_size, dtype=torch.float64)
        self.bias_hidden = torch.zeros(1, hidden_size, dtype=torch.float64)
        self.weights_hidden_output = torch.randn(hidden_size, output_size, dtype=torch.float64)
        self.bias_output = torch.zeros(1, output_size, dtype=torch.float64)

    def sigmoid(self, x):
        return torch.reciprocal(torch.exp(-x) + 1)

    def activate(self, x):
        if self.activation == 'sigmoid':
            return self.sigmoid(x)
        if self.activation == 'tanh':
            return torch.tanh(x)
        return torch.relu(x)

    def activate_derivative(self, x):
        if self.activation == 'sigmoid':
            return self.sigmoid(x) * (1 - self.sigmoid(x))
        if self.activation == 'tanh':
            return 1 - torch.tanh(x) ** 2
        return (x > 0).to(x.dtype)

    def forward(self, inputs):
        self.hidden_input = inputs.matmul(self.weights_input_hidden) + self.bias_hidden
        self.hidden_output = self.activate(self.hidden_input)
        self.final_input = self.hidden_output.matmul(self.weights_hidden_output) + self.bias_output
        self.output = self.activate(self.final_input)
        return self.output

    def backward(self, inputs, targets, learning_rate):
        output_error = self.output - targets
        output_delta = output_error * self.activate_derivative(self.final_input)
        hidden_error = output_delta.matmul(self.weights_hidden_output.T)
        hidden_delta = hidden_error * self.activate_derivative(self.hidden_input)
        self.weights_hidden_output -= self.hidden_output.T.matmul(output_delta) * learning_rate
        self.bias_output -= output_delta.sum(0, keepdim=True) * learning_rate
        self.weights_input_hidden -= inputs.T.matmul(hidden_delta) * learning_rate
        self.bias_hidden -= hidden_delta.sum(0, keepdim=True) * learning_rate


def flat(t):
    return t.detach().reshape(-1).tolist()


def activations():
    x = torch.linspace(-5, 5, 1000, dtype=torch.float64, requires_grad=True)
    idx = list(range(0, 1000, 37)) + [999]
    out = {'index': idx}
    for name, f in [('sigmoid', torch.sigmoid), ('tanh', torch.tanh), ('relu', torch.relu)]:
        y = f(x)
        (dy,) = torch.autograd.grad(y.sum(), x)
        out[name] = {'y': [y[i].item() for i in idx], 'dy': [dy[i].item() for i in idx]}
    return out


def mlp_runs(seed=0, epochs=10000, lr=0.001):
    torch.manual_seed(seed)
    x_train, y_train, x_val, y_val = part1_create_dataset(1000, 100, 0.4)
    data = {'xTrainHead': flat(x_train[:5]), 'yTrainHead': flat(y_train[:5]), 'xValHead': flat(x_val[:5]),
            'yValSum': y_val.sum().item(), 'xTrainSum': x_train.sum().item()}
    runs = {}
    for activation in ['sigmoid', 'tanh', 'relu']:
        model = MLP(2, 8, 1, activation)
        init = {'w1': flat(model.weights_input_hidden), 'w2': flat(model.weights_hidden_output)}
        losses = []
        for epoch in range(epochs):
            output = model.forward(x_train)
            loss = ((output - y_train) ** 2).mean().item()
            model.backward(x_train, y_train, lr)
            if epoch % 1000 == 0:
                losses.append(loss)
        y_pred = model.forward(x_val)
        acc = ((y_pred > 0.5) == y_val).to(torch.float64).mean().item() * 100
        runs[activation] = {
            'init': init, 'lossEvery1000': losses, 'validationAccuracy': acc,
            'w1': flat(model.weights_input_hidden), 'b1': flat(model.bias_hidden),
            'w2': flat(model.weights_hidden_output), 'b2': flat(model.bias_output),
        }
    return {'seed': seed, 'epochs': epochs, 'lr': lr, 'data': data, 'runs': runs}


def conv():
    torch.manual_seed(0)
    inp = torch.randn(2, 3, 9, 8)
    k = torch.randn(4, 3, 3, 2)
    out = F.conv2d(inp, k)
    return {'input': flat(inp), 'inputShape': list(inp.shape), 'kernel': flat(k), 'kernelShape': list(k.shape),
            'output': flat(out), 'outputShape': list(out.shape)}


def main():
    fixture = {'torch': torch.__version__, 'activations': activations(), 'mlp': mlp_runs(), 'conv': conv()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f)
    print('wrote', os.path.normpath(OUT))


if __name__ == '__main__':
    main()
