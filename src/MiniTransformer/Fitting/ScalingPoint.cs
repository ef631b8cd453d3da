namespace MiniTransformer.Fitting;

/// <summary>
/// One measured run as the surface fitters see it: parameters N, training tokens D, final loss. The plain row a
/// results table (a CSV today, the sweep store's SQLite table later) turns into; compute is C = 6·N·D by the
/// usual convention unless the source states its own.
/// </summary>
public readonly record struct ScalingPoint(double N, double D, double Loss)
{
    public double Compute => 6.0 * N * D;

    /// <summary>A point given by (N, C, loss): D = C / (6N).</summary>
    public static ScalingPoint FromCompute(double n, double compute, double loss) => new(n, compute / (6.0 * n), loss);

    /// <summary>Throws a <see cref="UserInputException"/> naming the first bad point: N, D and loss must be finite and positive.</summary>
    public static void Validate(IReadOnlyList<ScalingPoint> points, int parameters, string form)
    {
        for (int i = 0; i < points.Count; i++)
        {
            var p = points[i];
            if (!(double.IsFinite(p.N) && p.N > 0)) throw new UserInputException($"point {i}: N must be positive and finite (got {p.N})");
            if (!(double.IsFinite(p.D) && p.D > 0)) throw new UserInputException($"point {i}: D must be positive and finite (got {p.D})");
            if (!(double.IsFinite(p.Loss) && p.Loss > 0)) throw new UserInputException($"point {i}: loss must be positive and finite (got {p.Loss})");
        }
        if (points.Count <= parameters)
            throw new UserInputException($"{form} has {parameters} parameters but there are only {points.Count} point(s); need at least {parameters + 1}");
        if (points.Select(p => p.N).Distinct().Count() < 2) throw new UserInputException($"{form}: N is constant; a surface in N cannot be fitted");
        if (points.Select(p => p.D).Distinct().Count() < 2) throw new UserInputException($"{form}: D is constant; a surface in D cannot be fitted");
    }

    /// <summary>
    /// Drops the <paramref name="count"/> highest-loss points (the Chinchilla convention for the extracted data,
    /// whose top-loss points sit at the smallest compute and off the law).
    /// </summary>
    public static ScalingPoint[] DropHighestLoss(IReadOnlyList<ScalingPoint> points, int count) =>
        KeptAfterDroppingHighestLoss(points, count).Select(i => points[i]).ToArray();

    /// <summary>Indices (in order) of the points left after dropping the <paramref name="count"/> highest losses (ties: the earlier row goes first).</summary>
    public static int[] KeptAfterDroppingHighestLoss(IReadOnlyList<ScalingPoint> points, int count)
    {
        if (count < 0 || count >= points.Count) throw new UserInputException($"cannot drop {count} of {points.Count} points");
        var drop = Enumerable.Range(0, points.Count).OrderByDescending(i => points[i].Loss).ThenBy(i => i).Take(count).ToHashSet();
        return Enumerable.Range(0, points.Count).Where(i => !drop.Contains(i)).ToArray();
    }
}
