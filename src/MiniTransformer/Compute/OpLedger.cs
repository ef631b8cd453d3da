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

    private readonly Dictionary<string, OpTotals> _shapes = new();

    public bool TimeEachOp { get; init; }

    /// <summary>Also total each GEMM shape apart (<see cref="GemmShapes"/>): where a step's GEMM time goes, shape by
    /// shape. Off by default, so an accounting ledger builds no label per launch.</summary>
    public bool RecordGemmShapes { get; init; }

    public IReadOnlyDictionary<string, OpTotals> Totals => _totals;

    /// <summary>Per GEMM shape (<see cref="GemmSpec.Describe"/>), when <see cref="RecordGemmShapes"/> is set.</summary>
    public IReadOnlyDictionary<string, OpTotals> GemmShapes => _shapes;

    public OpCost Total => _totals.Values.Aggregate(default(OpCost), (sum, t) => sum + t.Cost);

    public void Record(string op, OpCost cost, TimeSpan elapsed) => Add(_totals, op, cost, elapsed);

    internal void RecordGemmShape(string shape, OpCost cost, TimeSpan elapsed) => Add(_shapes, shape, cost, elapsed);

    private static void Add(Dictionary<string, OpTotals> totals, string key, OpCost cost, TimeSpan elapsed)
    {
        totals.TryGetValue(key, out var t);
        totals[key] = new OpTotals(t.Launches + 1, t.Cost + cost, t.Elapsed + elapsed);
    }

    public void Clear()
    {
        _totals.Clear();
        _shapes.Clear();
    }

    internal long Start() => TimeEachOp ? Stopwatch.GetTimestamp() : 0;
}

/// <summary>Launch count, summed cost and (in profile mode) summed wall time of one op name.</summary>
public readonly record struct OpTotals(long Launches, OpCost Cost, TimeSpan Elapsed);
