using System.Diagnostics;

namespace MiniTransformer.Compute;

/// <summary>
/// Sums the declared cost of every op a backend launches, per op name: a training step's compute is the sum of
/// what its kernels declare. With <see cref="TimeEachOp"/> the backend synchronises around every op so the
/// recorded times are per-op wall times (profile mode; slows the run).
/// </summary>
public sealed class OpLedger
{
    private readonly Dictionary<string, OpTotals> _totals = new();

    public bool TimeEachOp { get; init; }

    public IReadOnlyDictionary<string, OpTotals> Totals => _totals;

    public OpCost Total => _totals.Values.Aggregate(default(OpCost), (sum, t) => sum + t.Cost);

    public void Record(string op, OpCost cost, TimeSpan elapsed)
    {
        _totals.TryGetValue(op, out var t);
        _totals[op] = new OpTotals(t.Launches + 1, t.Cost + cost, t.Elapsed + elapsed);
    }

    public void Clear() => _totals.Clear();

    internal long Start() => TimeEachOp ? Stopwatch.GetTimestamp() : 0;
}

/// <summary>Launch count, summed cost and (in profile mode) summed wall time of one op name.</summary>
public readonly record struct OpTotals(long Launches, OpCost Cost, TimeSpan Elapsed);
