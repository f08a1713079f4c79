"""PyTorch peer of bench/ (LSTM language model): the human-numbers model of runtime/models/lstm-lm.ts and
examples/human-numbers (fastbook's LMModel7: embedding 64 → nn.LSTM of 2 layers × 64 → dropout 0.5 → decoder
tied to the embedding), trained the way the example trains it: stateful truncated BPTT over fastai's LM batches
(64 rows, 16 tokens), the hidden state reset at the start of each epoch's training and validation, AR/TAR
(α 2, β 1), gradient clipping at norm 1, fastai's Adam (lr 1e-3, wd 0.1, none on biases).

    python3 bench/peers/lstm.py DATA_DIR THREADS

DATA_DIR holds what the Node side wrote: train.i32 and valid.i32 (the two token streams) and meta.json
({"vocab": V, "bs": 64, "seq": 16}).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from common import adam, serve, setup_threads


def lm_batches(tokens: np.ndarray, bs: int, seq: int):
    """fastai's LMDataLoader, as runtime/data/lm.ts: bs contiguous rows, batch t = columns [t·seq, (t+1)·seq)."""
    bl = (len(tokens) - 1) // bs
    rows_x = np.stack([tokens[i * bl:(i + 1) * bl] for i in range(bs)])
    rows_y = np.stack([tokens[i * bl + 1:(i + 1) * bl + 1] for i in range(bs)])
    return [
        (torch.from_numpy(rows_x[:, s:s + seq].astype(np.int64)), torch.from_numpy(rows_y[:, s:s + seq].astype(np.int64)))
        for s in range(0, bl, seq)
    ]


class LMModel7(nn.Module):
    def __init__(self, vocab: int, n_hidden: int, n_layers: int, p: float):
        super().__init__()
        bound = 1 / math.sqrt(n_hidden)
        self.i_h = nn.Embedding(vocab, n_hidden)
        nn.init.normal_(self.i_h.weight, 0, 1)
        with torch.no_grad():
            self.i_h.weight.mul_(bound)
        self.rnn = nn.LSTM(n_hidden, n_hidden, n_layers, batch_first=True)
        with torch.no_grad():  # forget-gate bias 1, as tapfit's forgetBias
            for layer in range(n_layers):
                getattr(self.rnn, f"bias_ih_l{layer}").zero_()
                getattr(self.rnn, f"bias_hh_l{layer}").zero_()
                getattr(self.rnn, f"bias_ih_l{layer}")[n_hidden:2 * n_hidden] = 1
        self.drop = nn.Dropout(p)
        self.h_o = nn.Linear(n_hidden, vocab)
        self.h_o.weight = self.i_h.weight
        nn.init.zeros_(self.h_o.bias)
        self.n_layers, self.n_hidden = n_layers, n_hidden
        self.h = None

    def reset(self):
        self.h = None

    def forward(self, x):
        raw, h = self.rnn(self.i_h(x), self.h)
        self.h = tuple(t.detach() for t in h)
        out = self.drop(raw)
        return self.h_o(out), raw, out


def main() -> None:
    data_dir, threads = sys.argv[1], int(sys.argv[2])
    setup_threads(threads)
    torch.manual_seed(0)
    meta = json.load(open(os.path.join(data_dir, "meta.json")))
    bs, seq = meta["bs"], meta["seq"]
    train = lm_batches(np.fromfile(os.path.join(data_dir, "train.i32"), dtype=np.int32), bs, seq)
    valid = lm_batches(np.fromfile(os.path.join(data_dir, "valid.i32"), dtype=np.int32), bs, seq)
    model = LMModel7(meta["vocab"], 64, 2, 0.5)
    decay = [p for n, p in model.named_parameters() if "bias" not in n]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n]
    opt = adam(decay, no_decay, lr=1e-3, wd=0.1)
    alpha, beta = 2.0, 1.0

    def epoch():
        model.train()
        model.reset()
        for x, y in train:
            opt.zero_grad(set_to_none=True)
            logits, raw, out = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            loss = loss + alpha * out.pow(2).mean()
            if raw.shape[1] > 1:
                loss = loss + beta * (raw[:, 1:] - raw[:, :-1]).pow(2).mean()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        model.eval()
        model.reset()
        total_loss, correct, count = 0.0, 0, 0
        with torch.no_grad():
            for x, y in valid:
                logits, _, _ = model(x)
                flat, target = logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
                total_loss += F.cross_entropy(flat, target, reduction="sum").item()
                correct += (flat.argmax(1) == target).sum().item()
                count += target.numel()
        return total_loss / count, correct / count

    serve(epoch, {"train_batches": len(train), "valid_batches": len(valid)})


if __name__ == "__main__":
    main()
