#!/usr/bin/python3
"""OpenBLAS sgemm on the GEMM shapes of bench/MiniTransformer.Bench/GemmBenchmarks.cs, for side-by-side GFLOP/s.

Calls cblas_sgemm of Debian's OpenBLAS (package libopenblas0-pthread) through ctypes on numpy float32 arrays, so
the library is OpenBLAS whatever BLAS numpy itself was built against. Row-major, the same transposes as the
benchmark, alpha = 1, beta = 0; GFLOP/s = 2·M·N·K / median time.

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 tools/gemm_reference.py [--threads 2] [--json out.json]

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines to dodge old-OpenBLAS bugs) slow a current build; unset
both in the benchmark command alone (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...). The kernel OpenBLAS chose
is printed (openblas_get_corename) so a run records what it measured.
"""
import argparse
import ctypes
import json
import statistics
import time

import numpy as np

LIBRARY = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"
ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112

# (name, transA, transB, M, N, K): every forward and backward GEMM of one transformer block and the LM head,
# for the two steps of the issue. Linear layers store W as out×in (PyTorch): forward Y = X·Wᵀ (NT),
# dX = dY·W (NN), dW = dYᵀ·X (TN). 1,600 tokens = batch 32 × context 50.
def step_shapes(tag, width, vocab, tokens=1600):
    layers = [("qkv", width, 3 * width), ("attproj", width, width), ("fc", width, 4 * width),
              ("fcproj", 4 * width, width), ("lmhead", width, vocab)]
    shapes = []
    for layer, fan_in, fan_out in layers:
        shapes.append((f"{tag}.{layer}.fwd", False, True, tokens, fan_out, fan_in))
        shapes.append((f"{tag}.{layer}.dx", False, False, tokens, fan_in, fan_out))
        shapes.append((f"{tag}.{layer}.dw", True, False, fan_out, fan_in, tokens))
    return shapes


SHAPES = step_shapes("w128", 128, 1024) + step_shapes("w512", 512, 8192) + step_shapes("w256", 256, 8192)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-seconds", type=float, default=0.2, help="time per repeat")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    try:
        blas = ctypes.CDLL(LIBRARY)
    except OSError as e:
        raise SystemExit(f"OpenBLAS not found ({e}); install it with: apt-get install libopenblas0-pthread")
    blas.openblas_set_num_threads(args.threads)
    blas.openblas_get_corename.restype = ctypes.c_char_p
    blas.openblas_get_config.restype = ctypes.c_char_p
    sgemm = blas.cblas_sgemm
    p = ctypes.POINTER(ctypes.c_float)
    sgemm.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                      ctypes.c_float, p, ctypes.c_int, p, ctypes.c_int, ctypes.c_float, p, ctypes.c_int]
    print(f"# {blas.openblas_get_config().decode()}, core {blas.openblas_get_corename().decode()}, {args.threads} threads")

    rng = np.random.default_rng(0)
    results = []
    for name, ta, tb, m, n, k in SHAPES:
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        c = np.empty((m, n), dtype=np.float32)
        pa, pb, pc = (x.ctypes.data_as(p) for x in (a, b, c))
        call = lambda: sgemm(ROW_MAJOR, TRANS if ta else NO_TRANS, TRANS if tb else NO_TRANS, m, n, k,
                             1.0, pa, a.shape[1], pb, b.shape[1], 0.0, pc, n)
        call()
        expected = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
        assert np.allclose(c, expected, rtol=1e-3, atol=1e-3 * np.sqrt(k)), f"{name}: OpenBLAS result is wrong"
        times = []
        for _ in range(args.repeats):
            count, start = 0, time.perf_counter()
            while True:
                call()
                count += 1
                elapsed = time.perf_counter() - start
                if elapsed >= args.min_seconds:
                    break
            times.append(elapsed / count)
        t = statistics.median(times)
        gflops = 2.0 * m * n * k / t / 1e9
        results.append({"shape": name, "m": m, "n": n, "k": k, "trans_a": ta, "trans_b": tb, "seconds": t, "gflops": gflops})
        print(f"{name:18s} {'T' if ta else 'N'}{'T' if tb else 'N'} {m:5d} {n:5d} {k:5d}  {t * 1e3:9.3f} ms  {gflops:7.1f} GFLOP/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"library": blas.openblas_get_config().decode(), "core": blas.openblas_get_corename().decode(),
                       "threads": args.threads, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
