#!/usr/bin/python3
"""Reference timings for docs/PERF.md (graph data): igraph's generators and a vectorised numpy walk sampler.

    /usr/bin/python3 tools/graph_reference.py generators
    /usr/bin/python3 tools/graph_reference.py walks --graph er8192.bin [--tokens 5000000 --length 50]

Walk sampling reads a graph file written by `data graph` (uint32 rows u, v, weight + JSON sidecar) so both sides
walk the same graph. The numpy sampler is the fastest straightforward vectorisation: all walks advance one step at a
time; a step on an unweighted graph is one uniform draw and two gathers, on a weighted graph an inverse-CDF search
over the global cumulative weight array. It checks itself: the mean of -ln P(next|current) must match the entropy rate.
"""
import argparse
import json
import random
import statistics
import time

import numpy as np


def timed(fn, repeats):
    """Median and best wall time, and mean process CPU time (robust on a shared machine), in seconds."""
    times = []
    c0 = time.process_time()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), (time.process_time() - c0) / repeats


def generators(args):
    import igraph as ig
    random.seed(0)
    ig.set_random_number_generator(random)
    cases = [
        ("ER G(n,M) 8,192 / 53,292", lambda: ig.Graph.Erdos_Renyi(n=8192, m=53292)),
        ("BA 8,192 / m=6", lambda: ig.Graph.Barabasi(8192, 6)),
        ("ER G(n,M) 50,000 / 2,000,000", lambda: ig.Graph.Erdos_Renyi(n=50000, m=2000000)),
        ("ER G(n,p) 50,000 / p=0.0016", lambda: ig.Graph.Erdos_Renyi(n=50000, p=0.0016)),
    ]
    print(f"igraph {ig.__version__} (python-igraph; C core), median of {args.repeats} runs")
    for name, make in cases:
        g = make()
        median, best, cpu = timed(make, args.repeats)
        print(f"{name:32s} {median * 1e3:9.2f} ms (best {best * 1e3:.2f} ms, CPU {cpu * 1e3:.2f} ms)  edges {g.ecount():,}")


def read_graph(path):
    meta = json.load(open(path[:-4] + ".json"))
    u, v, w = np.fromfile(path, dtype="<u4").reshape(-1, 3).T.astype(np.int64)
    n = meta["node_count"]
    src = np.concatenate([u, v])
    dst = np.concatenate([v, u])
    wt = np.concatenate([w, w]).astype(np.float64)
    order = np.lexsort((dst, src))
    src, dst, wt = src[order], dst[order], wt[order]
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=offsets[1:])
    return n, offsets, dst.astype(np.int32), wt, bool((w != 1).any())


def alias_tables(offsets, wt):
    """Vose alias tables per CSR row (built once in plain Python; only the sampling is timed)."""
    prob = np.ones(len(wt))
    alias = np.arange(len(wt))
    for u in range(len(offsets) - 1):
        b, e = offsets[u], offsets[u + 1]
        if e - b < 2:
            continue
        q = (wt[b:e] * (e - b) / wt[b:e].sum()).tolist()
        small = [j for j, x in enumerate(q) if x < 1]
        large = [j for j, x in enumerate(q) if x >= 1]
        while small and large:
            s, l = small.pop(), large[-1]
            prob[b + s], alias[b + s] = q[s], b + l
            q[l] -= 1 - q[s]
            if q[l] < 1:
                small.append(large.pop())
    return prob, alias


class NumpyWalker:
    def __init__(self, n, offsets, nbrs, wt, weighted):
        self.offsets, self.nbrs, self.weighted = offsets, nbrs, weighted
        self.deg = np.diff(offsets)
        self.strength = np.add.reduceat(wt, offsets[:-1]) * (self.deg > 0)
        self.start_cdf = np.cumsum(self.strength) / self.strength.sum()
        self.prob, self.alias = alias_tables(offsets, wt) if weighted else (None, None)

    def sample(self, count, length, rng):
        walks = np.empty((length, count), np.uint32)
        node = np.searchsorted(self.start_cdf, rng.random(count), side="right")
        walks[0] = node
        for t in range(1, length):
            u = rng.random(count)
            slot = self.offsets[node] + (u * self.deg[node]).astype(np.int64)
            if self.weighted:
                slot = np.where(rng.random(count) < self.prob[slot], slot, self.alias[slot])
            node = self.nbrs[slot]
            walks[t] = node
        return walks.T


def walks(args):
    n, offsets, nbrs, wt, weighted = read_graph(args.graph)
    walker = NumpyWalker(n, offsets, nbrs, wt, weighted)
    count = (args.tokens + args.length - 1) // args.length
    rng = np.random.default_rng(0)
    w = walker.sample(count, args.length, rng)
    # Self-check: mean -ln P(next | current) against the exact entropy rate.
    cur, nxt = w[:, :-1].ravel()[:20000].astype(np.int64), w[:, 1:].ravel()[:20000].astype(np.int64)
    pos = offsets[cur] + np.array([np.searchsorted(nbrs[offsets[a]:offsets[a + 1]], b) for a, b in zip(cur, nxt)])
    nll = -np.log(wt[pos] / walker.strength[cur]).mean()
    s = walker.strength
    h = (s[s > 0] * np.log(s[s > 0])).sum() - (wt * np.log(wt)).sum()
    h /= s.sum()
    median, best, cpu = timed(lambda: walker.sample(count, args.length, rng), args.repeats)
    tokens = count * args.length
    print(f"numpy {np.__version__} walk sampler on {args.graph}: {n:,} nodes, {len(nbrs) // 2:,} edges, weighted={weighted}")
    print(f"{count:,} walks x {args.length} = {tokens:,} tokens: median {median * 1e3:.1f} ms (best {best * 1e3:.1f} ms, "
          f"CPU {cpu * 1e3:.1f} ms), {tokens / median / 1e6:.1f} M tokens/s")
    print(f"self-check: mean -ln P(next|cur) over 20,000 steps = {nll:.4f}, entropy rate = {h:.4f} nats")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    g = sub.add_parser("generators")
    g.add_argument("--repeats", type=int, default=7)
    w = sub.add_parser("walks")
    w.add_argument("--graph", default="graph.bin")
    w.add_argument("--tokens", type=int, default=5_000_000)
    w.add_argument("--length", type=int, default=50)
    w.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    {"generators": generators, "walks": walks}[args.what](args)


if __name__ == "__main__":
    main()
