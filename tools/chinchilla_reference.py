#!/usr/bin/python3
"""Independent scipy reference for the Chinchilla approach-3 fit (Hoffmann et al. 2022, Besiroglu et al. 2024).

Objective (the same one MiniTransformer.Fitting.ChinchillaFit minimises):
    sum_i Huber_delta( LSE(a - alpha*ln N_i, b - beta*ln D_i, e) - ln L_i ),  delta = 1e-3, SUMMED,
with E = exp(e), A = exp(a), B = exp(b).  L-BFGS-B (scipy) with the exact gradient from every start of the
standard grid alpha, beta in {0, .5, 1, 1.5, 2}, e in {-1, -.5, 0, .5, 1}, a, b in {0, 5, 10, 15, 20, 25}
(4,500 starts); the start with the lowest objective wins.

Data: tests/MiniTransformer.Tests/Fixtures/chinchilla_svg_extracted.csv, D = C / (6 N), the 5 highest-loss
points dropped (240 remain).

Writes tests/MiniTransformer.Tests/Fixtures/chinchilla_reference.json and prints the wall time of the full
grid fit (the side-by-side number for docs/PERF.md).

    /usr/bin/python3 tools/chinchilla_reference.py [--repeats 3]
"""
import argparse
import csv
import itertools
import json
import os
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import huber, logsumexp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "MiniTransformer.Tests", "Fixtures")
DELTA = 1e-3


def load():
    with open(os.path.join(FIXTURES, "chinchilla_svg_extracted.csv")) as f:
        rows = list(csv.DictReader(f))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = np.argsort(loss, kind="stable")[: len(loss) - 5]  # drop the 5 highest losses
    keep.sort()
    n, c, loss = n[keep], c[keep], loss[keep]
    return np.log(n), np.log(c / (6.0 * n)), np.log(loss)


def objective(p, log_n, log_d, log_l):
    a, b, e, alpha, beta = p
    terms = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
    lse = logsumexp(terms, axis=0)
    r = lse - log_l
    value = huber(DELTA, r).sum()
    # d huber / dr = clip(r, -delta, delta); d lse / d term_k = softmax weight w_k
    w = np.exp(terms - lse)
    g = np.clip(r, -DELTA, DELTA)
    grad = np.array([
        (g * w[0]).sum(),
        (g * w[1]).sum(),
        (g * w[2]).sum(),
        -(g * w[0] * log_n).sum(),
        -(g * w[1] * log_d).sum(),
    ])
    return value, grad


def grid():
    for alpha, beta, e, a, b in itertools.product(
            np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5), np.arange(-1, 1.5, 0.5),
            np.arange(0, 30, 5), np.arange(0, 30, 5)):
        yield np.array([a, b, e, alpha, beta], dtype=float)


def fit(log_n, log_d, log_l):
    best = None
    for p0 in grid():
        res = minimize(objective, p0, args=(log_n, log_d, log_l), jac=True, method="L-BFGS-B",
                       options={"maxiter": 10000, "ftol": 1e-15, "gtol": 1e-12})
        if best is None or res.fun < best.fun:
            best = res
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=1, help="time the full grid fit this many times")
    args = ap.parse_args()
    log_n, log_d, log_l = load()
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        best = fit(log_n, log_d, log_l)
        times.append(time.perf_counter() - t0)
    a, b, e, alpha, beta = best.x
    out = {
        "source": "tools/chinchilla_reference.py (scipy L-BFGS-B, exact gradient, Hoffmann grid of 4500 starts)",
        "points": int(len(log_l)),
        "delta": DELTA,
        "objective": float(best.fun),
        "a": float(a), "b": float(b), "e": float(e), "alpha": float(alpha), "beta": float(beta),
        "A": float(np.exp(a)), "B": float(np.exp(b)), "E": float(np.exp(e)),
    }
    with open(os.path.join(FIXTURES, "chinchilla_reference.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(json.dumps(out, indent=2))
    # timing goes to stdout only (docs/PERF.md), never into the fixture, which stays byte-identical run to run
    print(f"full grid fit: median {sorted(times)[len(times) // 2]:.2f} s over {len(times)} run(s): {[round(t, 2) for t in times]}")


if __name__ == "__main__":
    main()
