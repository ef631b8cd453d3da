namespace MiniTransformer.Fitting;

/// <summary>
/// One law fitted per slice (L(N)|D for every D, L(D)|N for every N) and the spread of its exponent across
/// slices — the mean ± s.d. the scaling-law papers report.
/// </summary>
public sealed record SliceAnalysis(IReadOnlyList<CurveAnalysis> Slices, double ExponentMean, double ExponentStdDev)
{
    public static SliceAnalysis Run(IEnumerable<(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)> slices, CurveAnalysisOptions? options = null)
    {
        var results = slices.Select(s => CurveAnalysis.Run(s.X, s.Y, options, s.Label)).ToList();
        if (results.Count == 0) throw new UserInputException("no slices to fit");
        var alphas = results.Select(r => r.PowerLaw["alpha"]).ToArray();
        double mean = alphas.Average();
        double sd = alphas.Length > 1 ? Math.Sqrt(alphas.Sum(a => (a - mean) * (a - mean)) / (alphas.Length - 1)) : 0;
        return new SliceAnalysis(results, mean, sd);
    }
}
