#!/usr/bin/python3
"""Sampling throughput (tokens/s) of the tiny GPT in PyTorch with a KV cache, for the side-by-side in docs/PERF.md.

The same model as bench/MiniTransformer.Bench/SamplingBenchmarks.cs: vocab 8,192, 2 layers, width 256 (4 heads of
64), μP with base width 128, rotary positions, tied readout (architecture and weights from tools/gpt_reference.py).
Eager PyTorch on CPU under torch.inference_mode(), torch.set_num_threads(THREADS): per step one token per sequence
through pre-allocated per-layer key/value caches [B, NH, L, HS], then softmax and torch.multinomial, with −ln p of
each drawn token accumulated in float64 — the work TransformerSampler does. Tokens/s = B·(L − 1) / median time of one
batch of L-token sequences. --check first verifies the cached decode against tools/gpt_reference.forward.

Run (reference BLAS, Debian's default):  /usr/bin/python3 tools/torch_sampling.py --threads 2
Run (OpenBLAS, the fair comparison):
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 tools/torch_sampling.py --threads 2
"""
import argparse
import json
import math
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

import gpt_reference as ref


def config(vocab, layers, width, context):
    return {"vocab_size": vocab, "seq_len": context, "layers": layers, "width": width,
            "heads": max(4, width // 64), "base_width": 128, "rope_theta": 10000.0,
            "param": "mup", "tied": True, "positions": "rope"}


class CachedGpt:
    """KV-cache decoding of gpt_reference's model: step(tokens [B]) -> logits [B, V] at the next position."""

    def __init__(self, cfg, P, batch, length):
        self.cfg, self.P = cfg, P
        C, NH = cfg["width"], cfg["heads"]
        self.C, self.NH, self.HS = C, NH, C // NH
        m = ref.width_multiplier(cfg)
        self.scale = 1.0 / self.HS if cfg["param"] == "mup" else 1.0 / math.sqrt(self.HS)
        self.readout = 1.0 / m
        half = self.HS // 2
        inv = cfg["rope_theta"] ** (-2.0 * torch.arange(half, dtype=torch.float64) / self.HS)
        ang = torch.arange(length, dtype=torch.float64)[:, None] * inv[None, :]
        self.cos, self.sin = torch.cos(ang).float(), torch.sin(ang).float()
        self.k = [torch.empty(batch, NH, length, self.HS) for _ in range(cfg["layers"])]
        self.v = [torch.empty(batch, NH, length, self.HS) for _ in range(cfg["layers"])]
        self.t = 0

    def rope(self, x):
        half = self.HS // 2
        c, s = self.cos[self.t], self.sin[self.t]
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)

    def step(self, tokens):
        P, C, NH, HS, t = self.P, self.C, self.NH, self.HS, self.t
        B = tokens.shape[0]
        x = P["wte"][tokens]
        for l in range(self.cfg["layers"]):
            p = f"h{l}."
            h = F.layer_norm(x, (C,), P[p + "ln1.w"], P[p + "ln1.b"], 1e-5)
            q, k, v = F.linear(h, P[p + "qkv.w"], P[p + "qkv.b"]).view(B, 3, NH, HS).unbind(1)
            q, k = self.rope(q), self.rope(k)
            self.k[l][:, :, t] = k
            self.v[l][:, :, t] = v
            att = torch.softmax((q.unsqueeze(2) @ self.k[l][:, :, :t + 1].transpose(-1, -2)) * self.scale, dim=-1)
            y = (att @ self.v[l][:, :, :t + 1]).reshape(B, C)
            x = x + F.linear(y, P[p + "attproj.w"], P[p + "attproj.b"])
            h = F.layer_norm(x, (C,), P[p + "ln2.w"], P[p + "ln2.b"], 1e-5)
            h = F.gelu(F.linear(h, P[p + "fc.w"], P[p + "fc.b"]), approximate="tanh")
            x = x + F.linear(h, P[p + "fcproj.w"], P[p + "fcproj.b"])
        x = F.layer_norm(x, (C,), P["lnf.w"], P["lnf.b"], 1e-5)
        self.t += 1
        return (x @ P["wte"].T) * self.readout


def sample(cfg, P, first, length, generator):
    """Sequences [B, length] from first tokens [B] at temperature 1, and Σ −ln p per sequence (float64)."""
    B = first.shape[0]
    model = CachedGpt(cfg, P, B, length)
    out = torch.empty(B, length, dtype=torch.long)
    out[:, 0] = first
    nlp = torch.zeros(B, dtype=torch.float64)
    for t in range(length - 1):
        logp = torch.log_softmax(model.step(out[:, t]), dim=-1)
        nxt = torch.multinomial(logp.exp(), 1, generator=generator).squeeze(1)
        nlp -= logp.gather(1, nxt[:, None]).squeeze(1).double()
        out[:, t + 1] = nxt
    return out, nlp


def check(cfg, P):
    """Cached decode logits against the full forward of gpt_reference at every position."""
    # Perturbed weights: μP's zero query rows would make attention uniform and hide a wrong cache.
    g = torch.Generator().manual_seed(2)
    P = {k: v + 0.05 * torch.randn(v.shape, generator=g) for k, v in P.items()}
    idx = torch.randint(0, cfg["vocab_size"], (3, 9), generator=g)
    full, _ = ref.forward({**cfg, "seq_len": 9}, P, idx, idx)
    model = CachedGpt(cfg, P, 3, 9)
    diff = max((model.step(idx[:, t]) - full[:, t]).abs().max().item() for t in range(9))
    assert diff < 1e-4, f"cached decode differs from the full forward by {diff}"
    return diff


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--batch", type=int, nargs="+", default=[8, 64])
    ap.add_argument("--length", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = config(a.vocab, a.layers, a.width, a.length)
    rng = np.random.default_rng(0)
    P = {k: torch.tensor(v) for k, v in ref.make_weights(cfg, rng).items()}
    with torch.inference_mode():
        if a.check:
            print(json.dumps({"check_max_abs_logit_diff": check(cfg, P)}))
        for batch in a.batch:
            g = torch.Generator().manual_seed(1)
            first = torch.randint(0, a.vocab, (batch,), generator=g)
            sample(cfg, P, first, a.length, g)  # warm-up
            times, cpu = [], []
            for _ in range(a.repeats):
                c0, t0 = time.process_time(), time.perf_counter()
                sample(cfg, P, first, a.length, g)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            t = statistics.median(times)
            tokens = batch * (a.length - 1)
            print(json.dumps({"vocab": a.vocab, "layers": a.layers, "width": a.width, "batch": batch, "length": a.length,
                              "threads": torch.get_num_threads(), "median_s": t, "tokens_per_s": tokens / t,
                              "tokens_per_cpu_s": tokens / statistics.median(cpu), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
