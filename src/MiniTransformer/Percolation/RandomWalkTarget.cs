using System.Buffers;

namespace MiniTransformer.Percolation;

/// <summary>
/// The regression target on a cluster: a Gaussian random walk down its tree (root 0, each site = its parent +
/// N(0, 1)), then standardised within the cluster to mean 0 and (population) variance 1. A one-site cluster has
/// no spread to standardise and gets 0. The increment into site i is <see cref="PercolationStreams.TargetIncrement"/>
/// of (seed, cluster id, i), so the target is a pure function of the tree and those three numbers.
/// </summary>
public static class RandomWalkTarget
{
    /// <param name="parents">BFS-ordered parent array: parents[0] = −1, parents[i] &lt; i.</param>
    public static void Compute(ReadOnlySpan<int> parents, ulong seed, ulong clusterId, Span<float> values)
    {
        int n = parents.Length;
        // Large clusters borrow their float64 walk from the pool: a fresh array per cluster would be a large-object
        // allocation, and those are collected only by full collections.
        double[]? rented = n <= 4096 ? null : ArrayPool<double>.Shared.Rent(n);
        Span<double> raw = rented is null ? stackalloc double[n] : rented.AsSpan(0, n);
        ComputeRaw(parents, seed, clusterId, raw);
        Standardise(raw, values);
        if (rented is not null) ArrayPool<double>.Shared.Return(rented);
    }

    /// <summary>The walk before standardisation: raw[0] = 0, raw[i] = raw[parents[i]] + increment i.</summary>
    public static void ComputeRaw(ReadOnlySpan<int> parents, ulong seed, ulong clusterId, Span<double> raw)
    {
        // Increments first (a batched, vectorised draw), then the walk: parents precede children, so one pass suffices.
        PercolationStreams.FillTargetIncrements(seed, clusterId, 0, raw[..parents.Length]);
        raw[0] = 0;
        for (int i = 1; i < parents.Length; i++) raw[i] += raw[parents[i]];
    }

    /// <summary>values = (raw − mean)/std with the population standard deviation, in float64 before rounding.</summary>
    public static void Standardise(ReadOnlySpan<double> raw, Span<float> values)
    {
        int n = raw.Length;
        double sum = 0;
        for (int i = 0; i < n; i++) sum += raw[i];
        double mean = sum / n, sq = 0;
        for (int i = 0; i < n; i++) { double d = raw[i] - mean; sq += d * d; }
        double std = Math.Sqrt(sq / n);
        if (std == 0) { values[..n].Clear(); return; }
        double inv = 1.0 / std;
        for (int i = 0; i < n; i++) values[i] = (float)((raw[i] - mean) * inv);
    }
}
