using BenchmarkDotNet.Attributes;
using MiniTransformer.Fitting;

namespace MiniTransformer.Bench;

/// <summary>
/// Scaling-law fitting: the full Hoffmann-grid Chinchilla fit on the 240 extracted points (compare with
/// `/usr/bin/python3 tools/chinchilla_reference.py --repeats 3`, scipy L-BFGS-B from the same grid, same
/// objective, run back to back on the same machine), the same fit with MathNet's L-BFGS as the local optimiser,
/// a 4,000-resample wild-bootstrap BCa interval of a 16-point 1-D power-law fit, and the MLP surface on the same
/// 240 points on the CPU backend.
///   dotnet run -c Release --project bench/MiniTransformer.Bench -- --filter '*Fitting*' --job short
/// </summary>
[MemoryDiagnoser]
public class FittingBenchmarks
{
    private ScalingPoint[] _chinchilla = [];
    private double[] _x = [], _y = [];

    [GlobalSetup]
    public void Setup()
    {
        string csv = Path.Combine(RepoRoot(), "tests", "MiniTransformer.Tests", "Fixtures", "chinchilla_svg_extracted.csv");
        _chinchilla = ScalingPoint.DropHighestLoss(ScalingTable.ReadCsv(csv).Points("Model Size", "loss", null, "Training FLOP"), 5);
        _x = Enumerable.Range(0, 16).Select(i => Math.Exp(Math.Log(1e5) + Math.Log(1e4) * i / 15)).ToArray();
        // deterministic ±1% wiggle around a known law (the benchmark measures time, not accuracy)
        _y = _x.Select((v, i) => 2.0 + 60 * Math.Pow(v, -0.3) + 0.01 * Math.Sin(12.9898 * i)).ToArray();
    }

    [Benchmark(Description = "Chinchilla fit, 4,500-start grid, 240 points (project L-BFGS)")]
    public ChinchillaFit ChinchillaGrid() => ChinchillaFit.Fit(_chinchilla);

    [Benchmark(Description = "Chinchilla fit, 4,500-start grid, 240 points (MathNet L-BFGS)")]
    public ChinchillaFit ChinchillaGridMathNet() => ChinchillaFit.Fit(_chinchilla, new ChinchillaFitOptions { Optimizer = LocalOptimizer.MathNetLbfgs });

    [Benchmark(Description = "MLP surface fit (2 × 32 GELU, early-stopped AdamW), 240 points, CPU backend")]
    public MlpSurface MlpSurfaceFit() => MlpSurface.Fit(_chinchilla);

    [Benchmark(Description = "1-D power law + 4,000-resample wild bootstrap BCa, 16 points")]
    public BootstrapResult WildBootstrap4000() => CurveAnalysis.Run(_x, _y, new CurveAnalysisOptions
    {
        Bootstrap = new BootstrapOptions { Resamples = 4000, Seed = 1 },
        IncludeExponential = false, IncludeNoOffset = false,
    }).Intervals!;

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MiniTransformer.sln"))) return dir.FullName;
        throw new InvalidOperationException("run the benchmarks from inside the repository");
    }
}
