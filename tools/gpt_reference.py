#!/usr/bin/python3
"""Golden fixtures for the C# GPT (src/MiniTransformer/Model) from an independent PyTorch implementation.

The model here is written from the specification, not from the C# code: decoder-only, pre-LayerNorm, biases on
every linear layer, rotate-half rotary embeddings (base 10,000) or learned absolute positions, tanh-GELU MLP of
ratio 4, final LayerNorm, tied or untied readout, mean cross-entropy. Parameterisations:
  sp  : attention scale 1/sqrt(d_head), readout multiplier 1, one learning rate.
  mup : attention scale 1/d_head, readout multiplier 1/m (m = width / base_width), hidden-matrix Adam LR / m,
        zero-initialised query rows (and readout when untied), hidden init std / sqrt(m).

For each configuration it writes <name>.json (config, token batches, loss, the losses of 10 AdamW steps, float64
central finite differences of the loss at sampled parameter coordinates, and an index of tensors) and <name>.bin
(little-endian float32: the initial weights, logits of batch 0, and every parameter gradient of batch 0).

Run: /usr/bin/python3 tools/gpt_reference.py tests/MiniTransformer.Tests/Fixtures/gpt
"""
import json
import math
import os
import sys

import numpy as np
import torch

torch.set_num_threads(1)  # fixtures: single-threaded, deterministic


def param_shapes(cfg):
    V, C, T, L = cfg["vocab_size"], cfg["width"], cfg["seq_len"], cfg["layers"]
    shapes = [("wte", (V, C))]
    if cfg["positions"] == "learned":
        shapes.append(("wpe", (T, C)))
    for l in range(L):
        p = f"h{l}."
        shapes += [(p + "ln1.w", (C,)), (p + "ln1.b", (C,)),
                   (p + "qkv.w", (3 * C, C)), (p + "qkv.b", (3 * C,)),
                   (p + "attproj.w", (C, C)), (p + "attproj.b", (C,)),
                   (p + "ln2.w", (C,)), (p + "ln2.b", (C,)),
                   (p + "fc.w", (4 * C, C)), (p + "fc.b", (4 * C,)),
                   (p + "fcproj.w", (C, 4 * C)), (p + "fcproj.b", (C,))]
    shapes += [("lnf.w", (C,)), ("lnf.b", (C,))]
    if not cfg["tied"]:
        shapes.append(("lm_head", (V, C)))
    return shapes


def width_multiplier(cfg):
    return cfg["width"] / cfg["base_width"] if cfg["param"] == "mup" else 1.0


def make_weights(cfg, rng):
    """The parameterisation's initial matrices; LayerNorm and bias vectors perturbed away from (1, 0) so that the
    golden test exercises every term of their gradients."""
    m = width_multiplier(cfg)
    C, L = cfg["width"], cfg["layers"]
    hidden_std = 0.02 / math.sqrt(m)
    w = {}
    for name, shape in param_shapes(cfg):
        if name in ("wte", "wpe"):
            a = rng.normal(0.0, 0.02, shape)
        elif name == "lm_head":
            a = np.zeros(shape) if cfg["param"] == "mup" else rng.normal(0.0, 0.02, shape)
        elif name.endswith(".w") and len(shape) == 1:
            a = 1.0 + rng.normal(0.0, 0.1, shape)
        elif len(shape) == 1:
            a = rng.normal(0.0, 0.05, shape)
        else:
            std = hidden_std / math.sqrt(2 * L) if ("attproj" in name or "fcproj" in name) else hidden_std
            a = rng.normal(0.0, std, shape)
            if cfg["param"] == "mup" and name.endswith("qkv.w"):
                a[:C, :] = 0.0
        w[name] = a.astype(np.float32)
    return w


def rope(x, theta):
    """Rotate-half rotary embedding of x [B, T, NH, HS]: element i pairs with i + HS/2, angle t * theta^(-2i/HS)."""
    B, T, NH, HS = x.shape
    half = HS // 2
    inv = theta ** (-2.0 * torch.arange(half, dtype=torch.float64) / HS)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cos(ang).to(x.dtype)[None, :, None, :]
    sin = torch.sin(ang).to(x.dtype)[None, :, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def forward(cfg, P, idx, targets):
    V, C, L, NH = cfg["vocab_size"], cfg["width"], cfg["layers"], cfg["heads"]
    B, T = idx.shape
    HS = C // NH
    m = width_multiplier(cfg)
    scale = 1.0 / HS if cfg["param"] == "mup" else 1.0 / math.sqrt(HS)
    ln = lambda x, pre: torch.nn.functional.layer_norm(x, (C,), P[pre + ".w"], P[pre + ".b"], 1e-5)
    x = P["wte"][idx]
    if cfg["positions"] == "learned":
        x = x + P["wpe"][:T][None]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        p = f"h{l}."
        h = ln(x, p + "ln1")
        qkv = h @ P[p + "qkv.w"].T + P[p + "qkv.b"]
        q, k, v = qkv.split(C, dim=-1)
        q, k, v = (t.reshape(B, T, NH, HS) for t in (q, k, v))
        if cfg["positions"] == "rope":
            q, k = rope(q, cfg["rope_theta"]), rope(k, cfg["rope_theta"])
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-1, -2)) * scale
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + y @ P[p + "attproj.w"].T + P[p + "attproj.b"]
        h = ln(x, p + "ln2")
        h = torch.nn.functional.gelu(h @ P[p + "fc.w"].T + P[p + "fc.b"], approximate="tanh")
        x = x + h @ P[p + "fcproj.w"].T + P[p + "fcproj.b"]
    x = ln(x, "lnf")
    readout = P["wte"] if cfg["tied"] else P["lm_head"]
    logits = (x @ readout.T) / m
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    return logits, loss


