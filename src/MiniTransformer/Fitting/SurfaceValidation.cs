using MiniTransformer.Randomness;

namespace MiniTransformer.Fitting;

/// <summary>Held-out error of one surface form over random 80/20 splits: mean and s.d. of the validation MSE of L and of ln L.</summary>
public sealed record SurfaceScore(string Form, int Splits, double MeanMse, double StdMse, double MeanMseLog, double StdMseLog, int FailedSplits);

/// <summary>
/// Scores surface forms by validation error over seeded random 80/20 splits of the points (split s is a
/// Fisher–Yates permutation drawn from Philox(seed, stream = s), identical for every form, so the forms are
/// compared on the same held-out points). A form whose fit fails on a split gets that split counted as failed.
/// </summary>
public static class SurfaceValidation
{
    public static SurfaceScore Score(string form, IReadOnlyList<ScalingPoint> points, Func<IReadOnlyList<ScalingPoint>, ISurfaceFit> fit,
                                     int splits = 20, double trainFraction = 0.8, ulong seed = 0)
    {
        if (splits < 2) throw new UserInputException($"need at least 2 validation splits (got {splits})");
        int nTrain = (int)Math.Round(trainFraction * points.Count);
        if (nTrain < 2 || nTrain >= points.Count) throw new UserInputException($"a {trainFraction:P0} split of {points.Count} points leaves no training or no validation points");
        var mse = new List<double>(); var mseLog = new List<double>();
        int failed = 0;
        for (int s = 0; s < splits; s++)
        {
            var perm = Permutation(points.Count, seed, (ulong)s);
            var train = perm.Take(nTrain).Select(i => points[i]).ToArray();
            var test = perm.Skip(nTrain).Select(i => points[i]).ToArray();
            ISurfaceFit surface;
            try { surface = fit(train); }
            catch (UserInputException) { failed++; continue; }
            double e = 0, el = 0;
            foreach (var p in test)
            {
                double pred = surface.Predict(p.N, p.D);
                e += (pred - p.Loss) * (pred - p.Loss);
                el += Math.Pow(Math.Log(pred) - Math.Log(p.Loss), 2);
            }
            if (!double.IsFinite(e) || !double.IsFinite(el)) { failed++; continue; }
            mse.Add(e / test.Length); mseLog.Add(el / test.Length);
        }
        if (mse.Count == 0) throw new UserInputException($"{form}: the fit failed on every validation split");
        return new SurfaceScore(form, splits, mse.Average(), Std(mse), mseLog.Average(), Std(mseLog), failed);
    }

    /// <summary>Fisher–Yates shuffle of 0..n−1 from Philox(seed, stream).</summary>
    public static int[] Permutation(int n, ulong seed, ulong stream)
    {
        var perm = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            var (a, b, _, _) = Philox.Draw(seed, stream, (ulong)i);
            int j = (int)Math.Min(i, Math.Floor(Philox.ToUnitDouble(a, b) * (i + 1)));
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    private static double Std(List<double> v)
    {
        if (v.Count < 2) return 0;
        double m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1));
    }
}
