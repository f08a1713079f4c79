"""PyTorch peer of bench/ (MNIST CNN): the same layers as runtime/models/mnist.ts `mnistCnn` (conv 16@3×3 same →
relu → max-pool 2 → conv 32@3×3 same → relu → max-pool 2 → dense 10), fastai's Adam (lr 1e-3, wd 0.01, none on
biases), batches of 64 in order, and the validation loss and accuracy each epoch.

    python3 bench/peers/cnn.py DATA_DIR THREADS

DATA_DIR holds what the Node side wrote: x_train.f32 (n×28×28), y_train.i32, x_valid.f32, y_valid.i32.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import adam, serve, setup_threads

BS = 64


def load(data_dir: str, name: str):
    x = np.fromfile(os.path.join(data_dir, f"x_{name}.f32"), dtype=np.float32).reshape(-1, 1, 28, 28)
    y = np.fromfile(os.path.join(data_dir, f"y_{name}.i32"), dtype=np.int32).astype(np.int64)
    return torch.from_numpy(x.copy()), torch.from_numpy(y)


def main() -> None:
    data_dir, threads = sys.argv[1], int(sys.argv[2])
    setup_threads(threads)
    torch.manual_seed(0)
    x, y = load(data_dir, "train")
    xv, yv = load(data_dir, "valid")
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )
    for m in model:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    decay = [p for n, p in model.named_parameters() if not n.endswith("bias")]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias")]
    opt = adam(decay, no_decay, lr=1e-3, wd=0.01)

    def epoch():
        model.train()
        for i in range(0, len(x), BS):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[i:i + BS]), y[i:i + BS])
            loss.backward()
            opt.step()
        model.eval()
        total_loss, correct = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(xv), BS):
                out = model(xv[i:i + BS])
                total_loss += F.cross_entropy(out, yv[i:i + BS], reduction="sum").item()
                correct += (out.argmax(1) == yv[i:i + BS]).sum().item()
        return total_loss / len(xv), correct / len(xv)

    serve(epoch, {"train": len(x), "valid": len(xv)})


if __name__ == "__main__":
    main()
