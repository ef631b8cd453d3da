#!/usr/bin/python3
"""Training throughput (tokens/s) of the same GPT in PyTorch, for the side-by-side in docs/PERF.md.

Same architecture as tools/gpt_reference.py (pre-LN, rotate-half RoPE, tanh-GELU MLP ×4, tied readout, μP
multipliers), eager PyTorch on CPU with torch.optim.AdamW (foreach), torch.set_num_threads(THREADS).
Prints one JSON line per configuration: median step time over --steps timed steps after --warmup steps, and the
process CPU time per step (all threads) — tokens per CPU-second is the rate least disturbed by other work on a
shared machine.

Run: /usr/bin/python3 tools/torch_throughput.py --threads 2
"""
import argparse
import json
import math
import statistics
import time

import torch

import gpt_reference as ref


def run(vocab, layers, width, batch, context, steps, warmup):
    cfg = {"vocab_size": vocab, "seq_len": context, "layers": layers, "width": width,
           "heads": max(4, width // 64), "base_width": 128, "rope_theta": 10000.0,
           "param": "mup", "tied": True, "positions": "rope"}
    import numpy as np
    rng = np.random.default_rng(0)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in ref.make_weights(cfg, rng).items()}
    opt = torch.optim.AdamW(P.values(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01)
    idx = torch.randint(0, vocab, (batch, context))
    tgt = torch.randint(0, vocab, (batch, context))
    times = []
    cpu_start = None
    for i in range(warmup + steps):
        if i == warmup:
            cpu_start = time.process_time()
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        _, loss = ref.forward(cfg, P, idx, tgt)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    cpu_per_step = (time.process_time() - cpu_start) / steps
    step = statistics.median(times)
    return {"vocab": vocab, "layers": layers, "width": width, "batch": batch, "context": context,
            "threads": torch.get_num_threads(), "step_ms": step * 1e3, "tokens_per_s": batch * context / step,
            "cpu_ms_per_step": cpu_per_step * 1e3, "tokens_per_cpu_s": batch * context / cpu_per_step,
            "torch": torch.__version__}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    for vocab, width in ((1024, 128), (8192, 256)):
        print(json.dumps(run(vocab, 2, width, 32, 50, a.steps, a.warmup)), flush=True)


if __name__ == "__main__":
    main()
