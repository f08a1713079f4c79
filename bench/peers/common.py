"""Shared by the PyTorch peers: the command loop that the Node benchmark drives, one epoch per request.

Protocol (one JSON object per line on stdout, commands on stdin): the peer prints {"ready": ...} once set up,
then answers each "epoch" line with the CPU time (time.process_time: this process, all its threads) and the
wall time of one epoch plus the epoch's validation loss and accuracy; "quit" ends it.
"""
import json
import sys
import time

import torch


def setup_threads(threads: int) -> None:
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set (a second call in one process)


def serve(epoch, info: dict) -> None:
    """Runs `epoch()` (returns (valid_loss, valid_acc)) for each "epoch" command until "quit" or end of input."""
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), **info}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd != "epoch":
            print(json.dumps({"error": f"unknown command {cmd!r}"}), flush=True)
            continue
        c0, w0 = time.process_time(), time.perf_counter()
        loss, acc = epoch()
        c1, w1 = time.process_time(), time.perf_counter()
        print(json.dumps({"cpu_ms": (c1 - c0) * 1000, "wall_ms": (w1 - w0) * 1000, "loss": loss, "acc": acc}), flush=True)


def adam(params_decay, params_no_decay, lr: float, wd: float) -> torch.optim.Optimizer:
    """fastai's Adam (mom 0.9, sqr_mom 0.99, eps 1e-5, decoupled weight decay, none on biases) = torch's AdamW."""
    return torch.optim.AdamW(
        [{"params": params_decay, "weight_decay": wd}, {"params": params_no_decay, "weight_decay": 0.0}],
        lr=lr, betas=(0.9, 0.99), eps=1e-5,
    )