def hidden_matrix(name):
    return any(name.endswith(s) for s in ("qkv.w", "attproj.w", "fc.w", "fcproj.w"))


def decays(name, shape):
    """Weight decay applies to matrices (embeddings, readout, hidden weights), never to LayerNorm or biases."""
    return len(shape) == 2


def adamw_losses(cfg, w, batches, train):
    P = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
    shapes = dict(param_shapes(cfg))
    m = width_multiplier(cfg)
    groups = {}
    for name in P:
        lr_mult = 1.0 / m if hidden_matrix(name) else 1.0
        wd = train["weight_decay"] if decays(name, shapes[name]) else 0.0
        groups.setdefault((lr_mult, wd), []).append(P[name])
    opt = torch.optim.AdamW([{"params": ps, "lr": train["lr"] * lr_mult, "weight_decay": wd}
                             for (lr_mult, wd), ps in groups.items()],
                            lr=train["lr"], betas=(train["beta1"], train["beta2"]), eps=train["eps"])
    losses = []
    for idx, tgt in batches:
        opt.zero_grad()
        _, loss = forward(cfg, P, idx, tgt)
        loss.backward()
        if train["clip"] > 0:
            torch.nn.utils.clip_grad_norm_(list(P.values()), train["clip"])
        opt.step()
        losses.append(loss.item())
    return losses


def finite_differences(cfg, w, idx, tgt, rng, per_tensor=3, eps=1e-5):
    """Central differences of the float64 loss at a few coordinates of every parameter tensor."""
    P = {k: torch.tensor(v, dtype=torch.float64) for k, v in w.items()}
    out = []
    with torch.no_grad():
        for name, t in P.items():
            flat = t.view(-1)
            for i in rng.choice(flat.numel(), size=min(per_tensor, flat.numel()), replace=False):
                i = int(i)
                orig = flat[i].item()
                flat[i] = orig + eps
                up = forward(cfg, P, idx, tgt)[1].item()
                flat[i] = orig - eps
                down = forward(cfg, P, idx, tgt)[1].item()
                flat[i] = orig
                out.append({"name": name, "index": i, "value": (up - down) / (2 * eps)})
    return out


def make_fixture(name, cfg, out_dir, seed):
    rng = np.random.default_rng(seed)
    B, T, steps = 2, cfg["seq_len"], 10
    train = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weight_decay": 0.01,
             "clip": cfg.pop("clip"), "steps": steps}
    w = make_weights(cfg, rng)
    batches = []
    for _ in range(steps):
        seq = rng.integers(0, cfg["vocab_size"], size=(B, T + 1))
        batches.append((torch.tensor(seq[:, :-1]), torch.tensor(seq[:, 1:])))

    P = {k: torch.tensor(v, requires_grad=True) for k, v in w.items()}
    logits, loss = forward(cfg, P, *batches[0])
    loss.backward()
    grads = {k: p.grad.numpy() for k, p in P.items()}

    P64 = {k: torch.tensor(v, dtype=torch.float64) for k, v in w.items()}
    loss64 = forward(cfg, P64, *batches[0])[1].item()

    losses = adamw_losses(cfg, w, batches, train)
    fd = finite_differences(cfg, w, *batches[0], rng)

    blob, index, offset = [], {}, 0

    def put(key, arr):
        nonlocal offset
        arr = np.ascontiguousarray(arr, dtype="<f4")
        index[key] = {"offset": offset, "shape": list(arr.shape)}
        blob.append(arr.reshape(-1))
        offset += arr.size

    for pname, _ in param_shapes(cfg):
        put("weight/" + pname, w[pname])
    put("logits", logits.detach().numpy())
    for pname, _ in param_shapes(cfg):
        put("grad/" + pname, grads[pname])

    manifest = {
        "generator": "tools/gpt_reference.py",
        "torch_version": torch.__version__,
        "config": cfg,
        "train": train,
        "batch": B,
        "inputs": [b[0].reshape(-1).tolist() for b in batches],
        "targets": [b[1].reshape(-1).tolist() for b in batches],
        "loss": loss.item(),
        "loss_float64": loss64,
        "losses": losses,
        "finite_differences": fd,
        "tensors": index,
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(manifest, f, indent=1)
    np.concatenate(blob).astype("<f4").tofile(os.path.join(out_dir, name + ".bin"))
    print(f"{name}: loss {loss.item():.6f}, after 10 steps {losses[-1]:.6f}, {offset} floats")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/MiniTransformer.Tests/Fixtures/gpt"
    os.makedirs(out_dir, exist_ok=True)
    base = {"vocab_size": 37, "seq_len": 7, "layers": 2, "width": 32, "heads": 4, "base_width": 16,
            "rope_theta": 10000.0}
    configs = {
        "sp_tied_rope": {"param": "sp", "tied": True, "positions": "rope", "clip": 0.0},
        "sp_untied_learned": {"param": "sp", "tied": False, "positions": "learned", "clip": 1.0},
        "mup_tied_rope": {"param": "mup", "tied": True, "positions": "rope", "clip": 0.0},
        "mup_untied_rope": {"param": "mup", "tied": False, "positions": "rope", "clip": 0.5},
    }
    for i, (name, extra) in enumerate(configs.items()):
        make_fixture(name, {**base, **extra}, out_dir, seed=1000 + i)


if __name__ == "__main__":
    main()
