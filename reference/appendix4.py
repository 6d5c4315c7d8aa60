"""Appendix 4 of the homework (EE449 HW1, ../shared/seeds): the architectures whose activation
is chosen by name ('relu' or 'sigmoid'), as tools/golden/part4_parity.py and scripts/models.ts
(buildModel's activation) use them. Verbatim, except that MLP1's forward gets the `else:` the
appendix's listing lost (its relu line sits under the sigmoid branch; MLP2..CNN5 show the intent).
Import with: sys.path.insert(0, <repo>/reference); from appendix4 import CNN3
"""
import torch
import torch.nn as nn


class MLP1(nn.Module):
    def __init__(self, activation='relu'):
        super().__init__()
        self.fc1 = nn.Linear(3*32*32, 32)
        self.fc2 = nn.Linear(32, 10)
        self.activation_type = activation

    def forward(self, x):
        x = x.view(x.size(0), -1)
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.fc1(x))
        else:
            x = nn.functional.relu(self.fc1(x))
        x = self.fc2(x)
        return x


class MLP2(nn.Module):
    def __init__(self, activation='relu'):
        super().__init__()
        self.fc1 = nn.Linear(3*32*32, 32)
        self.fc2 = nn.Linear(32, 64, bias=False)
        self.fc3 = nn.Linear(64, 10)
        self.activation_type = activation

    def forward(self, x):
        x = x.view(x.size(0), -1)
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.fc1(x))
            x = torch.sigmoid(self.fc2(x))
        else:
            x = nn.functional.relu(self.fc1(x))
            x = nn.functional.relu(self.fc2(x))
        x = self.fc3(x)
        return x


class CNN3(nn.Module):
    def __init__(self, activation='relu'):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=0)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=5, padding=0)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv3 = nn.Conv2d(8, 16, kernel_size=7, padding=0)
        self.pool2 = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(16*3*3, 10)
        self.activation_type = activation

    def forward(self, x):
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.conv1(x))
            x = torch.sigmoid(self.conv2(x))
        else:
            x = nn.functional.relu(self.conv1(x))
            x = nn.functional.relu(self.conv2(x))
        x = self.pool1(x)
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.conv3(x))
        else:
            x = nn.functional.relu(self.conv3(x))
        x = self.pool2(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return x


class CNN4(nn.Module):
    def __init__(self, activation='relu'):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=0)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=0)
        self.conv3 = nn.Conv2d(8, 16, kernel_size=5, padding=0)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv4 = nn.Conv2d(16, 16, kernel_size=5, padding=0)
        self.pool2 = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(16*4*4, 10)
        self.activation_type = activation

    def forward(self, x):
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.conv1(x))
            x = torch.sigmoid(self.conv2(x))
            x = torch.sigmoid(self.conv3(x))
        else:
            x = nn.functional.relu(self.conv1(x))
            x = nn.functional.relu(self.conv2(x))
            x = nn.functional.relu(self.conv3(x))
        x = self.pool1(x)
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.conv4(x))
        else:
            x = nn.functional.relu(self.conv4(x))
        x = self.pool2(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return x


class CNN5(nn.Module):
    def __init__(self, activation='relu'):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, padding=0)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=0)
        self.conv3 = nn.Conv2d(16, 8, kernel_size=3, padding=0)
        self.conv4 = nn.Conv2d(8, 16, kernel_size=3, padding=0)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.conv5 = nn.Conv2d(16, 16, kernel_size=3, padding=0)
        self.conv6 = nn.Conv2d(16, 8, kernel_size=3, padding=0)
        self.pool2 = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(8*4*4, 10)
        self.activation_type = activation

    def forward(self, x):
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.conv1(x))
            x = torch.sigmoid(self.conv2(x))
            x = torch.sigmoid(self.conv3(x))
            x = torch.sigmoid(self.conv4(x))
        else:
            x = nn.functional.relu(self.conv1(x))
            x = nn.functional.relu(self.conv2(x))
            x = nn.functional.relu(self.conv3(x))
            x = nn.functional.relu(self.conv4(x))
        x = self.pool1(x)
        if self.activation_type == 'sigmoid':
            x = torch.sigmoid(self.conv5(x))
            x = torch.sigmoid(self.conv6(x))
        else:
            x = nn.functional.relu(self.conv5(x))
            x = nn.functional.relu(self.conv6(x))
        x = self.pool2(x)
        x = x.view(x.size(0), -1)
        x = self.fc(x)
        return x


MODELS = {'mlp_1': MLP1, 'mlp_2': MLP2, 'cnn_3': CNN3, 'cnn_4': CNN4, 'cnn_5': CNN5}
