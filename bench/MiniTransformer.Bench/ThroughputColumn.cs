using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using MiniTransformer.Compute;

namespace MiniTransformer.Bench;

/// <summary>
/// GFLOP/s or GB/s of a benchmark from the op's declared cost (OpCosts, exact from the shapes) and the measured mean:
/// the same numbers a training run's ledger reports.
/// </summary>
public sealed class ThroughputColumn(string name, Func<BenchmarkCase, OpCost?> cost, Func<OpCost, double> units) : IColumn
{
    public static ThroughputColumn Gflops(Func<BenchmarkCase, OpCost?> cost) => new("GFLOP/s", cost, c => c.Flops);
    public static ThroughputColumn GBps(Func<BenchmarkCase, OpCost?> cost) => new("GB/s", cost, c => c.Bytes);

    public string Id => $"{nameof(ThroughputColumn)}.{name}";
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{name} from the op's declared cost and the mean time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats is null || cost(benchmarkCase) is not { } c) return "-";
        return (units(c) / stats.Median).ToString("F1"); // per nanosecond = G per second
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    /// <summary>The value of a [Params] property of the case.</summary>
    public static T Param<T>(BenchmarkCase benchmarkCase, string param) => (T)benchmarkCase.Parameters[param];
}
