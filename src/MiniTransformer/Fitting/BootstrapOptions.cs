namespace MiniTransformer.Fitting;

/// <summary>How resamples are drawn.</summary>
public enum BootstrapKind
{
    /// <summary>y*_i = ŷ_i + s_i·r_i with Rademacher signs s_i, x fixed: keeps each point's own noise level.</summary>
    Wild,
    /// <summary>Nonparametric: draw n points (runs) with replacement.</summary>
    Pairs,
}

public sealed record BootstrapOptions
{
    public int Resamples { get; init; } = 4000;
    /// <summary>Two-sided coverage of each interval.</summary>
    public double Level { get; init; } = 0.95;
    public ulong Seed { get; init; }
    public BootstrapKind Kind { get; init; } = BootstrapKind.Wild;
    /// <summary>Threads; results do not depend on it (each resample's randomness is Philox(seed, resample index)).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    public void Validate()
    {
        if (Resamples < 100) throw new UserInputException($"--bootstrap needs at least 100 resamples for a BCa interval (got {Resamples})");
        if (!(Level > 0.5 && Level < 1)) throw new UserInputException($"--level must be in (0.5, 1) (got {Level})");
        if (MaxDegreeOfParallelism < 1) throw new UserInputException("thread count must be at least 1");
    }
}

/// <summary>
/// A BCa interval for one statistic: the estimate on the full data, the bounds, the bootstrap standard error,
/// the bias correction z0 and the jackknife acceleration a (both 0 reduce BCa to the percentile interval).
/// </summary>
public sealed record ConfidenceInterval(string Name, double Estimate, double Lower, double Upper, double Level,
                                        double StandardError, double BiasCorrection, double Acceleration)
{
    public bool Contains(double value) => value >= Lower && value <= Upper;
}

/// <summary>Intervals for every statistic, with how many resamples were drawn and how many refits failed (dropped).</summary>
public sealed record BootstrapResult(BootstrapKind Kind, int Resamples, int Failed, IReadOnlyList<ConfidenceInterval> Intervals)
{
    public ConfidenceInterval this[string name] => Intervals.First(i => i.Name == name);
}
