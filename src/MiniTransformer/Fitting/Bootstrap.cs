using MiniTransformer.Randomness;

namespace MiniTransformer.Fitting;

/// <summary>
/// The resampling engine behind every interval. Resample r's randomness is Philox(seed, stream = r), so the
/// replicates — and the intervals — are identical for every thread count; resamples whose refit fails (the
/// statistic returns null or non-finite values) are dropped and counted.
/// </summary>
public static class Bootstrap
{
    /// <summary>Wild bootstrap: y*_i = fitted_i + s_i·residual_i, s_i = ±1 with equal odds, x fixed.</summary>
    public static BootstrapResult Wild(IReadOnlyList<double> fitted, IReadOnlyList<double> residuals, string[] names,
                                       double[] estimate, Func<double[], double[]?> statistic,
                                       Func<int, double[]?>? leaveOneOut, BootstrapOptions options)
    {
        if (fitted.Count != residuals.Count) throw new ArgumentException("fitted and residuals differ in length");
        int n = fitted.Count;
        return Run(names, estimate, n, leaveOneOut, options, r =>
        {
            var y = new double[n];
            for (int i = 0; i < n; i++) y[i] = fitted[i] + (RademacherSign(options.Seed, r, i) ? residuals[i] : -residuals[i]);
            return statistic(y);
        });
    }

    /// <summary>Nonparametric bootstrap over points (runs): each resample draws n indices with replacement.</summary>
    public static BootstrapResult Pairs(int n, string[] names, double[] estimate, Func<int[], double[]?> statistic,
                                        Func<int, double[]?>? leaveOneOut, BootstrapOptions options)
    {
        return Run(names, estimate, n, leaveOneOut, options, r =>
        {
            var idx = new int[n];
            for (int i = 0; i < n; i++)
            {
                var (a, b, _, _) = Philox.Draw(options.Seed, (ulong)r, (ulong)i);
                idx[i] = (int)Math.Min(n - 1, Math.Floor(Philox.ToUnitDouble(a, b) * n));
            }
            Array.Sort(idx);
            return statistic(idx);
        });
    }

    /// <summary>Sign i of resample r: one bit of the Philox block (r, i / 128).</summary>
    internal static bool RademacherSign(ulong seed, int resample, int i)
    {
        var (w0, w1, w2, w3) = Philox.Draw(seed, (ulong)resample, (ulong)(i >> 7));
        int bit = i & 127;
        uint word = (bit >> 5) switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
        return ((word >> (bit & 31)) & 1) == 1;
    }

    private static BootstrapResult Run(string[] names, double[] estimate, int n, Func<int, double[]?>? leaveOneOut,
                                       BootstrapOptions options, Func<int, double[]?> resample)
    {
        options.Validate();
        int k = names.Length;
        var replicates = new double[options.Resamples][];
        Parallel.For(0, options.Resamples, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                     r => replicates[r] = Finite(resample(r), k));
        double[][]? jack = null;
        if (leaveOneOut is not null)
        {
            var loo = new double[n][];
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
                         i => loo[i] = Finite(leaveOneOut(i), k));
            var ok = loo.Where(v => v.Length == k).ToArray();
            if (ok.Length >= 3) jack = ok;
        }
        var good = replicates.Where(v => v.Length == k).ToArray();
        int failed = options.Resamples - good.Length;
        if (good.Length < options.Resamples / 2)
            throw new UserInputException($"bootstrap: {failed} of {options.Resamples} resample refits failed; the fit is too unstable for an interval");
        var intervals = new ConfidenceInterval[k];
        for (int j = 0; j < k; j++)
        {
            int jj = j;
            intervals[j] = BcaInterval.Compute(names[j], estimate[j], good.Select(v => v[jj]).ToArray(),
                                               jack?.Select(v => v[jj]).ToArray(), options.Level);
        }
        return new BootstrapResult(options.Kind, options.Resamples, failed, intervals);
    }

    private static double[] Finite(double[]? v, int k) =>
        v is not null && v.Length == k && v.All(double.IsFinite) ? v : [];
}
