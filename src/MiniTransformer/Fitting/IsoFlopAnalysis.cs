using MathNet.Numerics;

namespace MiniTransformer.Fitting;

/// <summary>One fixed-compute slice: the parabola loss = c0 + c1·ln N + c2·(ln N)² and its vertex (null when the slice has no minimum).</summary>
public sealed record IsoFlopSlice(double Compute, int Points, double[] Coefficients, double? OptimalN, double? OptimalD, double? OptimalLoss, string? Skipped);

/// <summary>
/// Chinchilla approach 2: for every fixed-compute slice fit a parabola in ln N, take its vertex as N_opt(C), then
/// N_opt ∝ C^a by log-log least squares and b = 1 − a (D = C/6N). Intervals: wild bootstrap of every slice's
/// parabola residuals (BCa, jackknife over points).
/// </summary>
public sealed record IsoFlopAnalysis(IReadOnlyList<IsoFlopSlice> Slices, double ExponentN, double ExponentD, double Coefficient, BootstrapResult? Intervals)
{
    public static readonly string[] StatisticNames = ["a", "b"];

    /// <summary>
    /// Groups <paramref name="points"/> into slices of equal compute (6·N·D within a relative 1e-6, or the given
    /// <paramref name="sliceKeys"/>), fits each slice with at least 3 distinct N, and the law across the vertices.
    /// </summary>
    public static IsoFlopAnalysis Run(IReadOnlyList<ScalingPoint> points, IReadOnlyList<string>? sliceKeys = null, BootstrapOptions? bootstrap = null)
    {
        ScalingPoint.Validate(points, 2, "an IsoFLOP analysis");
        var groups = Group(points, sliceKeys);
        var lnN = points.Select(p => Math.Log(p.N)).ToArray();
        var y = points.Select(p => p.Loss).ToArray();
        var (slices, stats, coefficient) = Analyse(points, groups, lnN, y);
        BootstrapResult? intervals = null;
        if (bootstrap is not null)
        {
            var fitted = new double[points.Count];
            foreach (var (compute, idx) in groups)
            {
                var slice = slices.First(s => s.Compute == compute);
                if (slice.Skipped is not null) { foreach (int i in idx) fitted[i] = y[i]; continue; }
                foreach (int i in idx) fitted[i] = Polynomial.Evaluate(lnN[i], slice.Coefficients);
            }
            var residuals = y.Select((v, i) => v - fitted[i]).ToArray();
            double[]? Stat(double[] yStar) { try { return Analyse(points, groups, lnN, yStar).Stats; } catch (UserInputException) { return null; } }
            double[]? LeaveOneOut(int k)
            {
                var keep = Enumerable.Range(0, points.Count).Where(i => i != k).ToArray();
                var sub = keep.Select(i => points[i]).ToArray();
                var subGroups = groups.Select(g => (g.Compute, g.Indices.Where(i => i != k).Select(i => i < k ? i : i - 1).ToArray())).ToList();
                try { return Analyse(sub, subGroups, keep.Select(i => lnN[i]).ToArray(), keep.Select(i => y[i]).ToArray()).Stats; }
                catch (UserInputException) { return null; }
            }
            intervals = Bootstrap.Wild(fitted, residuals, StatisticNames, stats, Stat, LeaveOneOut, bootstrap);
        }
        return new IsoFlopAnalysis(slices, stats[0], stats[1], coefficient, intervals);
    }

    private static List<(double Compute, int[] Indices)> Group(IReadOnlyList<ScalingPoint> points, IReadOnlyList<string>? keys)
    {
        if (keys is not null)
        {
            if (keys.Count != points.Count) throw new UserInputException("slice keys and points differ in count");
            return Enumerable.Range(0, points.Count).GroupBy(i => keys[i])
                .Select(g => (Math.Exp(g.Average(i => Math.Log(points[i].Compute))), g.ToArray())).OrderBy(g => g.Item1).ToList();
        }
        var order = Enumerable.Range(0, points.Count).OrderBy(i => points[i].Compute).ToArray();
        var groups = new List<(double, int[])>();
        var current = new List<int>();
        foreach (int i in order)
        {
            if (current.Count > 0 && points[i].Compute > points[current[0]].Compute * (1 + 1e-6))
            {
                groups.Add((points[current[0]].Compute, current.ToArray()));
                current.Clear();
            }
            current.Add(i);
        }
        groups.Add((points[current[0]].Compute, current.ToArray()));
        return groups;
    }

    private static (List<IsoFlopSlice> Slices, double[] Stats, double Coefficient) Analyse(IReadOnlyList<ScalingPoint> points, List<(double Compute, int[] Indices)> groups, double[] lnN, double[] y)
    {
        var slices = new List<IsoFlopSlice>();
        foreach (var (compute, idx) in groups)
        {
            var x = idx.Select(i => lnN[i]).ToArray();
            if (x.Distinct().Count() < 3) { slices.Add(new IsoFlopSlice(compute, idx.Length, [], null, null, null, "fewer than 3 distinct N")); continue; }
            var c = Fit.Polynomial(x, idx.Select(i => y[i]).ToArray(), 2);
            if (!(c[2] > 0)) { slices.Add(new IsoFlopSlice(compute, idx.Length, c, null, null, null, "parabola opens downward (no minimum)")); continue; }
            double v = -c[1] / (2 * c[2]);
            if (v < x.Min() || v > x.Max())
            {
                slices.Add(new IsoFlopSlice(compute, idx.Length, c, null, null, null, "vertex outside the slice's N range"));
                continue;
            }
            double n = Math.Exp(v);
            slices.Add(new IsoFlopSlice(compute, idx.Length, c, n, compute / (6 * n), Polynomial.Evaluate(v, c), null));
        }
        var good = slices.Where(s => s.OptimalN is not null).ToArray();
        if (good.Length < 2) throw new UserInputException($"IsoFLOP: only {good.Length} slice(s) have an interior loss minimum; need at least 2 to fit N_opt ∝ C^a");
        var line = Fit.Line(good.Select(s => Math.Log(s.Compute)).ToArray(), good.Select(s => Math.Log(s.OptimalN!.Value)).ToArray());
        return (slices, [line.B, 1 - line.B], Math.Exp(line.A));
    }
}
