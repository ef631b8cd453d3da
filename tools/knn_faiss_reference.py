#!/usr/bin/python3
"""FAISS IndexFlatL2 reference for the Euclidean k-NN benchmark (bench/MiniTransformer.Bench/KnnBenchmarks.cs).

10^4 queries against 10^5 training points, uniform in [0, 1)^dim, float32, k = 1, exact L2 search, with the
thread count fixed (default 2, the cores of the development machine; pass the BenchmarkDotNet side's count).
Prints one JSON line per dimension: median seconds of --repeats searches and queries per second.

    /usr/bin/python3 tools/knn_faiss_reference.py --threads 2 --dims 2 8
"""
import argparse
import json
import time

import faiss
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dims", type=int, nargs="+", default=[2, 8])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=10_000)
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    faiss.omp_set_num_threads(args.threads)
    rng = np.random.default_rng(1)
    for dim in args.dims:
        points = rng.random((args.points, dim), dtype=np.float32)
        queries = rng.random((args.queries, dim), dtype=np.float32)
        index = faiss.IndexFlatL2(dim)
        index.add(points)
        index.search(queries[:100], args.k)  # warm-up
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            index.search(queries, args.k)
            times.append(time.perf_counter() - start)
        median = sorted(times)[len(times) // 2]
        print(json.dumps(dict(dim=dim, threads=args.threads, points=args.points, queries=args.queries, k=args.k,
                              seconds=median, queries_per_s=args.queries / median, faiss=faiss.__version__)))


if __name__ == "__main__":
    main()
