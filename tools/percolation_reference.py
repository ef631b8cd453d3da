#!/usr/bin/python3
"""Reference Bethe-lattice cluster generation in vectorised numpy, timed, for docs/PERF.md.

The same algorithm as src/MiniTransformer/Percolation (BetheGrowth + BetheClusterGenerator + RandomWalkTarget):
trials t = 0, 1, ... each grow a cluster breadth-first from a root with Binomial(z, p) children (the root's z-1
forward neighbours plus the extra Bernoulli(p)), every other site Binomial(z-1, p); a cluster is stopped and
discarded as soon as it would exceed max_size; trials continue until `clusters` of them reached min_size; kept
clusters get a Gaussian random walk from the root, standardised per cluster.

Vectorised level by level *across a whole batch of trials at once* (the strongest numpy formulation: one
binomial draw, one prefix sum, one np.repeat per level for every cluster in the batch), batches sized like the C#
generator's (--batch-factor). Random numbers come from numpy's PCG64, so the clusters differ from the C# ones; the work does not.

Prints one JSON line: sites grown (a discarded cluster counted as max_size, as GrownSites in the C# sidecar),
seconds, sites per second, clusters kept, discarded, trials.

    /usr/bin/python3 tools/percolation_reference.py --z 200 --min-size 100 --max-size 100000 --clusters 100
"""
import argparse
import json
import time

import numpy as np


class Growable:
    """An append-only numpy array with capacity doubling (amortised O(1) appends, no re-concatenation per level)."""

    def __init__(self, dtype, capacity):
        self.data = np.empty(capacity, dtype=dtype)
        self.n = 0

    def append(self, values):
        need = self.n + values.size
        if need > self.data.size:
            grown = np.empty(max(need, 2 * self.data.size), dtype=self.data.dtype)
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n: need] = values
        self.n = need

    def view(self):
        return self.data[: self.n]


def grow_batch(rng, n_trials, z, p, max_size, min_size):
    """Grows n_trials clusters level-synchronously. Returns (sizes with -1 for discarded, kept clusters)."""
    sizes = np.ones(n_trials, dtype=np.int64)
    alive = np.ones(n_trials, dtype=bool)  # not discarded
    # Global site arrays, appended level by level: owning trial, global parent index, raw walk value.
    site_trial = Growable(np.int64, 4 * n_trials)
    site_parent = Growable(np.int64, 4 * n_trials)
    site_raw = Growable(np.float64, 4 * n_trials)
    site_trial.append(np.arange(n_trials, dtype=np.int64))
    site_parent.append(np.full(n_trials, -1, dtype=np.int64))
    site_raw.append(np.zeros(n_trials))
    frontier = np.arange(n_trials, dtype=np.int64)  # global indices of the current level
    frontier_trial = np.arange(n_trials, dtype=np.int64)
    first_level = True
    while frontier.size:
        counts = rng.binomial(z if first_level else z - 1, p, size=frontier.size)
        first_level = False
        per_trial = np.bincount(frontier_trial, weights=counts, minlength=n_trials).astype(np.int64)
        over = alive & (sizes + per_trial > max_size)
        if over.any():
            alive &= ~over
            keep = alive[frontier_trial]
            frontier, frontier_trial, counts = frontier[keep], frontier_trial[keep], counts[keep]
            per_trial[~alive] = 0
        sizes += per_trial
        parents = np.repeat(frontier, counts)
        trials = np.repeat(frontier_trial, counts)
        raw = site_raw.view()[parents] + rng.standard_normal(parents.size)
        start = site_trial.n
        site_trial.append(trials)
        site_parent.append(parents)
        site_raw.append(raw)
        frontier = np.arange(start, start + parents.size, dtype=np.int64)
        frontier_trial = trials
    trial = site_trial.view()
    parent = site_parent.view()
    raw = site_raw.view()
    out_sizes = np.where(alive, sizes, -1)
    wanted = alive & (sizes >= min_size)
    sel = wanted[trial]
    trial, parent, raw = trial[sel], parent[sel], raw[sel]
    global_index = np.flatnonzero(sel)
    order = np.argsort(trial, kind="stable")  # per cluster, BFS order is the append order
    trial, parent, raw, global_index = trial[order], parent[order], raw[order], global_index[order]
    local_of_global = np.empty(sel.size, dtype=np.int64)
    starts = np.searchsorted(trial, np.arange(n_trials))
    local_of_global[global_index] = np.arange(global_index.size) - starts[trial]
    local_parent = np.where(parent >= 0, local_of_global[np.maximum(parent, 0)], -1)
    kept = []
    for t in np.flatnonzero(wanted):
        a, b = starts[t], starts[t] + sizes[t]
        v = raw[a:b]
        std = v.std()
        kept.append((int(t), local_parent[a:b].astype(np.int32), ((v - v.mean()) / std if std > 0 else v * 0).astype(np.float32)))
    return out_sizes, kept


def generate(z, p, min_size, max_size, clusters, seed, batch_factor):
    rng = np.random.default_rng(seed)
    trial, reached, discarded, grown = 0, 0, 0, 0
    kept = []
    while reached < clusters:
        rate = (reached + 1.0) / (trial + 1.0)
        batch = int(min(max(np.ceil(batch_factor * (clusters - reached) / rate), 256), 1 << 16))
        sizes, batch_kept = grow_batch(rng, batch, z, p, max_size, min_size)
        by_trial = {t: (pa, va) for t, pa, va in batch_kept}
        for i, s in enumerate(sizes):
            if reached >= clusters:
                break
            trial += 1
            grown += max_size if s < 0 else int(s)
            if s < 0:
                discarded += 1
                reached += 1
            elif s >= min_size:
                kept.append(by_trial[i])
                reached += 1
    return kept, discarded, trial, grown


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--z", type=int, default=200)
    ap.add_argument("--p", type=float, default=None, help="default p_c = 1/(z-1)")
    ap.add_argument("--min-size", type=int, default=100)
    ap.add_argument("--max-size", type=int, default=100_000)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-factor", type=float, default=1.2,
                    help="batch = factor x trials still expected to be needed (C# uses 0.5; numpy, paying per level, is "
                         "usually faster with whole-remainder batches: measure both and compare against the faster)")
    ap.add_argument("--repeats", type=int, default=3, help="report the median over this many seeds seed, seed+1, ...")
    args = ap.parse_args()
    p = args.p if args.p is not None else 1.0 / (args.z - 1)
    results = []
    for r in range(args.repeats):
        start = time.perf_counter()
        kept, discarded, trials, grown = generate(args.z, p, args.min_size, args.max_size, args.clusters, args.seed + r, args.batch_factor)
        seconds = time.perf_counter() - start
        results.append(dict(sites_grown=grown, seconds=seconds, sites_per_s=grown / seconds, kept=len(kept),
                            kept_sites=int(sum(len(k[0]) for k in kept)), discarded=discarded, trials=trials))
    results.sort(key=lambda x: x["sites_per_s"])
    print(json.dumps(dict(median=results[len(results) // 2], runs=results)))


if __name__ == "__main__":
    main()
